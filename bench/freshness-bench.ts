/**
 * Freshness: time from `ca-repo publish` of a revocation (the real CLI, in its own process) to
 * the first GET through the local CDN that answers `revoked`, while the `good` answer sits in
 * the edge cache. The reference is how long a CDN without the status-change invalidation would
 * keep serving that cached `good`: the max-age it was cached with.
 */
import { join } from 'node:path';
import {
  describeOcspAnswer,
  formatNumber,
  markdownTable,
  ratio,
  type BenchContext,
  type PhaseResult,
} from './bench-context.ts';
import {
  CA_REPO_CLI,
  issueRealLeaf,
  publishDirectory,
  startLocalRepositoryProcess,
  writeBundle,
  type RealLeaf,
} from './bench-pki.ts';
import { run, sleep } from './bench-tools.ts';

const POLL_MS = 10;

export async function runFreshnessBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const trials = ctx.quick ? 2 : 5;
  const dir = join(ctx.workDir, 'freshness');
  const leaves: RealLeaf[] = [];
  for (let i = 0; i < trials; i++) leaves.push(await issueRealLeaf(ctx.ec, `fresh-${i}.bench.example`));

  const server = await startLocalRepositoryProcess({
    trustPath: ctx.ec.ca.cert.certPath,
    dataDir: join(dir, 'data'),
  });
  try {
    const initial: Record<string, Uint8Array | string> = {
      'ca/root.crt': ctx.ec.ca.cert.certPem,
      'crl/root.crl': await ctx.ec.ca.generateCrl(),
    };
    leaves.forEach((l, i) => (initial[`ocsp/fresh-${i}.ocsp`] = l.response));
    const first = await publishDirectory(server.url, await writeBundle(join(dir, 'initial'), initial));
    if (first.status !== 'completed' || first.rejected.length > 0)
      throw new Error('freshness: initial publish failed');

    const rows: string[][] = [];
    const toRevoked: number[] = [];
    const maxAges: number[] = [];
    for (let i = 0; i < trials; i++) {
      const leaf = leaves[i]!;
      const url = `${server.url}/ocsp/${encodeURIComponent(Buffer.from(leaf.request).toString('base64'))}`;
      // Warm the edge cache with `good` and read how long it would be kept.
      await fetch(url).then((r) => r.arrayBuffer());
      const cached = await fetch(url);
      const cachedBody = new Uint8Array(await cached.arrayBuffer());
      const maxAge = Number(/max-age=(\d+)/.exec(cached.headers.get('cache-control') ?? '')?.[1] ?? NaN);
      if (
        !/Hit/.test(cached.headers.get('x-cache') ?? '') ||
        describeOcspAnswer(cachedBody).status !== 'good'
      ) {
        failures.push(`trial ${i}: the good response was not served from the edge cache`);
      }
      maxAges.push(maxAge);

      await ctx.ec.ca.revoke(leaf.leaf, { reason: 'keyCompromise' });
      const revoked = await ctx.ec.ca.ocspResponse(leaf.leaf, { hash: 'sha1', validityMinutes: 3 * 24 * 60 });
      const bundle = await writeBundle(join(dir, `revocation-${i}`), {
        [`ocsp/fresh-${i}.ocsp`]: revoked,
        'crl/root.crl': await ctx.ec.ca.generateCrl(),
      });

      const start = performance.now();
      let cliSeconds = NaN;
      const cli = run(CA_REPO_CLI[0], [
        CA_REPO_CLI[1],
        'publish',
        bundle,
        '--repo',
        server.url,
        '--json',
      ]).then((result) => {
        cliSeconds = (performance.now() - start) / 1000;
        return result;
      });
      let firstRevoked = NaN;
      let polls = 0;
      while (performance.now() - start < 120_000) {
        polls++;
        const body = new Uint8Array(await (await fetch(url)).arrayBuffer());
        if (describeOcspAnswer(body).status === 'revoked') {
          firstRevoked = (performance.now() - start) / 1000;
          break;
        }
        await sleep(POLL_MS);
      }
      const result = await cli;
      if (result.code !== 0)
        failures.push(`trial ${i}: ca-repo publish exited ${result.code}: ${result.stderr.slice(-300)}`);
      if (!Number.isFinite(firstRevoked)) failures.push(`trial ${i}: no GET answered revoked within 120 s`);
      toRevoked.push(firstRevoked);
      rows.push([
        String(i + 1),
        formatNumber(firstRevoked, 2),
        formatNumber(cliSeconds, 2),
        formatNumber(maxAge),
        String(polls),
      ]);
    }
    const median = [...toRevoked].sort((a, b) => a - b)[Math.floor(toRevoked.length / 2)]!;
    const worst = Math.max(...toRevoked);
    const maxAge = Math.min(...maxAges);
    const markdown = `${markdownTable(
      [
        'trial',
        'publish start → first revoked GET (s)',
        'CLI exit (s)',
        'cached good max-age (s)',
        'GETs polled',
      ],
      rows,
    )}

Median ${formatNumber(median, 2)} s, worst ${formatNumber(worst, 2)} s, against ${formatNumber(maxAge)} s for which a CDN without the
status-change invalidation would keep answering \`good\` from its cache: ${ratio(median, maxAge, 4)} of that window.

Command: \`npm run bench -- --only freshness\`: \`ca-repo local\` in its own process; each trial caches a certificate's
\`good\` answer at the edge (second GET is a hit), revokes it in the openssl CA, signs the revoked response and a new
CRL with \`openssl ocsp\`/\`openssl ca -gencrl\`, then runs \`node bin/ca-repo.mjs publish BUNDLE --repo URL --json\` while
polling the same GET URL every ${POLL_MS} ms. The time includes the CLI's start (tsx), packing, upload, the receipt wait
loop and the publish gate. In AWS add S3 event delivery and a CloudFront invalidation (typically seconds to a minute).`;
    return {
      title: 'Freshness',
      markdown,
      figures: [
        {
          name: 'Freshness: `ca-repo publish` of a revocation → first GET answering revoked (local CDN)',
          value: `median ${formatNumber(median, 2)} s (worst ${formatNumber(worst, 2)} s, ${trials} trials)`,
          reference: `${formatNumber(maxAge)} s cached good without invalidation`,
          ratio: ratio(median, maxAge, 4),
          commands: [
            'npm run bench -- --only freshness',
            'node bin/ca-repo.mjs publish BUNDLE --repo URL --json',
          ],
        },
      ],
      failures,
    };
  } finally {
    await server.stop();
  }
}

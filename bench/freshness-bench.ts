/**
 * Freshness: time from `ca-repo publish` of a revocation (the real CLI, in its own process) to
 * the first GET and the first POST through the local CDN that answer `revoked`, while the `good`
 * answer sits in the edge cache (GET) and in the origin-request function's memory (POST). The
 * reference is how long a CDN without the status-change invalidation would keep serving that
 * cached `good`: the max-age it was cached with (GET), EDGE_POST_CACHE_SECONDS (POST).
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
import { EDGE_POST_CACHE_SECONDS } from '../lambda/core/contract/edge-post-cache.ts';

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
    const postToRevoked: number[] = [];
    const maxAges: number[] = [];
    for (let i = 0; i < trials; i++) {
      const leaf = leaves[i]!;
      const url = `${server.url}/ocsp/${encodeURIComponent(Buffer.from(leaf.request).toString('base64'))}`;
      const post = async () =>
        new Uint8Array(
          await (
            await fetch(`${server.url}/ocsp`, {
              method: 'POST',
              headers: { 'content-type': 'application/ocsp-request' },
              body: Buffer.from(leaf.request),
            })
          ).arrayBuffer(),
        );
      // Warm the edge cache with `good` and read how long it would be kept.
      await fetch(url).then((r) => r.arrayBuffer());
      // And the origin-request function's POST memory.
      if (describeOcspAnswer(await post()).status !== 'good')
        failures.push(`trial ${i}: the POST before the revocation did not answer good`);
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
      // GET and POST polled in turn until both answer revoked.
      let firstRevoked = NaN;
      let firstPostRevoked = NaN;
      let polls = 0;
      while (performance.now() - start < 120_000) {
        polls++;
        if (!Number.isFinite(firstRevoked)) {
          const body = new Uint8Array(await (await fetch(url)).arrayBuffer());
          if (describeOcspAnswer(body).status === 'revoked')
            firstRevoked = (performance.now() - start) / 1000;
        }
        if (!Number.isFinite(firstPostRevoked) && describeOcspAnswer(await post()).status === 'revoked')
          firstPostRevoked = (performance.now() - start) / 1000;
        if (Number.isFinite(firstRevoked) && Number.isFinite(firstPostRevoked)) break;
        await sleep(POLL_MS);
      }
      const result = await cli;
      if (result.code !== 0)
        failures.push(`trial ${i}: ca-repo publish exited ${result.code}: ${result.stderr.slice(-300)}`);
      if (!Number.isFinite(firstRevoked)) failures.push(`trial ${i}: no GET answered revoked within 120 s`);
      if (!Number.isFinite(firstPostRevoked))
        failures.push(`trial ${i}: no POST answered revoked within 120 s`);
      toRevoked.push(firstRevoked);
      postToRevoked.push(firstPostRevoked);
      rows.push([
        String(i + 1),
        formatNumber(firstRevoked, 2),
        formatNumber(firstPostRevoked, 2),
        formatNumber(cliSeconds, 2),
        formatNumber(maxAge),
        String(polls),
      ]);
    }
    const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const median = medianOf(toRevoked);
    const worst = Math.max(...toRevoked);
    const postMedian = medianOf(postToRevoked);
    const postWorst = Math.max(...postToRevoked);
    const maxAge = Math.min(...maxAges);
    const markdown = `${markdownTable(
      [
        'trial',
        'publish start → first revoked GET (s)',
        'publish start → first revoked POST (s)',
        'CLI exit (s)',
        'cached good max-age (s)',
        'polls (a GET and a POST each)',
      ],
      rows,
    )}

Median ${formatNumber(median, 2)} s, worst ${formatNumber(worst, 2)} s, against ${formatNumber(maxAge)} s for which a CDN without the
status-change invalidation would keep answering \`good\` from its cache: ${ratio(median, maxAge, 4)} of that window.
POST: median ${formatNumber(postMedian, 2)} s, worst ${formatNumber(postWorst, 2)} s, against the ${EDGE_POST_CACHE_SECONDS} s a container may keep a POST
answer (${ratio(postMedian, EDGE_POST_CACHE_SECONDS, 4)} of it); POST ÷ GET median ${ratio(postMedian, median, 2)}. Locally the invalidation reaches the
in-process function's memory; in AWS nothing does, so \`ca-repo publish --stack\` waits ${EDGE_POST_CACHE_SECONDS} s after a status change
before it returns, and POST is then served revoked by construction.

Command: \`npm run bench -- --only freshness\`: \`ca-repo local\` in its own process; each trial caches a certificate's
\`good\` answer at the edge (second GET is a hit), revokes it in the openssl CA, signs the revoked response and a new
CRL with \`openssl ocsp\`/\`openssl ca -gencrl\`, then runs \`node bin/ca-repo.mjs publish BUNDLE --repo URL --json\` while
polling the same GET URL and POSTing the same request every ${POLL_MS} ms (one of each per poll). The time includes the CLI's start (tsx), packing, upload, the receipt wait
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
        {
          name: 'Freshness: `ca-repo publish` of a revocation → first POST answering revoked (local CDN)',
          value: `median ${formatNumber(postMedian, 2)} s (worst ${formatNumber(postWorst, 2)} s; POST ÷ GET ${ratio(postMedian, median, 2)})`,
          reference: `${EDGE_POST_CACHE_SECONDS} s POST memory without invalidation`,
          ratio: ratio(postMedian, EDGE_POST_CACHE_SECONDS, 4),
          commands: ['npm run bench -- --only freshness'],
        },
      ],
      failures,
    };
  } finally {
    await server.stop();
  }
}

/**
 * The large seeded fuzz run: 1,000,000 inputs over the built CloudFront Function, the Lambda@Edge
 * POST handler and the artifact classifier with its validators (bench/fuzz-harness.ts; `npm test`
 * runs the same harness with small counts).
 */
import { MemoryObjectStore } from '../lambda/storage/memory-object-store.ts';
import { META } from '../lambda/core/serving/cache-policy.ts';
import { ocspObjectKey } from '../lambda/core/ocsp/ocsp-object-key.ts';
import { parseOcspRequest } from '../lambda/core/ocsp/ocsp-request.ts';
import { buildViewerRequestSource } from '../lambda/edge/build-viewer-request.ts';
import { createOcspOriginRequestHandler } from '../lambda/handlers/edge-handlers.ts';
import { loadViewerRequestFunction } from '../lambda/local/cloudfront-function-runtime.ts';
import { seededRandom } from '../testkit/seeded-random.ts';
import { formatNumber, markdownTable, type BenchContext, type PhaseResult } from './bench-context.ts';
import {
  buildArtifactSeeds,
  fuzzArtifacts,
  fuzzPostHandler,
  fuzzViewerFunction,
  type FuzzTally,
} from './fuzz-harness.ts';

const SEED = 20261122;

export async function runFuzzBench(ctx: BenchContext): Promise<PhaseResult> {
  const scale = ctx.quick ? 0.02 : 1;
  const counts = { function: 400_000 * scale, post: 300_000 * scale, artifacts: 300_000 * scale };
  const ca = ctx.ec.ca;
  const leaf = await ca.issue({ commonName: 'fuzz-bench.example', profile: 'tls-server' });
  const requestSeeds = [
    await ca.ocspRequest(leaf, { hash: 'sha1' }),
    await ca.ocspRequest(leaf, { hash: 'sha256', nonce: true }),
    await ca.ocspRequest(leaf, { hash: 'sha384', nonce: true }),
  ];
  const stored = await ca.ocspResponse(leaf, { hash: 'sha1' });

  const timed = async (name: string, work: () => FuzzTally | Promise<FuzzTally>) => {
    ctx.log(`fuzz: ${name}`);
    const start = performance.now();
    const tally = await work();
    return { name, tally, seconds: (performance.now() - start) / 1000 };
  };

  const viewer = await timed('built CloudFront Function (GET URIs)', () =>
    fuzzViewerFunction({
      handler: loadViewerRequestFunction(buildViewerRequestSource('/ocsp')),
      seeds: requestSeeds,
      random: seededRandom(SEED),
      count: counts.function,
    }),
  );

  const primary = new MemoryObjectStore();
  await primary.put(ocspObjectKey(parseOcspRequest(requestSeeds[0]!)!), stored, {
    contentType: 'application/ocsp-response',
    metadata: {
      [META.kind]: 'ocsp-response',
      [META.nextUpdate]: new Date(Date.now() + 86400_000).toISOString(),
    },
  });
  const post = await timed('Lambda@Edge POST handler (bodies)', () =>
    fuzzPostHandler({
      handler: createOcspOriginRequestHandler({
        storesFor: () => ({ primary }),
        clock: { now: () => new Date() },
      }),
      seeds: requestSeeds,
      storedHex: Buffer.from(stored).toString('hex'),
      random: seededRandom(SEED + 1),
      count: counts.post,
    }),
  );

  const seeds = await buildArtifactSeeds(ca);
  const artifacts = await timed('classifier + validators (files)', () =>
    fuzzArtifacts({
      seeds,
      trust: ctx.ec.trust,
      now: new Date(),
      random: seededRandom(SEED + 2),
      count: counts.artifacts,
    }),
  );

  const runs = [viewer, post, artifacts];
  const total = runs.reduce((n, r) => n + r.tally.inputs, 0);
  const violationCount = runs.reduce((n, r) => n + r.tally.violationCount, 0);
  // One line per distinct failure, with how often it happened and the first input to replay.
  const kinds = new Map<string, { count: number; inputHex: string }>();
  for (const v of runs.flatMap((r) => r.tally.violations)) {
    const key = `${v.entryPoint}: ${v.message}`;
    const known = kinds.get(key);
    if (known) known.count++;
    else kinds.set(key, { count: 1, inputHex: v.inputHex });
  }
  const failures = [...kinds].map(
    ([key, { count, inputHex }]) =>
      `${key} (${count} of the first 50 kept; replay: ${inputHex.slice(0, 160)}…)`,
  );
  const rows = runs.map((r) => [
    r.name,
    formatNumber(r.tally.inputs),
    formatNumber(r.tally.violationCount),
    formatNumber(r.tally.maxMs, 1),
    formatNumber(r.tally.inputs / r.seconds),
    Object.entries(r.tally.counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k}: ${formatNumber(n)}`)
      .join('; '),
  ]);
  const markdown = `${markdownTable(
    ['entry point', 'inputs', 'violations', 'slowest input (ms)', 'inputs/s', 'outcomes'],
    rows,
  )}

${formatNumber(total)} inputs, ${formatNumber(violationCount)} violations. Command: \`npm run bench -- --only fuzz\` (seeds ${SEED},
${SEED + 1}, ${SEED + 2}; 30 % random bytes, 70 % mutations of valid seeds: bit flips, truncation, insertion,
deletion, length-octet edits, duplication). A violation is an exception, an answer that is not a well-formed
OCSPResponse (function: a rewrite to a well-shaped key or a 200 malformedRequest; POST: HTTP 200 with the stored
response or a fixed malformedRequest / unauthorized / tryLater), a validator throwing anything but RejectedError, or an
input slower than 1 s. The same harness runs in \`npm test\` with small counts (test/unit/artifact-fuzz.test.ts).
${
  failures.length === 0
    ? ''
    : `\nDistinct violations:\n${failures.map((f) => `- ${f}`).join('\n')}\n${
        [...kinds.keys()].every((k) => /Wrong input string for conversion/.test(k))
          ? '\nAll of them are one product bug: asn1js throws a plain Error on a GeneralizedTime whose text is not a date, and `decodeDer` (lambda/core/pki/x509.ts) calls `asn1js.fromBER` outside its try, so such a file fails the whole bundle as a "store or internal error" instead of being refused.\n'
          : ''
      }`
}`;
  return {
    title: 'Fuzzing',
    markdown,
    figures: [
      {
        name: 'Seeded fuzz (function, POST handler, classifier/validators)',
        value: `${formatNumber(total)} inputs, ${formatNumber(violationCount)} violations`,
        reference: 'none allowed',
        ratio: `${formatNumber(violationCount)} / ${formatNumber(total)}`,
        commands: ['npm run bench -- --only fuzz'],
      },
    ],
    failures,
  };
}

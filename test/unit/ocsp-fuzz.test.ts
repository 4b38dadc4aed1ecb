/**
 * Seeded fuzzing of the two OCSP entry points that face the internet: the BUILT CloudFront
 * Function (GET) and the Lambda@Edge origin-request handler (POST). No exception, no hang, and
 * every OCSP answer a well-formed OCSPResponse. Same harness as `npm run bench` (bench/fuzz-harness.ts),
 * which runs 1,000,000 inputs; here 100,000 per entry point.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzPostHandler, fuzzViewerFunction } from '../../bench/fuzz-harness.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { META } from '../../lambda/core/serving/cache-policy.ts';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { parseOcspRequest } from '../../lambda/core/ocsp/ocsp-request.ts';
import { buildViewerRequestSource } from '../../lambda/edge/build-viewer-request.ts';
import { createOcspOriginRequestHandler } from '../../lambda/handlers/edge-handlers.ts';
import { loadViewerRequestFunction } from '../../lambda/local/cloudfront-function-runtime.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';
import { seededRandom } from '../../testkit/seeded-random.ts';

const SEED = 20261122;
const INPUTS_PER_ENTRY_POINT = 100_000;

let pki: TestPki;
let seeds: Uint8Array[];
let stored: Uint8Array;
beforeAll(async () => {
  pki = await createTestPki();
  seeds = [
    await pki.ca.ocspRequest(pki.leaf, { hash: 'sha1' }),
    await pki.ca.ocspRequest(pki.leaf, { hash: 'sha256', nonce: true }),
    await pki.ca.ocspRequest(pki.revokedLeaf, { hash: 'sha384', nonce: true }),
  ];
  stored = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
});
afterAll(() => pki?.cleanup());

describe(`seeded fuzz (seed ${SEED})`, () => {
  it(`built CloudFront Function: ${INPUTS_PER_ENTRY_POINT} GET URLs, each a rewrite to a key or malformedRequest`, () => {
    const tally = fuzzViewerFunction({
      handler: loadViewerRequestFunction(buildViewerRequestSource('/ocsp')),
      seeds,
      random: seededRandom(SEED),
      count: INPUTS_PER_ENTRY_POINT,
    });
    expect(tally.violations).toEqual([]);
    expect(tally.inputs).toBe(INPUTS_PER_ENTRY_POINT);
    // The mutations still reach the rewrite path, not only the malformedRequest answer.
    expect(tally.counts['rewritten to a key']).toBeGreaterThan(100);
    expect(tally.counts['generated answer']).toBeGreaterThan(100);
  });

  it(`Lambda@Edge POST handler: ${INPUTS_PER_ENTRY_POINT} bodies, each answered 200 with an OCSPResponse`, async () => {
    const primary = new MemoryObjectStore();
    await primary.put(ocspObjectKey(parseOcspRequest(seeds[0]!)!), stored, {
      contentType: 'application/ocsp-response',
      metadata: {
        [META.kind]: 'ocsp-response',
        [META.nextUpdate]: new Date(Date.now() + 86400_000).toISOString(),
      },
    });
    const tally = await fuzzPostHandler({
      handler: createOcspOriginRequestHandler({
        storesFor: () => ({ primary }),
        clock: { now: () => new Date() },
      }),
      seeds,
      storedHex: Buffer.from(stored).toString('hex'),
      random: seededRandom(SEED + 1),
      count: INPUTS_PER_ENTRY_POINT,
    });
    expect(tally.violations).toEqual([]);
    expect(tally.counts['stored response']).toBeGreaterThan(0);
    expect(tally.counts['fixed 30030a0101']).toBeGreaterThan(0); // malformedRequest
    expect(tally.counts['fixed 30030a0106']).toBeGreaterThan(0); // unauthorized
  });
});

/**
 * Seeded fuzzing of the two OCSP entry points that face the internet: the BUILT CloudFront
 * Function (GET) and the Lambda@Edge origin-request handler (POST). No exception, no hang, and
 * every OCSP answer a well-formed OCSPResponse. The 1,000,000-input run is in `npm run bench`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../lambda/adapters/memory-object-store.ts';
import { META } from '../../lambda/core/cache-policy.ts';
import { ocspObjectKey } from '../../lambda/core/ocsp-object-key.ts';
import { parseOcspRequest } from '../../lambda/core/ocsp-request.ts';
import { buildViewerRequestSource } from '../../lambda/edge/build-viewer-request.ts';
import { createOcspOriginRequestHandler } from '../../lambda/handlers/edge-handlers.ts';
import { loadViewerRequestFunction } from '../../lambda/local/cloudfront-function-runtime.ts';
import { createTestPki, type TestPki } from '../fixtures/test-pki.ts';
import { mutate, randomBytes, seededRandom } from '../fixtures/seeded-random.ts';

const SEED = 20261122;
const INPUTS_PER_ENTRY_POINT = 100_000;
const FIXED = new Set(['30030a0101', '30030a0106', '30030a0103']);
const KEY_SHAPE =
  /^\/_ocsp\/[0-9a-f]{2}\/(sha1|sha256|sha384|sha512|oid-[0-9a-f]+)\/[0-9a-f]*\/[0-9a-f]*\/[0-9a-f]+$/;

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

function nextInput(random: () => number): Uint8Array {
  return random() < 0.3
    ? randomBytes(random, 300)
    : mutate(seeds[Math.floor(random() * seeds.length)]!, random);
}

describe(`seeded fuzz (seed ${SEED})`, () => {
  it(`built CloudFront Function: ${INPUTS_PER_ENTRY_POINT} GET URLs, each a rewrite to a key or malformedRequest`, () => {
    const handler = loadViewerRequestFunction(buildViewerRequestSource('/ocsp'));
    const random = seededRandom(SEED);
    let rewritten = 0;
    for (let i = 0; i < INPUTS_PER_ENTRY_POINT; i++) {
      const bytes = nextInput(random);
      const encoded = Buffer.from(bytes).toString(random() < 0.5 ? 'base64' : 'base64url');
      const uri = `/ocsp/${random() < 0.5 ? encodeURIComponent(encoded) : encoded}${random() < 0.05 ? '%' : ''}`;
      const result = handler({
        version: '1.0',
        context: { eventType: 'viewer-request' },
        viewer: { ip: '127.0.0.1' },
        request: { method: 'GET', uri, querystring: {}, headers: {}, cookies: {} },
      });
      if ('statusCode' in result) {
        expect(result.statusCode).toBe(200);
        expect(FIXED.has(Buffer.from(result.body!.data, 'base64').toString('hex'))).toBe(true);
      } else {
        rewritten++;
        expect(result.uri).toMatch(KEY_SHAPE);
      }
    }
    expect(rewritten).toBeGreaterThan(100); // the mutations still reach the rewrite path
  });

  it(`Lambda@Edge POST handler: ${INPUTS_PER_ENTRY_POINT} bodies, each answered 200 with an OCSPResponse`, async () => {
    const primary = new MemoryObjectStore();
    const certId = parseOcspRequest(seeds[0]!)!;
    await primary.put(ocspObjectKey(certId), stored, {
      contentType: 'application/ocsp-response',
      metadata: {
        [META.kind]: 'ocsp-response',
        [META.nextUpdate]: new Date(Date.now() + 86400_000).toISOString(),
      },
    });
    const handler = createOcspOriginRequestHandler({
      storesFor: () => ({ primary }),
      clock: { now: () => new Date() },
    });
    const random = seededRandom(SEED + 1);
    const storedHex = Buffer.from(stored).toString('hex');
    let answered = 0;
    for (let i = 0; i < INPUTS_PER_ENTRY_POINT; i++) {
      const body = i === 0 ? seeds[0]! : nextInput(random);
      const response = await handler({
        Records: [
          {
            cf: {
              config: { eventType: 'origin-request' },
              request: {
                method: 'POST',
                uri: '/ocsp',
                querystring: '',
                headers: {},
                origin: { s3: { domainName: 'bucket.s3.local.amazonaws.com' } },
                body: {
                  encoding: 'base64',
                  data: Buffer.from(body).toString('base64'),
                  inputTruncated: false,
                },
              },
            },
          },
        ],
      });
      expect('status' in response && response.status).toBe('200');
      const der = Buffer.from((response as { body: string }).body, 'base64').toString('hex');
      if (der === storedHex) answered++;
      else expect(FIXED.has(der)).toBe(true);
    }
    expect(answered).toBeGreaterThan(0);
  });
});

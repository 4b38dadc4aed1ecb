/**
 * GET cache misses on the OCSP behaviour are answered by the origin-request function from the
 * store (the distribution runs no origin-response function there): one paid invocation per miss.
 * The answer keeps what origin-response gave it: max-age bounded by nextUpdate at answer time,
 * `unauthorized` (HTTP 200) for a CertID with no stored response, the replica's copy when the
 * primary fails, and never an answer remembered from before a publish (a CloudFront invalidation
 * cannot reach the container's memory, and CloudFront caches what this function returns).
 */
import { describe, expect, it } from 'vitest';
import type { CfOriginRequestEvent, CfResponse } from '../../lambda/core/serving/cloudfront-events.ts';
import { META } from '../../lambda/core/serving/cache-policy.ts';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import {
  MALFORMED_REQUEST_DER,
  parseOcspRequest,
  UNAUTHORIZED_DER,
} from '../../lambda/core/ocsp/ocsp-request.ts';
import { createOcspOriginRequestHandler } from '../../lambda/handlers/edge-handlers.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { createTestPki } from '../../testkit/test-pki.ts';

function event(method: string, uri: string, body?: Uint8Array): CfOriginRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: { eventType: 'origin-request' },
          request: {
            method,
            uri,
            querystring: '',
            headers: {},
            ...(body
              ? {
                  body: {
                    encoding: 'base64',
                    data: Buffer.from(body).toString('base64'),
                    inputTruncated: false,
                  },
                }
              : {}),
          },
        },
      },
    ],
  };
}

const hexOf = (bytes: Uint8Array | readonly number[]) => Buffer.from(bytes).toString('hex');
const bodyHex = (response: CfResponse) => Buffer.from(response.body ?? '', 'base64').toString('hex');
const header = (response: CfResponse, name: string) => response.headers[name]?.[0]?.value;
const START = Date.parse('2026-12-04T12:00:00Z');

describe('OCSP GET cache misses answered by the origin-request function', async () => {
  const pki = await createTestPki();
  const request = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha1' });
  const good = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  await pki.ca.revoke(pki.leaf, { reason: 'keyCompromise' });
  const revoked = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  const unknown = await pki.ca.ocspRequest(pki.revokedLeaf, { hash: 'sha256' });
  await pki.cleanup();
  const key = ocspObjectKey(parseOcspRequest(request)!);
  const unknownKey = ocspObjectKey(parseOcspRequest(unknown)!);

  function setup(nextUpdateMs = START + 7 * 86_400_000) {
    const primary = new MemoryObjectStore();
    const replica = new MemoryObjectStore();
    let now = START;
    const handler = createOcspOriginRequestHandler({
      storesFor: () => ({ primary, replica }),
      clock: { now: () => new Date(now) },
    });
    const put = (store: MemoryObjectStore, der: Uint8Array) =>
      store.put(key, der, {
        contentType: 'application/ocsp-response',
        metadata: { [META.kind]: 'ocsp-response', [META.nextUpdate]: new Date(nextUpdateMs).toISOString() },
      });
    return {
      primary,
      replica,
      put,
      advance: (ms: number) => (now += ms),
      get: async (uri = `/${key}`) => (await handler(event('GET', uri))) as CfResponse,
      post: async (body = request) => (await handler(event('POST', '/ocsp', body))) as CfResponse,
      handler,
    };
  }

  it('answers the stored response with max-age bounded by nextUpdate at answer time', async () => {
    const t = setup(START + 600_000);
    await t.put(t.primary, good);
    const first = await t.get();
    expect(first.status).toBe('200');
    expect(bodyHex(first)).toBe(hexOf(good));
    expect(header(first, 'content-type')).toBe('application/ocsp-response');
    expect(header(first, 'cache-control')).toBe('max-age=600, public, no-transform, must-revalidate');
    expect(header(first, 'expires')).toBe(new Date(START + 600_000).toUTCString());
    t.advance(599_000);
    expect(header(await t.get(), 'cache-control')).toMatch(/^max-age=1,/);
    // HEAD is answered like GET (CloudFront sends no body to the viewer).
    const head = (await t.handler(event('HEAD', `/${key}`))) as CfResponse;
    expect(head.status).toBe('200');
  });

  it('unknown CertID: unauthorized with HTTP 200, as origin-response answered S3 403', async () => {
    const t = setup();
    const answer = await t.get(`/${unknownKey}`);
    expect(answer.status).toBe('200');
    expect(bodyHex(answer)).toBe(hexOf(UNAUTHORIZED_DER));
    expect(header(answer, 'cache-control')).toBe('max-age=60, public, no-transform');
  });

  it('the prefix itself (no viewer-request function there): a GET without a request is malformed, PUT is 405', async () => {
    const t = setup();
    const bare = await t.get('/ocsp');
    expect(bare.status).toBe('200');
    expect(bodyHex(bare)).toBe(hexOf(MALFORMED_REQUEST_DER));
    expect(header(bare, 'cache-control')).toBe('max-age=0, no-store');
    const put = (await t.handler(event('PUT', '/ocsp'))) as CfResponse;
    expect(put.status).toBe('405');
    expect(header(put, 'allow')).toBe('GET, HEAD, POST');
  });

  it('the primary failing: the replica copy', async () => {
    const t = setup();
    await t.put(t.replica, good);
    t.primary.failNext('get');
    const answer = await t.get();
    expect(answer.status).toBe('200');
    expect(bodyHex(answer)).toBe(hexOf(good));
  });

  it('never answers a GET from the POST memory: a revocation is read at the next miss', async () => {
    const t = setup();
    await t.put(t.primary, good);
    expect(bodyHex(await t.post())).toBe(hexOf(good)); // now in the container's POST cache
    await t.put(t.primary, revoked);
    expect(bodyHex(await t.get())).toBe(hexOf(revoked));
    expect(bodyHex(await t.post())).toBe(hexOf(good)); // POST: within EDGE_POST_CACHE_SECONDS
  });

  it('passes nothing through to S3 as it is: any other GET on the OCSP behaviour is malformed', async () => {
    const t = setup();
    const answer = (await t.handler(event('GET', '/index.html'))) as CfResponse;
    expect(answer.status).toBe('200');
    expect(bodyHex(answer)).toBe(hexOf(MALFORMED_REQUEST_DER));
  });
});

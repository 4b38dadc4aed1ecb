/**
 * The OCSP POST handler answers a CertID from its container's memory: store reads per 10,000
 * POSTs for one CertID are at most the number of cache lifetimes elapsed, an entry never lives
 * past EDGE_POST_CACHE_SECONDS nor past the response's nextUpdate, only stored OCSP responses are
 * kept, and the cache holds a bounded number of entries. Time comes from a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { EDGE_POST_CACHE_SECONDS } from '../../lambda/core/contract/edge-post-cache.ts';
import type { CfOriginRequestEvent, CfResponse } from '../../lambda/core/serving/cloudfront-events.ts';
import { META } from '../../lambda/core/serving/cache-policy.ts';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { parseOcspRequest } from '../../lambda/core/ocsp/ocsp-request.ts';
import { cachedAnswerExpiry, TimedLruCache } from '../../lambda/core/serving/post-answer-cache.ts';
import { createOcspOriginRequestHandler } from '../../lambda/handlers/edge-handlers.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { createTestPki } from '../../testkit/test-pki.ts';

function postEvent(body: Uint8Array): CfOriginRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: { eventType: 'origin-request' },
          request: {
            method: 'POST',
            uri: '/ocsp',
            querystring: '',
            headers: {},
            body: { encoding: 'base64', data: Buffer.from(body).toString('base64'), inputTruncated: false },
          },
        },
      },
    ],
  };
}

const bodyHex = (response: CfResponse) => Buffer.from(response.body ?? '', 'base64').toString('hex');
const START = Date.parse('2026-12-04T12:00:00Z');

describe('OCSP POST answers cached per container', async () => {
  const pki = await createTestPki();
  const request = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha1' });
  const good = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  await pki.ca.revoke(pki.leaf, { reason: 'keyCompromise' });
  const revoked = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  const unknownRequest = await pki.ca.ocspRequest(pki.revokedLeaf, { hash: 'sha256' });
  await pki.cleanup();
  const key = ocspObjectKey(parseOcspRequest(request)!);

  function setup(nextUpdateMs: number) {
    const primary = new MemoryObjectStore();
    const reads: string[] = [];
    const counting = Object.assign(Object.create(primary) as MemoryObjectStore, {
      get: (k: string) => {
        reads.push(k);
        return primary.get(k);
      },
    });
    let now = START;
    const handler = createOcspOriginRequestHandler({
      storesFor: () => ({ primary: counting }),
      clock: { now: () => new Date(now) },
    });
    const publish = (der: Uint8Array) =>
      primary.put(key, der, {
        contentType: 'application/ocsp-response',
        metadata: { [META.kind]: 'ocsp-response', [META.nextUpdate]: new Date(nextUpdateMs).toISOString() },
      });
    return {
      reads,
      primaryStore: primary,
      handler,
      publish,
      advance: (ms: number) => (now += ms),
      post: async (body = request) => (await handler(postEvent(body))) as CfResponse,
    };
  }

  it('10,000 POSTs for one CertID read the store at most once per lifetime elapsed', async () => {
    const t = setup(START + 7 * 86_400_000);
    await t.publish(good);
    const posts = 10_000;
    const stepMs = 100; // 10 POSTs a second for 1,000 s
    for (let i = 0; i < posts; i++) {
      const response = await t.post();
      expect(response.status).toBe('200');
      if (i % 997 === 0) expect(bodyHex(response)).toBe(Buffer.from(good).toString('hex'));
      t.advance(stepMs);
    }
    const lifetimes = Math.ceil((posts * stepMs) / 1000 / EDGE_POST_CACHE_SECONDS);
    expect(t.reads.length).toBeGreaterThan(0);
    expect(t.reads.length).toBeLessThanOrEqual(lifetimes);
  });

  it('a status change is answered within EDGE_POST_CACHE_SECONDS', async () => {
    const t = setup(START + 7 * 86_400_000);
    await t.publish(good);
    await t.post();
    await t.publish(revoked);
    t.advance((EDGE_POST_CACHE_SECONDS - 1) * 1000);
    expect(bodyHex(await t.post())).toBe(Buffer.from(good).toString('hex')); // the bound, not past it
    t.advance(1000);
    expect(bodyHex(await t.post())).toBe(Buffer.from(revoked).toString('hex'));
    expect(t.reads).toHaveLength(2);
  });

  it('an entry never lives past the response nextUpdate, and max-age keeps counting down', async () => {
    const t = setup(START + 10_000);
    await t.publish(good);
    const first = await t.post();
    expect(first.headers['cache-control']?.[0]?.value).toMatch(/^max-age=10,/);
    t.advance(5_000);
    const second = await t.post();
    expect(second.headers['cache-control']?.[0]?.value).toMatch(/^max-age=5,/);
    expect(t.reads).toHaveLength(1);
    t.advance(5_000); // at nextUpdate: re-read (the CA's successor may be there)
    await t.post();
    expect(t.reads).toHaveLength(2);
  });

  it('an answer from memory is, to the byte, the answer a fresh read gives at the same time', async () => {
    const t = setup(START + 86_400_000);
    await t.publish(good);
    let now = START;
    const uncached = createOcspOriginRequestHandler({
      storesFor: () => ({ primary: Object.create(t.primaryStore) as MemoryObjectStore }),
      clock: { now: () => new Date(now) },
      postCacheSeconds: 0,
    });
    await t.post();
    for (const elapsed of [1_500, 20_250, 59_999]) {
      t.advance(elapsed - (now - START));
      now = START + elapsed;
      const remembered = await t.post();
      expect(t.reads).toHaveLength(1);
      expect(remembered).toEqual(await uncached(postEvent(request)));
    }
  });

  it('unauthorized (no stored response) and malformed requests are not cached', async () => {
    const t = setup(START + 7 * 86_400_000);
    await t.post(unknownRequest);
    await t.post(unknownRequest);
    expect(t.reads).toHaveLength(2);
    await t.post(new Uint8Array([0x30, 0x00]));
    expect(t.reads).toHaveLength(2);
  });

  it('forget drops the entries under the given keys (the local CDN invalidation)', async () => {
    const t = setup(START + 7 * 86_400_000);
    await t.publish(good);
    await t.post();
    expect(t.handler.forget((k) => k === key)).toBe(1);
    await t.post();
    expect(t.reads).toHaveLength(2);
  });
});

describe('TimedLruCache', () => {
  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new TimedLruCache<number>(2);
    cache.set('a', 1, 1000);
    cache.set('b', 2, 1000);
    expect(cache.get('a', 0)).toBe(1); // a is now the most recent
    cache.set('c', 3, 1000);
    expect(cache.size).toBe(2);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBe(1);
    expect(cache.get('c', 999)).toBe(3);
    expect(cache.get('c', 1000)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('expiry: the lifetime or nextUpdate, whichever is first; nothing without or past nextUpdate', () => {
    expect(cachedAnswerExpiry(0, new Date(100_000), 60)).toBe(60_000);
    expect(cachedAnswerExpiry(0, new Date(30_000), 60)).toBe(30_000);
    expect(cachedAnswerExpiry(0, undefined, 60)).toBeUndefined();
    expect(cachedAnswerExpiry(5_000, new Date(5_000), 60)).toBeUndefined();
  });
});

/**
 * The local CDN's memory is bounded whatever clients ask for: `ca-repo local` runs for days, and a
 * client (a crawler, a fuzzer, the soak bench) can ask for any number of distinct URIs. CloudFront
 * evicts what is not requested; the local edge cache keeps the most recently used copies within a
 * count and a byte budget, and drops a copy that has expired when it is looked up. Invalidation
 * records are kept for the most recent ones only (the publisher waits on its own at once).
 */
import { describe, expect, it } from 'vitest';
import { LocalCdn } from '../../lambda/local/local-cdn.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import type { Clock } from '../../lambda/services/ports.ts';

const START = Date.parse('2026-12-04T12:00:00Z');

function setup(props: { maxCachedObjects?: number; maxCachedBytes?: number } = {}) {
  let now = START;
  const clock: Clock = { now: () => new Date(now) };
  const store = new MemoryObjectStore({ clock });
  const cdn = new LocalCdn({ primary: store, clock, invalidationDelayMs: 0, ...props });
  const get = (url: string) => cdn.handle({ method: 'GET', url, headers: {} }, new Uint8Array(0));
  const put = (key: string, bytes: number, maxAge = 3600) =>
    store.put(key, new Uint8Array(bytes), {
      contentType: 'application/octet-stream',
      cacheControl: `public, max-age=${maxAge}`,
    });
  return { cdn, get, put, advance: (ms: number) => (now += ms) };
}

describe('local CDN memory bounds', () => {
  it('keeps at most maxCachedObjects copies after many distinct requests, the most recent ones', async () => {
    const t = setup({ maxCachedObjects: 50 });
    for (let i = 0; i < 200; i++) await t.put(`docs/${i}.bin`, 10);
    for (let i = 0; i < 200; i++) expect((await t.get(`/docs/${i}.bin`)).status).toBe(200);
    expect(t.cdn.cachedObjects).toBe(50);
    expect((await t.get('/docs/199.bin')).headers['x-cache']).toMatch(/^Hit/);
    expect((await t.get('/docs/0.bin')).headers['x-cache']).toMatch(/^Miss/);
  });

  it('the default bound holds for distinct requests with nothing stored (cached 404s)', async () => {
    const t = setup();
    const distinct = 12_000;
    for (let i = 0; i < distinct; i++) await t.get(`/missing/${i}.crl`);
    // Counted through the public invalidation, which answers how many copies it dropped.
    expect(t.cdn.invalidate(['/*'])).toBeLessThanOrEqual(10_000);
  });

  it('keeps the cached bodies within maxCachedBytes', async () => {
    const t = setup({ maxCachedBytes: 10_000 });
    for (let i = 0; i < 20; i++) await t.put(`crl/${i}.crl`, 1_000);
    for (let i = 0; i < 20; i++) await t.get(`/crl/${i}.crl`);
    expect(t.cdn.cachedBytes).toBeLessThanOrEqual(10_000);
    expect(t.cdn.cachedObjects).toBe(10);
    // A body larger than the whole budget is served but not kept.
    await t.put('crl/big.crl', 20_000);
    expect((await t.get('/crl/big.crl')).status).toBe(200);
    expect(t.cdn.cachedBytes).toBeLessThanOrEqual(10_000);
  });

  it('drops an expired copy when it is looked up', async () => {
    const t = setup();
    await t.put('crl/a.crl', 100, 60);
    await t.get('/crl/a.crl');
    expect(t.cdn.cachedObjects).toBe(1);
    t.advance(61_000);
    // A HEAD looks the copy up but stores nothing: what is left after it is what the lookup kept.
    await t.cdn.handle({ method: 'HEAD', url: '/crl/a.crl', headers: {} }, new Uint8Array(0));
    expect(t.cdn.cachedObjects).toBe(0);
  });

  it('keeps the most recent invalidation records only, with unique IDs', async () => {
    const t = setup();
    const ids: string[] = [];
    for (let i = 0; i < 1_500; i++) ids.push(t.cdn.createInvalidation([`/crl/${i}.crl`]).id);
    await t.cdn.waitForInvalidation(ids.at(-1)!, 5_000);
    expect(new Set(ids).size).toBe(ids.length);
    expect(t.cdn.getInvalidation(ids[0]!)).toBeUndefined();
    expect(t.cdn.getInvalidation(ids.at(-1)!)?.status).toBe('Completed');
    expect(t.cdn.invalidationRecords).toBeLessThanOrEqual(1_000);
  });
});

/**
 * The CDN keeps an OCSP response up to its BR §4.9.10 refresh deadline (s-maxage), relying parties
 * up to the max-age cap: computed at answer time by the origin-request function, honoured by the
 * local CDN as by CloudFront (s-maxage before max-age), and every
 * status change still reaches the edge through the publish's invalidation.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_CAPS, META, cacheControlFor } from '../../lambda/core/serving/cache-policy.ts';
import {
  OCSP_EDGE_DEADLINE_MARGIN_SECONDS,
  OCSP_EDGE_MAX_SECONDS,
  ocspEdgeSeconds,
} from '../../lambda/core/serving/ocsp-edge-lifetime.ts';
import { ocspRefreshDue } from '../../lambda/core/ocsp/presign-schedule.ts';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { parseOcspRequest } from '../../lambda/core/ocsp/ocsp-request.ts';
import { LocalCdn } from '../../lambda/local/local-cdn.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { createTestPki } from '../../testkit/test-pki.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const thisUpdate = new Date('2026-12-01T00:00:00Z');
/** presign's default: 4 days counted inclusively (nextUpdate = thisUpdate + 4 d − 1 s). */
const nextUpdate = new Date(thisUpdate.getTime() + 4 * DAY - 1000);
const at = (ms: number) => new Date(thisUpdate.getTime() + ms);
const sMaxAge = (header: string) => Number(/s-maxage=(\d+)/.exec(header)?.[1] ?? NaN);

describe('ocspEdgeSeconds: the CDN keeps a response until its refresh deadline, never past nextUpdate', () => {
  it('a 4-day response served an hour after thisUpdate: the deadline (8 h before nextUpdate) less the margin', () => {
    const header = cacheControlFor({
      kind: 'ocsp-response',
      now: at(HOUR),
      thisUpdate,
      nextUpdate,
      caps: DEFAULT_CACHE_CAPS,
    });
    // validity 4 d − 1 s ≥ 16 h: deadline = nextUpdate − 8 h = thisUpdate + 3 d 16 h − 1 s
    const expected = (3 * DAY + 16 * HOUR - 1000 - HOUR) / 1000 - OCSP_EDGE_DEADLINE_MARGIN_SECONDS;
    expect(header).toBe(`max-age=3600, s-maxage=${expected}, public, no-transform, must-revalidate`);
  });

  it('never reaches past the deadline less the margin, nor nextUpdate, at any moment of the response', () => {
    for (const validity of [8 * HOUR, 12 * HOUR, 16 * HOUR, 2 * DAY, 4 * DAY, 7 * DAY, 10 * DAY]) {
      const next = new Date(thisUpdate.getTime() + validity - 1000);
      const deadline = ocspRefreshDue(thisUpdate, next.getTime() - thisUpdate.getTime()).getTime();
      for (let offset = -HOUR; offset < validity + HOUR; offset += 7 * 60_000) {
        const now = at(offset);
        const edge = ocspEdgeSeconds({ thisUpdate, nextUpdate: next, now, maxAgeSeconds: 3600 });
        if (edge === undefined) continue;
        expect(edge).toBeGreaterThan(3600);
        expect(now.getTime() + edge * 1000).toBeLessThanOrEqual(
          deadline - OCSP_EDGE_DEADLINE_MARGIN_SECONDS * 1000,
        );
        expect(now.getTime() + edge * 1000).toBeLessThan(next.getTime());
        expect(edge).toBeLessThanOrEqual(OCSP_EDGE_MAX_SECONDS);
      }
    }
  });

  it('a validity under 16 hours: half of it (BR §4.9.10)', () => {
    const next = new Date(thisUpdate.getTime() + 12 * HOUR - 1000);
    const edge = ocspEdgeSeconds({ thisUpdate, nextUpdate: next, now: thisUpdate, maxAgeSeconds: 3600 });
    expect(edge).toBe(Math.floor((12 * HOUR - 1000) / 2 / 1000) - OCSP_EDGE_DEADLINE_MARGIN_SECONDS);
  });

  it('no s-maxage once the deadline is nearer than max-age, nor past it (the CA is late: as before)', () => {
    const deadline = 3 * DAY + 16 * HOUR - 1000;
    for (const offset of [deadline - 30 * 60_000, deadline, deadline + HOUR]) {
      expect(
        cacheControlFor({
          kind: 'ocsp-response',
          now: at(offset),
          thisUpdate,
          nextUpdate,
          caps: DEFAULT_CACHE_CAPS,
        }),
      ).not.toContain('s-maxage');
    }
  });

  it('only OCSP responses with both times; never beyond the behaviour maximum for a thisUpdate ahead of the clock', () => {
    const crl = cacheControlFor({
      kind: 'crl',
      now: at(HOUR),
      thisUpdate,
      nextUpdate,
      caps: DEFAULT_CACHE_CAPS,
    });
    expect(crl).not.toContain('s-maxage');
    const noThisUpdate = cacheControlFor({
      kind: 'ocsp-response',
      now: at(HOUR),
      nextUpdate,
      caps: DEFAULT_CACHE_CAPS,
    });
    expect(noThisUpdate).not.toContain('s-maxage');
    const ahead = new Date(thisUpdate.getTime() + 5 * DAY);
    const edge = ocspEdgeSeconds({
      thisUpdate: ahead,
      nextUpdate: new Date(ahead.getTime() + 10 * DAY),
      now: thisUpdate,
      maxAgeSeconds: 3600,
    });
    expect(edge).toBe(OCSP_EDGE_MAX_SECONDS);
  });
});

describe('the local CDN keeps an OCSP GET answer until its s-maxage, and a publish still invalidates it', async () => {
  const pki = await createTestPki();
  const request = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha1' });
  const good = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  await pki.cleanup();
  const key = ocspObjectKey(parseOcspRequest(request)!);
  const url = `/ocsp/${encodeURIComponent(Buffer.from(request).toString('base64'))}`;

  async function setup() {
    const primary = new MemoryObjectStore();
    let now = thisUpdate.getTime() + HOUR;
    const cdn = new LocalCdn({ primary, clock: { now: () => new Date(now) } });
    const put = (der: Uint8Array, status: string) =>
      primary.put(key, der, {
        contentType: 'application/ocsp-response',
        metadata: {
          [META.kind]: 'ocsp-response',
          [META.certStatus]: status,
          [META.thisUpdate]: thisUpdate.toISOString(),
          [META.nextUpdate]: nextUpdate.toISOString(),
        },
      });
    await put(good, 'good');
    const get = () => cdn.handle({ method: 'GET', url, headers: {} }, new Uint8Array(0));
    return { cdn, put, get, advance: (ms: number) => (now += ms) };
  }

  it('relying parties get max-age 3600 while the edge answers from its copy for days', async () => {
    const t = await setup();
    const first = await t.get();
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toMatch(/^max-age=3600, s-maxage=\d+, public/);
    const edge = sMaxAge(first.headers['cache-control']!);
    t.advance(2 * HOUR); // past max-age: before this rule, a second paid origin-request invocation
    const later = await t.get();
    expect(later.headers['x-cache']).toBe('Hit from local-cdn');
    expect(t.cdn.stats.originFetches).toBe(1);
    t.advance(edge * 1000 - 2 * HOUR); // the refresh deadline less the margin: fetched again
    expect((await t.get()).headers['x-cache']).toBe('Miss from local-cdn');
    expect(t.cdn.stats.originFetches).toBe(2);
  });

  it('a status change published and invalidated is served at once', async () => {
    const t = await setup();
    await t.get();
    t.advance(3 * HOUR);
    await t.put(new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x00]), 'revoked');
    t.cdn.invalidate([`/${key}`]);
    const after = await t.get();
    expect(after.headers['x-cache']).toBe('Miss from local-cdn');
    expect(Buffer.from(after.body ?? []).toString('hex')).toBe('30030a0100');
  });
});

describe('the local CDN runs the viewer-request function below the OCSP prefix, not on it (where POSTs go)', async () => {
  const pki = await createTestPki();
  const request = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha1' });
  const good = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  await pki.cleanup();
  const key = ocspObjectKey(parseOcspRequest(request)!);

  it('a POST to /ocsp is answered without a function run; a GET below it runs one', async () => {
    const primary = new MemoryObjectStore();
    await primary.put(key, good, {
      contentType: 'application/ocsp-response',
      metadata: { [META.kind]: 'ocsp-response', [META.nextUpdate]: nextUpdate.toISOString() },
    });
    const cdn = new LocalCdn({ primary, clock: { now: () => at(HOUR) } });
    const post = await cdn.handle(
      { method: 'POST', url: '/ocsp', headers: { 'content-type': 'application/ocsp-request' } },
      request,
    );
    expect(post.status).toBe(200);
    expect(Buffer.from(post.body ?? []).equals(Buffer.from(good))).toBe(true);
    expect(cdn.stats.viewerFunctionRuns).toBe(0);
    const get = await cdn.handle(
      {
        method: 'GET',
        url: `/ocsp/${encodeURIComponent(Buffer.from(request).toString('base64'))}`,
        headers: {},
      },
      new Uint8Array(0),
    );
    expect(Buffer.from(get.body ?? []).equals(Buffer.from(good))).toBe(true);
    expect(cdn.stats.viewerFunctionRuns).toBe(1);
    // What the function answered on the bare prefix, the origin-request function answers now.
    const bare = await cdn.handle({ method: 'GET', url: '/ocsp', headers: {} }, new Uint8Array(0));
    expect(Buffer.from(bare.body ?? []).toString('hex')).toBe('30030a0101'); // malformedRequest
    const put = await cdn.handle({ method: 'PUT', url: '/ocsp', headers: {} }, new Uint8Array(0));
    expect(put.status).toBe(405);
    expect(cdn.stats.viewerFunctionRuns).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_CAPS, META, cacheControlFor, servingHeaders } from '../../lambda/core/cache-policy.ts';

const now = new Date('2026-11-22T00:00:00Z');
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);

describe('cacheControlFor: max-age never reaches past nextUpdate (RFC 9919, RFC 5019 §6.2)', () => {
  it.each([
    [
      'CRL far from nextUpdate gets the cap',
      'crl',
      minutes(60 * 24 * 7),
      'max-age=900, public, no-transform, must-revalidate',
    ],
    [
      'CRL 5 minutes before nextUpdate',
      'crl',
      minutes(5),
      'max-age=300, public, no-transform, must-revalidate',
    ],
    [
      'CRL past nextUpdate is not cached',
      'crl',
      minutes(-1),
      'max-age=0, public, no-transform, must-revalidate',
    ],
    [
      'OCSP 10 minutes before nextUpdate',
      'ocsp-response',
      minutes(10),
      'max-age=600, public, no-transform, must-revalidate',
    ],
    ['CA certificate has no nextUpdate', 'ca-certificate', undefined, 'max-age=3600, public, no-transform'],
    ['index', undefined, undefined, 'max-age=60, public, no-transform'],
  ])('%s', (_name, kind, nextUpdate, expected) => {
    expect(cacheControlFor({ kind, now, nextUpdate, caps: DEFAULT_CACHE_CAPS })).toBe(expected);
  });
});

describe('servingHeaders', () => {
  it('maps thisUpdate to Last-Modified and nextUpdate to Expires', () => {
    const headers = servingHeaders(
      {
        contentType: 'application/pkix-crl',
        etag: 'abc',
        size: 10,
        lastModified: minutes(-30),
        metadata: {
          [META.kind]: 'crl',
          [META.thisUpdate]: minutes(-60).toISOString(),
          [META.nextUpdate]: minutes(120).toISOString(),
        },
      },
      now,
      DEFAULT_CACHE_CAPS,
    );
    expect(headers).toMatchObject({
      'content-type': 'application/pkix-crl',
      'content-length': '10',
      etag: '"abc"',
      'last-modified': minutes(-60).toUTCString(),
      expires: minutes(120).toUTCString(),
      date: now.toUTCString(),
      'cache-control': 'max-age=900, public, no-transform, must-revalidate',
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CACHE_CAPS,
  META,
  cacheControlFor,
  servingHeaders,
} from '../../lambda/core/serving/cache-policy.ts';
import { adaptOriginAnswer } from '../../lambda/core/serving/edge-response-policy.ts';

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

describe('adaptOriginAnswer (edge origin-response policy)', () => {
  const policy = { caps: DEFAULT_CACHE_CAPS, unauthorizedMaxAgeSeconds: 60 };
  const s3Headers = {
    'content-type': 'application/ocsp-response',
    'content-length': '5',
    etag: '"abc"',
    'last-modified': minutes(-10).toUTCString(),
    'cache-control': 'max-age=3600, public, no-transform, must-revalidate',
    'x-amz-meta-ca-repo-kind': 'ocsp-response',
    'x-amz-meta-ca-repo-this-update': minutes(-60).toISOString(),
    'x-amz-meta-ca-repo-next-update': minutes(30).toISOString(),
    'x-amz-request-id': 'r',
  };

  it('recomputes RFC 9919 headers from the metadata and hides S3 internals', () => {
    const answer = adaptOriginAnswer(
      '/_ocsp/aa/sha1/x/y/01',
      { status: 200, headers: s3Headers },
      now,
      policy,
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('max-age=1800, public, no-transform, must-revalidate');
    expect(answer.headers['last-modified']).toBe(minutes(-60).toUTCString());
    expect(Object.keys(answer.headers).some((h) => h.startsWith('x-amz-'))).toBe(false);
  });

  it('keeps a revalidation (304) as S3 sent it, minus S3 internals', () => {
    const answer = adaptOriginAnswer(
      '/_ocsp/aa/sha1/x/y/01',
      { status: 304, headers: s3Headers },
      now,
      policy,
    );
    expect(answer.status).toBe(304);
    expect(answer.headers['cache-control']).toBe(s3Headers['cache-control']);
    expect(answer.headers['x-amz-request-id']).toBeUndefined();
  });

  it.each([
    ['an OCSP key S3 does not hold (403)', '/_ocsp/aa/sha1/x/y/02', 403, 200, '30030a0106'],
    ['an OCSP key while S3 fails (503)', '/_ocsp/aa/sha1/x/y/02', 503, 200, '30030a0103'],
    ['a CRL path S3 does not hold (403)', '/crl/none.crl', 403, 404, undefined],
  ])('answers %s', (_name, uri, status, expected, body) => {
    const answer = adaptOriginAnswer(uri, { status, headers: {} }, now, policy);
    expect(answer.status).toBe(expected);
    if (body) expect(Buffer.from(answer.body!).toString('hex')).toBe(body);
  });
});

/**
 * What the edge sends for an origin (S3) answer. One policy for every behaviour, used by the
 * Lambda@Edge origin-response handler and the local CDN:
 * - success: RFC 9919 headers recomputed at response time from ca-repo metadata (Last-Modified =
 *   thisUpdate, Expires = nextUpdate, max-age never past nextUpdate), S3's x-amz-* headers dropped;
 * - S3 403/404 (S3 answers 403 for a missing key when the reader may not list the bucket):
 *   `unauthorized` with HTTP 200 for an OCSP store key (RFC 6960 §2.3; OpenSSL ignores non-200
 *   bodies and Java fails on them), a plain 404 for anything else;
 * - S3 5xx on an OCSP key: `tryLater`, HTTP 200, not cached.
 */
import {
  servingHeadersAt,
  servingParts,
  type CacheCaps,
  type ServedObject,
  type ServingParts,
} from './cache-policy.ts';
import { OCSP_STORE_PREFIX } from '../ocsp/ocsp-object-key.ts';
import { MALFORMED_REQUEST_DER, UNAUTHORIZED_DER } from '../ocsp/ocsp-request.ts';

/** RFC 6960 §4.2.1 responseStatus tryLater (3). */
export const TRY_LATER_DER = [0x30, 0x03, 0x0a, 0x01, 0x03];

export interface EdgePolicy {
  caps: CacheCaps;
  /** How long an `unauthorized` answer may be cached: a response published for a new
   *  certificate becomes visible at most this late (BR: within 15 minutes of issuance). */
  unauthorizedMaxAgeSeconds: number;
}

/** An origin's answer: status and lowercase headers as S3 sends them. */
export interface OriginAnswer {
  status: number;
  headers: Record<string, string>;
}

/** The final answer; `body` set only when the edge replaces the origin's body. */
export interface EdgeAnswer {
  status: number;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** `body` in base64 when already known (an answer from an edge container's memory), so that a
   *  Lambda@Edge handler does not encode the same body again for every request. */
  bodyBase64?: string;
}

export function isOcspStoreUri(uri: string): boolean {
  return uri.startsWith(`/${OCSP_STORE_PREFIX}`);
}

export type OcspErrorStatus = 'malformedRequest' | 'unauthorized' | 'tryLater';

const ERROR_BODIES: Record<OcspErrorStatus, readonly number[]> = {
  malformedRequest: MALFORMED_REQUEST_DER,
  unauthorized: UNAUTHORIZED_DER,
  tryLater: TRY_LATER_DER,
};

export function ocspErrorAnswer(status: OcspErrorStatus, maxAgeSeconds: number, now: Date): EdgeAnswer {
  const body = new Uint8Array(ERROR_BODIES[status]);
  return {
    status: 200,
    headers: {
      'content-type': 'application/ocsp-response',
      'content-length': String(body.length),
      'cache-control':
        maxAgeSeconds > 0 ? `max-age=${maxAgeSeconds}, public, no-transform` : 'max-age=0, no-store',
      date: now.toUTCString(),
    },
    body,
  };
}

/**
 * 405 for a method the OCSP responder does not take, as the viewer-request Function answers it
 * below the prefix (RFC 9110 §15.5.6: with Allow), not cached.
 */
export function methodNotAllowedAnswer(now: Date): EdgeAnswer {
  return {
    status: 405,
    headers: {
      'cache-control': 'max-age=0, no-store',
      allow: 'GET, HEAD, POST',
      'content-length': '0',
      date: now.toUTCString(),
    },
    body: new Uint8Array(0),
  };
}

/** Reads S3's response headers back into the object description servingHeaders works from. */
export function servedObjectFromS3Headers(headers: Record<string, string>): ServedObject {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  const lastModified = new Date(headers['last-modified'] ?? 0);
  const expires = headers.expires ? new Date(headers.expires) : undefined;
  return {
    contentType: headers['content-type'] ?? 'application/octet-stream',
    etag: (headers.etag ?? '').replace(/^W\//, '').replace(/"/g, ''),
    size: Number(headers['content-length'] ?? 0),
    lastModified: Number.isNaN(lastModified.getTime()) ? new Date(0) : lastModified,
    expires: expires && !Number.isNaN(expires.getTime()) ? expires : undefined,
    metadata,
  };
}

/** What an answer for a stored object (S3's 200) needs from S3's headers, read once. */
export function storedServingParts(headers: Record<string, string>): ServingParts {
  return servingParts(servedObjectFromS3Headers(headers));
}

/**
 * The answer at `now` for a stored object (S3's 200), headers only: the body is the object's. An
 * OCSP key holding no ca-repo object (no kind metadata) is never cached.
 */
export function storedObjectAnswer(
  uri: string,
  parts: ServingParts,
  now: Date,
  policy: EdgePolicy,
): EdgeAnswer {
  const headers = servingHeadersAt(parts, now, policy.caps);
  if (!parts.kind && isOcspStoreUri(uri)) headers['cache-control'] = 'max-age=0, no-store';
  return { status: 200, headers };
}

export function adaptOriginAnswer(
  uri: string,
  origin: OriginAnswer,
  now: Date,
  policy: EdgePolicy,
): EdgeAnswer {
  const ocsp = isOcspStoreUri(uri);
  if (origin.status === 200) return storedObjectAnswer(uri, storedServingParts(origin.headers), now, policy);
  // A revalidation (304) may not carry the object's metadata: keep S3's own headers, which hold
  // the Cache-Control and Expires written at publish time (already bounded by nextUpdate).
  if (origin.status === 304) return { status: 304, headers: stripS3Headers(origin.headers) };
  if (origin.status === 403 || origin.status === 404) {
    if (ocsp) return ocspErrorAnswer('unauthorized', policy.unauthorizedMaxAgeSeconds, now);
    const body = new Uint8Array(Buffer.from('Not Found\n'));
    return {
      status: 404,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': String(body.length),
        'cache-control': 'max-age=10, public',
        date: now.toUTCString(),
      },
      body,
    };
  }
  if (ocsp && origin.status >= 500) return ocspErrorAnswer('tryLater', 0, now);
  return { status: origin.status, headers: stripS3Headers(origin.headers) };
}

function stripS3Headers(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('x-amz-')));
}

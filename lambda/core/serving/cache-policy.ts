/**
 * Content types and cache headers of served objects. Two moments matter:
 * - at publish time the object gets static headers (S3 system metadata) and ca-repo metadata;
 * - at response time (local CDN, Lambda@Edge origin-request and origin-response) `max-age` is
 *   recomputed so that no cached copy outlives nextUpdate, the classic CDN failure with CRLs and
 *   OCSP (RFC 9919 §6.1; RFC 5019 §6.2 "max-age ... should not be later than nextUpdate"), and an
 *   OCSP response's `s-maxage` (the CDN's lifetime, up to its refresh deadline) is computed.
 */
import type { ArtifactKind } from '../publish/artifact-kind.ts';
import { ocspEdgeSeconds } from './ocsp-edge-lifetime.ts';

export const CONTENT_TYPES: Readonly<Record<ArtifactKind | 'index-json' | 'index-html', string>> = {
  'ca-certificate': 'application/pkix-cert', // RFC 2585 §4.1
  crl: 'application/pkix-crl', // RFC 2585 §4.2
  'ocsp-response': 'application/ocsp-response', // RFC 6960 Appendix C.2
  document: 'application/pdf', // RFC 8118
  signature: 'application/pkcs7-signature', // RFC 8551 §3.2.1
  'index-json': 'application/json; charset=utf-8',
  'index-html': 'text/html; charset=utf-8',
};

/** Longest time a CDN or client may cache each kind, before the nextUpdate cap applies. */
export interface CacheCaps {
  caCertificateSeconds: number;
  crlSeconds: number;
  ocspSeconds: number;
  documentSeconds: number;
  indexSeconds: number;
}

export const DEFAULT_CACHE_CAPS: CacheCaps = {
  caCertificateSeconds: 3600,
  crlSeconds: 900,
  ocspSeconds: 3600,
  documentSeconds: 3600,
  indexSeconds: 60,
};

export class CacheCapsError extends Error {
  override name = 'CacheCapsError';
}

/**
 * Reads caps from JSON (the publish Lambda's CACHE_CAPS, the edge's origin header): every field a
 * whole number of seconds; missing fields keep their defaults; anything else is an error naming it.
 */
export function parseCacheCaps(
  json: string | undefined,
  defaults: CacheCaps = DEFAULT_CACHE_CAPS,
): CacheCaps {
  if (!json) return defaults;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new CacheCapsError('cache caps are not JSON');
  }
  if (!value || typeof value !== 'object') throw new CacheCapsError('cache caps must be a JSON object');
  const caps: CacheCaps = { ...defaults };
  for (const [name, seconds] of Object.entries(value)) {
    if (!(name in defaults)) throw new CacheCapsError(`unknown cache cap ${name}`);
    if (!Number.isInteger(seconds) || (seconds as number) < 0) {
      throw new CacheCapsError(
        `cache cap ${name} must be a whole number of seconds, not ${JSON.stringify(seconds)}`,
      );
    }
    caps[name as keyof CacheCaps] = seconds as number;
  }
  return caps;
}

/**
 * Version of the metadata layout below, written under META.version on every object. Objects
 * written before the label existed carry none and are read as version 1: the same keys.
 */
export const OBJECT_METADATA_VERSION = '1';

/** Metadata keys ca-repo writes on every object it publishes (S3 x-amz-meta-*). */
export const META = {
  version: 'ca-repo-metadata-version',
  kind: 'ca-repo-kind',
  sha256: 'ca-repo-sha256',
  thisUpdate: 'ca-repo-this-update',
  nextUpdate: 'ca-repo-next-update',
  certStatus: 'ca-repo-cert-status',
  crlNumber: 'ca-repo-crl-number',
  bundleId: 'ca-repo-bundle',
  /**
   * `yes` on a write that replaced a copy the CDN may hold (a changed URL; an OCSP status change):
   * the write's bundle owes an invalidation until its completed receipt exists.
   */
  invalidate: 'ca-repo-invalidate',
  /**
   * The publish run (one invocation's work on a bundle or a part) that wrote the object; its
   * bundle's completed receipt lists the runs it settled (core/publish/left-invalidation.ts).
   */
  run: 'ca-repo-run',
} as const;

export function capFor(kind: string | undefined, caps: CacheCaps): number {
  switch (kind) {
    case 'ca-certificate':
      return caps.caCertificateSeconds;
    case 'crl':
      return caps.crlSeconds;
    case 'ocsp-response':
      return caps.ocspSeconds;
    case 'document':
    case 'signature':
      return caps.documentSeconds;
    default:
      return caps.indexSeconds;
  }
}

/**
 * Cache-Control for a response sent at `now`. With a nextUpdate, max-age never reaches past it;
 * an artifact past its nextUpdate gets max-age=0 so every request goes back to the origin, where
 * its successor should be. `must-revalidate` (RFC 9111 §5.2.2.2) stops caches serving stale copies.
 * An OCSP response with its thisUpdate also gets an s-maxage for the CDN alone, up to its BR
 * §4.9.10 refresh deadline (ocsp-edge-lifetime.ts): computed here, at answer time, never stored.
 */
export function cacheControlFor(options: {
  kind: string | undefined;
  now: Date;
  thisUpdate?: Date;
  nextUpdate?: Date;
  caps: CacheCaps;
}): string {
  const cap = capFor(options.kind, options.caps);
  let maxAge = cap;
  if (options.nextUpdate) {
    maxAge = Math.max(
      0,
      Math.min(cap, Math.floor((options.nextUpdate.getTime() - options.now.getTime()) / 1000)),
    );
  }
  const revalidate = options.kind === 'crl' || options.kind === 'ocsp-response' ? ', must-revalidate' : '';
  const edge =
    options.kind === 'ocsp-response'
      ? ocspEdgeSeconds({
          thisUpdate: options.thisUpdate,
          nextUpdate: options.nextUpdate,
          now: options.now,
          maxAgeSeconds: maxAge,
        })
      : undefined;
  const shared = edge === undefined ? '' : `, s-maxage=${edge}`;
  return `max-age=${maxAge}${shared}, public, no-transform${revalidate}`;
}

/** Parses an ISO time stored in metadata; undefined when missing or unreadable. */
export function readMetaTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

export interface ServedObject {
  contentType: string;
  etag: string;
  size: number;
  lastModified: Date;
  expires?: Date;
  metadata: Record<string, string>;
}

/**
 * What the headers of a stored object's answer hold that does not depend on the time of answering:
 * read once per object, so an edge answering the same object again (the POST handler's memory)
 * neither re-reads its metadata nor re-formats its dates for every request.
 */
export interface ServingParts {
  contentType: string;
  contentLength: string;
  etag: string;
  /** thisUpdate (RFC 9919 §5), else the store's Last-Modified, as an HTTP date. */
  lastModified: string;
  kind?: string;
  /** thisUpdate from the metadata: an OCSP answer's edge lifetime counts from it (ocsp-edge-lifetime.ts). */
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** nextUpdate as an HTTP date. */
  expires?: string;
}

export function servingParts(object: ServedObject): ServingParts {
  const thisUpdate = readMetaTime(object.metadata[META.thisUpdate]);
  const nextUpdate = readMetaTime(object.metadata[META.nextUpdate]) ?? object.expires;
  return {
    contentType: object.contentType,
    contentLength: String(object.size),
    etag: `"${object.etag}"`,
    lastModified: (thisUpdate ?? object.lastModified).toUTCString(),
    kind: object.metadata[META.kind],
    thisUpdate,
    nextUpdate,
    expires: nextUpdate?.toUTCString(),
  };
}

/** servingHeaders from the parts read once: Date and Cache-Control (bounded by nextUpdate) at `now`. */
export function servingHeadersAt(parts: ServingParts, now: Date, caps: CacheCaps): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': parts.contentType,
    'content-length': parts.contentLength,
    etag: parts.etag,
    'last-modified': parts.lastModified,
    date: now.toUTCString(),
    'cache-control': cacheControlFor({
      kind: parts.kind,
      now,
      thisUpdate: parts.thisUpdate,
      nextUpdate: parts.nextUpdate,
      caps,
    }),
    'x-content-type-options': 'nosniff',
  };
  if (parts.expires) headers.expires = parts.expires;
  return headers;
}

/**
 * The HTTP headers a CDN edge sends for a stored object at `now` (RFC 9919 §5: Last-Modified is
 * thisUpdate, Expires is nextUpdate, ETag, Date, Cache-Control bounded by nextUpdate).
 */
export function servingHeaders(object: ServedObject, now: Date, caps: CacheCaps): Record<string, string> {
  return servingHeadersAt(servingParts(object), now, caps);
}

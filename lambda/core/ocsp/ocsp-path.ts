/**
 * The path prefix of the OCSP responder URL (`http://host/ocsp`): one rule for the deployment
 * configuration, `ca-repo local --ocsp-path`, the local CDN and the CloudFront Function build.
 * GET requests append `/<url-encoded base64 request>` to it (RFC 6960 Appendix A.1).
 */

/** The prefix when none is configured. */
export const DEFAULT_OCSP_PATH_PREFIX = '/ocsp';

/** One path segment: RFC 3986 unreserved characters only, so the prefix needs no percent-encoding. */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

export class OcspPathPrefixError extends Error {
  override name = 'OcspPathPrefixError';
}

export interface OcspPathPrefixOptions {
  /**
   * May the responder take the whole host (`/`)? Yes for a dedicated OCSP hostname (`ca-repo local
   * --ocsp-path /`, the CloudFront Function); no where the same host names also serve CRLs,
   * certificates and documents (a deployment: its OCSP behaviours would take them all).
   */
  wholeHost: boolean;
}

/**
 * The prefix normalised (trailing slashes dropped: `/ocsp/` is `/ocsp`; `/` stays `/`), or an
 * OcspPathPrefixError whose message names no flag or field (the caller adds its own). Refused: no
 * leading `/`, an empty segment (`//`), a dot segment (`.` or `..`, which clients resolve away,
 * RFC 3986 §5.2.4), any character outside letters, digits and `._~-`, and `/` unless `wholeHost`.
 */
export function parseOcspPathPrefix(text: string, options: OcspPathPrefixOptions): string {
  if (text === '/') {
    if (options.wholeHost) return text;
    throw new OcspPathPrefixError(
      'must be a path such as /ocsp: "/" alone would take every path from the CRLs and certificates served by the same host',
    );
  }
  const prefix = text.replace(/\/+$/, '');
  const segments = prefix.split('/');
  if (
    segments.length < 2 ||
    segments[0] !== '' ||
    !segments.slice(1).every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..')
  ) {
    throw new OcspPathPrefixError(
      'must start with / and be a path such as /ocsp (segments of letters, digits and ._~-, no . or ..)',
    );
  }
  return prefix;
}

/**
 * Whether a request path goes to the OCSP responder: the prefix itself (POST) and what is below it
 * (GET), never a sibling that merely starts with the same letters (`/ocspca.crt`, the OCSP
 * signer's certificate some CAs publish beside the endpoint). One rule for the local CDN, the
 * CloudFront behaviours (ocspBehaviourPathPatterns) and the gate's path checks.
 */
export function isOcspPath(path: string, prefix: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The CloudFront path patterns of the OCSP behaviour for a normalised prefix: `/ocsp` and
 * `/ocsp/*` (a pattern's `*` matches any characters, `/` included, so `/ocsp*` would also take
 * `/ocspca.crt` away from the repository). `/` is a dedicated OCSP host name: every path.
 */
export function ocspBehaviourPathPatterns(prefix: string): string[] {
  return prefix === '/' ? ['*'] : [prefix, `${prefix}/*`];
}

/**
 * Whether the viewer-request CloudFront Function runs on a request for `path`: on what is below the
 * prefix (GET: the key rewrite), not on the prefix itself, where POSTs go (a Function cannot read
 * a body and passed them through; each run is billed). The origin-request function answers what
 * the Function answered there (a GET without a request: malformedRequest; another method: 405).
 * A dedicated OCSP host name (`/`) has one behaviour, with the Function. One rule for the
 * CloudFront behaviours and the local CDN.
 */
export function viewerFunctionRunsOn(path: string, prefix: string): boolean {
  return prefix === '/' || path !== prefix;
}

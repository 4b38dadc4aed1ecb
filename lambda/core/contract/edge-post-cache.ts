/**
 * The edge's own cache of OCSP POST answers (origin-request handler), shared with the publisher:
 * a publish that changes what a POST answers (a new CertID, a changed status) is served to every
 * POST only once an answer cached before it has expired, so `ca-repo publish` waits this long
 * after the receipt. CloudFront invalidations do not reach it (it lives in the Lambda@Edge
 * instances). 0 while the edge keeps no such cache.
 */
export const EDGE_POST_CACHE_SECONDS = 0;

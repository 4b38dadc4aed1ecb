/**
 * How long the OCSP POST handler (Lambda@Edge origin-request) may answer a CertID from its
 * container's memory instead of reading the store (lambda/core/serving/post-answer-cache.ts).
 *
 * A CloudFront invalidation does not reach Lambda@Edge memory: after a publish that changes an
 * OCSP status, a container may answer the old status for at most this long. So a publish whose
 * receipt shows an OCSP status change waits this long before it reports the change served
 * (lambda/core/publish/edge-cache-wait.ts), keeping "publish means served" true for POST as for GET.
 */
export const EDGE_POST_CACHE_SECONDS = 60;

/** Entries kept per container (least recently used dropped first): ~1 KB each, a few MB at most. */
export const EDGE_POST_CACHE_MAX_ENTRIES = 4096;

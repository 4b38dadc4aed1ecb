/**
 * How long the OCSP POST handler (Lambda@Edge origin-request) may answer a CertID from its
 * container's memory instead of reading the store (lambda/core/serving/post-answer-cache.ts).
 *
 * A CloudFront invalidation does not reach Lambda@Edge memory: after a publish that changes what a
 * POST answers, a container may answer the old status for at most this long. So the publisher in
 * AWS records this lifetime in the receipt (`postCacheSeconds`) and `ca-repo publish` waits it out
 * before it reports the change served, keeping "publish means served" true for POST as for GET. (The
 * local CDN's invalidation clears its in-process edge's memory, so a local publish need not wait.)
 */
export const EDGE_POST_CACHE_SECONDS = 60;

/** Entries kept per container (least recently used dropped first): ~1 KB each, a few MB at most. */
export const EDGE_POST_CACHE_MAX_ENTRIES = 4096;

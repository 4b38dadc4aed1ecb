/**
 * "Publish means served" for OCSP POST: a CloudFront invalidation empties the edge caches that
 * answer GET, but not the memory of the Lambda@Edge containers that answer POST
 * (lambda/core/serving/post-answer-cache.ts). Those answers live EDGE_POST_CACHE_SECONDS at most,
 * so a publish that changed an OCSP status waits that long before reporting the change served.
 */
import { EDGE_POST_CACHE_SECONDS } from '../contract/edge-post-cache.ts';
import { OCSP_STORE_PREFIX } from '../ocsp/ocsp-object-key.ts';
import type { Receipt } from './receipt.ts';

const OCSP_PATH = `/${OCSP_STORE_PREFIX}`;

/** Whether an invalidated CDN path (exact, or a prefix ending in `*`) covers an OCSP store key. */
function coversOcsp(path: string): boolean {
  if (path.endsWith('*')) {
    const prefix = path.slice(0, -1);
    return OCSP_PATH.startsWith(prefix) || prefix.startsWith(OCSP_PATH);
  }
  return path.startsWith(OCSP_PATH);
}

/**
 * Seconds to wait after this receipt before the POST answers are the published ones: the POST
 * cache lifetime when the publish invalidated an OCSP key (its status changed), else 0.
 */
export function edgeCacheWaitSeconds(receipt: Pick<Receipt, 'status' | 'invalidated'>): number {
  if (receipt.status !== 'completed') return 0;
  return (receipt.invalidated ?? []).some(coversOcsp) ? EDGE_POST_CACHE_SECONDS : 0;
}

/**
 * An invalidation a stopped publish may have left owed. When a bundle brings bytes already served,
 * nothing is written; but the run that wrote them may have stopped (store failure, Lambda
 * timeout, killed process) after replacing the object and before invalidating the CDN, and the
 * edge would keep the superseded CRL or `good` answer until its max-age. Such a key is invalidated
 * again by the publish that finds it.
 *
 * Design: the pending invalidation is recorded in the replacing object's own metadata
 * (META.invalidate, plus META.bundleId naming the writer), and it is settled by that bundle's
 * `completed` receipt, which is written only after the invalidation succeeded. A marker object per
 * pending path (written before promoting, deleted after invalidating) was the alternative; it was
 * not chosen because
 * - the record is written by the same atomic PUT that replaces the object: no window between
 *   "recorded" and "replaced", no extra write per replaced path, nothing to clean up;
 * - nothing is deleted, so no publish can clear another's marker while that one is still between
 *   its write and its invalidation (the fan-out runs many workers and bundles concurrently, and a
 *   worker or Lambda may die at any point without a failed receipt);
 * - it holds for every way the bytes come back: a Lambda retry of the same bundle (its receipt is
 *   `failed` or absent), an SQS retry of one part (the retried worker records the path in its part
 *   result, and the finishing worker invalidates it), the operator re-sending the files as a new
 *   bundle, and `ca-repo local` resuming an interrupted bundle at startup.
 * What it costs: a receipt GET per writer bundle named by a flagged key (rare: only replacements
 * that needed an invalidation are flagged), and a path invalidated once more when a failed
 * bundle's files are re-sent several times. Past the cache cap of the kind (plus a margin for
 * replication lag and clock skew) no edge copy of the superseded object can be left, so older
 * flags are ignored, which also bounds the cost once receipts expire from the ingest bucket.
 * A failed run's replacement that is never re-sent stays cached until its max-age.
 */
import { capFor, type CacheCaps } from '../serving/cache-policy.ts';
import { isValidBundleId } from './bundle.ts';
import type { Receipt } from './receipt.ts';
import { readServedMetadata, type ServedHead } from './served-object.ts';

/**
 * How long after a replacement an edge copy of the superseded object may still be cached, beyond
 * the kind's cache cap: S3 replication lag to the replica the origin group may read, clock skew.
 */
const LEFT_INVALIDATION_MARGIN_SECONDS = 900;

/** A bundle's stored receipt as far as settling goes. */
export interface StoredReceipt {
  status: Receipt['status'];
  /** The receipt object's Last-Modified, on the store's clock. */
  storedAt: Date;
  /** The publish runs whose writes the receipt settles (absent on receipts written before runs were recorded). */
  runs?: readonly string[];
}

/**
 * Whether an invalidation of the served object may still be owed at `now`: undefined when not
 * (no flag, or no edge copy of its predecessor can be left); else the writer bundle whose
 * completed receipt would settle it (undefined when the object names none).
 */
export function pendingInvalidation(
  served: ServedHead,
  now: Date,
  caps: CacheCaps,
): { writer: string | undefined } | undefined {
  const metadata = readServedMetadata(served.metadata);
  if (!metadata.invalidationOwed) return undefined;
  const cachedCopiesEnd =
    served.lastModified.getTime() + (capFor(metadata.kind, caps) + LEFT_INVALIDATION_MARGIN_SECONDS) * 1000;
  if (now.getTime() > cachedCopiesEnd) return undefined;
  const writer = metadata.bundleId;
  return { writer: writer && isValidBundleId(writer) ? writer : undefined };
}

/**
 * Whether the writer's completed receipt settles the object's invalidation. By the run that wrote
 * it: the receipt lists the runs whose writes its bundle invalidated. Comparing the receipt's and
 * the object's Last-Modified is not enough, because the store keeps whole seconds: a late duplicate
 * delivery of a part (SQS is at-least-once) may write the object after the completed receipt within
 * the same second, and would then pass for settled while nobody invalidated it. The times decide
 * only for an object or a receipt written before runs were recorded.
 */
export function isSettledBy(receipt: StoredReceipt | undefined, served: ServedHead): boolean {
  if (receipt?.status !== 'completed') return false;
  const run = readServedMetadata(served.metadata).run;
  if (run && receipt.runs) return receipt.runs.includes(run);
  return receipt.storedAt >= served.lastModified;
}

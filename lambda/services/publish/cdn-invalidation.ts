/**
 * The CDN invalidation of what a publish changed, and the wait for it: the receipt is written once
 * the CDN has completed it (unless the bundle asked not to wait), so a receipt means served. The
 * wait is bounded by what the invocation has left, keeping time to write the receipt.
 */
import type { ReceiptInvalidation } from '../../core/publish/receipt.ts';
import type { ReceiptTally } from '../../core/publish/receipt-tally.ts';
import type { CdnInvalidator, Clock } from '../ports.ts';

const DEFAULT_CDN_WAIT_SECONDS = 240;
/** Left of an invocation's time for the receipt after the wait. */
const RECEIPT_MARGIN_MS = 15_000;

export interface CdnWaitOptions {
  cdn: CdnInvalidator | undefined;
  clock: Clock;
  /** How long to wait for completion at most (default 240 s), shortened to the deadline. */
  cdnWaitSeconds: number | undefined;
}

/** Invalidates what the publish changed and, when asked, waits until the CDN has completed it. */
export async function invalidate(
  tally: ReceiptTally,
  wait: boolean,
  deadline: Date | undefined,
  options: CdnWaitOptions,
): Promise<void> {
  const { cdn } = options;
  const plan = tally.invalidationPlan();
  if (!cdn || plan.length === 0) return;
  const started = await cdn.invalidate(plan);
  if (!started) return tally.invalidated(plan); // took effect at once
  const invalidation: ReceiptInvalidation = { id: started.id };
  if (wait) {
    if (!cdn.waitForCompletion) {
      invalidation.completedAt = options.clock.now().toISOString();
    } else {
      try {
        const completedAt = await cdn.waitForCompletion(started.id, waitBudgetMs(deadline, options));
        invalidation.completedAt = completedAt.toISOString();
      } catch (error) {
        // The files are published: the receipt says the invalidation is still under way.
        invalidation.incomplete = oneLine(error);
      }
    }
  }
  tally.invalidated(plan, invalidation);
}

function waitBudgetMs(deadline: Date | undefined, options: CdnWaitOptions): number {
  const configured = (options.cdnWaitSeconds ?? DEFAULT_CDN_WAIT_SECONDS) * 1000;
  if (!deadline) return configured;
  const left = deadline.getTime() - options.clock.now().getTime() - RECEIPT_MARGIN_MS;
  return Math.max(0, Math.min(configured, left));
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

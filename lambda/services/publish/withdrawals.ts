/**
 * Carries out a manifest's withdrawals (core/publish/withdrawal.ts). Such a manifest has no parts,
 * so this runs in the one invocation that finishes the bundle. A plain DELETE: the repository
 * bucket is versioned, so the object stays as a noncurrent version behind a delete marker.
 */
import type { ReceiptTally } from '../../core/publish/receipt-tally.ts';
import { judgeWithdrawal, withdrawalKey, type Withdrawal } from '../../core/publish/withdrawal.ts';
import { RejectedError } from '../../core/rejection.ts';
import type { ObjectStore } from '../ports.ts';

/** Each withdrawal deleted and tallied, or refused with its reason (the rest still go ahead). */
export async function withdraw(
  repository: ObjectStore,
  withdrawals: readonly Withdrawal[],
  tally: ReceiptTally,
  ocspUrl: string,
): Promise<void> {
  for (const withdrawal of withdrawals) {
    try {
      const key = withdrawalKey(withdrawal.url, ocspUrl);
      const plan = judgeWithdrawal(withdrawal, key, await repository.head(key));
      await repository.delete(plan.key);
      tally.withdrawn(plan.url, plan.invalidatePath);
    } catch (error) {
      if (!(error instanceof RejectedError)) throw error;
      tally.reject(withdrawal.url, error.message);
    }
  }
}

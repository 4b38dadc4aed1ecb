/**
 * S3 Object Lock default retention for the buckets whose objects are the record (repository,
 * replica, health ledger, CloudTrail logs). Every new object version is locked for the retention:
 * it can be neither overwritten in place nor deleted, only superseded by a newer version.
 *
 * CloudFormation sets Object Lock at bucket creation only: changing `ObjectLockEnabled` on an
 * existing bucket replaces it (docs/deploy.md §10 gives the in-place path for existing buckets).
 */
import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { ObjectLockConfig } from '../config.ts';

export type ObjectLockSettings = ObjectLockConfig;

/** The bucket properties for `lock`; none when absent. */
export function objectLockProps(
  lock: ObjectLockSettings | undefined,
): Pick<s3.BucketProps, 'objectLockEnabled' | 'objectLockDefaultRetention'> {
  if (!lock) return {};
  const days = Duration.days(lock.retentionDays);
  return {
    objectLockEnabled: true,
    objectLockDefaultRetention:
      lock.mode === 'COMPLIANCE'
        ? s3.ObjectLockRetention.compliance(days)
        : s3.ObjectLockRetention.governance(days),
  };
}

/** The stronger of two settings: compliance over governance, then the longer retention. */
export function strongerLock(
  a: ObjectLockSettings | undefined,
  b: ObjectLockSettings | undefined,
): ObjectLockSettings | undefined {
  if (!a || !b) return a ?? b;
  const mode = a.mode === 'COMPLIANCE' || b.mode === 'COMPLIANCE' ? 'COMPLIANCE' : 'GOVERNANCE';
  return { mode, retentionDays: Math.max(a.retentionDays, b.retentionDays) };
}

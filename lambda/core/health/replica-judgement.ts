/**
 * The replica's copy of a CRL judged against the primary's: CloudFront falls back to the replica
 * bucket when the primary fails, so a replica that lags or was changed by hand would serve a stale
 * or wrong CRL exactly when it is needed. S3 replication keeps the object's ETag, so equal ETags
 * mean equal bytes; a difference is tolerated only while the primary's object is younger than the
 * replication window (S3 Replication Time Control: 15 minutes).
 */
import type { Judgement } from './health-judgements.ts';

/** What the judgement needs of an object's HEAD. */
export interface CopyHead {
  etag: string;
  lastModified: Date;
}

export function judgeReplicaCopy(options: {
  key: string;
  primary: CopyHead | undefined;
  replica: CopyHead | undefined;
  now: Date;
  /** How long a new primary object may be missing or different in the replica. */
  replicationWindowSeconds: number;
}): Judgement {
  const { key, primary, replica, now } = options;
  if (!primary)
    return { outcome: 'fail', detail: `${key} is listed in index.json but missing from the primary bucket` };
  const sameBytes = replica !== undefined && replica.etag === primary.etag;
  if (sameBytes) return { outcome: 'ok', detail: `replica holds the primary's copy (ETag ${primary.etag})` };
  const ageSeconds = Math.round((now.getTime() - primary.lastModified.getTime()) / 1000);
  const what = replica
    ? `replica ETag ${replica.etag} differs from primary ETag ${primary.etag}`
    : 'missing from the replica';
  if (ageSeconds <= options.replicationWindowSeconds) {
    return {
      outcome: 'ok',
      detail: `${what}; the primary's copy is ${ageSeconds} s old, replication pending`,
    };
  }
  return {
    outcome: 'fail',
    detail: `${what} ${ageSeconds} s after the primary's copy was written (over ${options.replicationWindowSeconds} s): on failover relying parties would get another CRL`,
  };
}

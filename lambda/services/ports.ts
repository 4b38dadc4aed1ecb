/**
 * The small ports services talk through. Object storage is its own room (lambda/storage/), shared
 * with the on-prem uploader; the clock and the CDN invalidator are adapters (lambda/adapters/).
 */
export type {
  ObjectHead,
  ObjectStore,
  PutObjectOptions,
  PutResult,
  StoredObject,
} from '../storage/object-store.ts';
export { PreconditionFailedError } from '../storage/object-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { CfS3Origin } from '../core/serving/cloudfront-events.ts';

export interface Clock {
  now(): Date;
}

/**
 * Asks the CDN to drop cached copies (CloudFront invalidation paths: exact, or ending in `*`).
 * An invalidation is asynchronous: until it completes, edges may still answer from the copies.
 */
export interface CdnInvalidator {
  /** Starts an invalidation; answers the CDN's id for it (none: it took effect at once). */
  invalidate(paths: readonly string[]): Promise<{ id: string } | void>;
  /**
   * Resolves with the time the CDN reported the invalidation complete; rejects with a one-line
   * error when it has not within `timeoutMs`. Absent: the CDN's invalidations take effect at once.
   */
  waitForCompletion?(id: string, timeoutMs: number): Promise<Date>;
}

/** The stores behind an S3 origin: the origin's own bucket and, when configured, its replica. */
export type StoresForOrigin = (origin: CfS3Origin | undefined) => {
  primary: ObjectStore;
  replica?: ObjectStore;
};

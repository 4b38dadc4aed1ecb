/**
 * The small ports services talk through. Object storage is its own room (lambda/storage/), shared
 * with the on-prem uploader; the clock and the CDN invalidator are adapters (lambda/adapters/).
 */
export type { ObjectHead, ObjectStore, PutObjectOptions, StoredObject } from '../storage/object-store.ts';
export { PreconditionFailedError } from '../storage/object-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { CfS3Origin } from '../core/serving/cloudfront-events.ts';

export interface Clock {
  now(): Date;
}

/** Asks the CDN to drop cached copies (CloudFront invalidation paths: exact, or ending in `*`). */
export interface CdnInvalidator {
  invalidate(paths: readonly string[]): Promise<void>;
}

/** The stores behind an S3 origin: the origin's own bucket and, when configured, its replica. */
export type StoresForOrigin = (origin: CfS3Origin | undefined) => {
  primary: ObjectStore;
  replica?: ObjectStore;
};

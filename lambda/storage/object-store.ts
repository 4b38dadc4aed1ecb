/**
 * The object store both sides speak: the publish gate and the edge read and write it in the cloud
 * (S3), the on-prem uploader writes bundles to the ingest store through it, and the local
 * repository runs it on an embedded S3 server. Implementations live beside this file.
 */

export interface PutObjectOptions {
  contentType: string;
  cacheControl?: string;
  /** HTTP Expires, as a Date (S3 stores it as object system metadata). */
  expires?: Date;
  /** User metadata (S3 `x-amz-meta-*`): lowercase keys, ASCII values. */
  metadata?: Record<string, string>;
  /** Write only if the key still holds the object with this ETag (S3 conditional write). */
  ifMatch?: string;
  /** `*`: write only if the key holds nothing yet. */
  ifNoneMatch?: '*';
}

/**
 * A conditional write lost a race: the key changed since it was read. The caller re-reads and
 * decides again (two publishes of one CRL path: the higher CRL number must win).
 */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
}

/** What a write answers where the store says it: the ETag of the object now at the key (unquoted). */
export interface PutResult {
  etag?: string;
}

export interface ObjectHead {
  contentType: string;
  cacheControl?: string;
  expires?: Date;
  metadata: Record<string, string>;
  etag: string;
  size: number;
  lastModified: Date;
}

export interface StoredObject extends ObjectHead {
  body: Uint8Array;
}

export interface ObjectStore {
  /** The object, or undefined when the key holds nothing. */
  get(key: string): Promise<StoredObject | undefined>;
  head(key: string): Promise<ObjectHead | undefined>;
  /** Answers the new object's ETag where the store reports it (a conditional write names it later). */
  put(key: string, body: Uint8Array, options: PutObjectOptions): Promise<PutResult | void>;
  delete(key: string): Promise<void>;
  /** Every key under the prefix, in lexicographic order. */
  list(prefix: string): AsyncIterable<string>;
}

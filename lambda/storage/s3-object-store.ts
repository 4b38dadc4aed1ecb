import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  PreconditionFailedError,
  type ObjectHead,
  type ObjectStore,
  type PutObjectOptions,
  type PutResult,
  type StoredObject,
} from './object-store.ts';

export type ObjectStoreOperation = 'get' | 'head' | 'put' | 'delete' | 'list';

/** An object store call failed for a reason other than "nothing there". `cause` keeps the SDK error. */
export class ObjectStoreError extends Error {
  override readonly name = 'ObjectStoreError';
  readonly operation: ObjectStoreOperation;
  readonly bucket: string;
  /** The object key, or the prefix for `list`. */
  readonly key: string;
  /** The S3 error code (`NoSuchBucket`, `SlowDown`, ...) or Node's (`ECONNREFUSED`, ...) when there is one. */
  readonly code: string | undefined;

  constructor(details: { operation: ObjectStoreOperation; bucket: string; key: string; cause: unknown }) {
    const { operation, bucket, key, cause } = details;
    const code = cause instanceof S3ServiceException ? cause.name : networkErrorCode(cause);
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${operation} s3://${bucket}/${key} failed: ${reason}`, { cause });
    this.operation = operation;
    this.bucket = bucket;
    this.key = key;
    this.code = code;
  }
}

/**
 * Whether an SDK error means "the key holds nothing".
 *
 * 403 counts because S3 answers AccessDenied instead of 404 for a missing key when the caller lacks
 * s3:ListBucket (it won't reveal whether the key exists). A HEAD response has no body, so its 403 carries no
 * code and can't be told apart from other denials; a GET's 403 can, so only `AccessDenied` is taken as
 * missing there and credential problems (InvalidAccessKeyId, SignatureDoesNotMatch, ...) still surface.
 * NoSuchBucket is a deployment error, not a missing key, so it propagates (HEAD can't tell: it is `NotFound`).
 */
export function isMissingKeyError(error: unknown, operation: 'get' | 'head'): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  const status = error.$metadata?.httpStatusCode;
  if (error.name === 'NoSuchKey' || error.name === 'NotFound') return true;
  if (error.name === 'NoSuchBucket') return false;
  if (status === 404) return true;
  if (status === 403) return operation === 'head' || error.name === 'AccessDenied';
  return false;
}

/** The `ObjectStore` port over one S3 bucket through the AWS SDK v3 (also drives the embedded s3rver). */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly client: S3Client;

  constructor(options: { client: S3Client; bucket: string }) {
    this.client = options.client;
    this.bucket = options.bucket;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    return this.call('get', key, async () => {
      try {
        const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        if (!output.Body) throw new Error('GetObject answered without a body');
        const body = await output.Body.transformToByteArray();
        return { ...this.toHead(output), size: body.byteLength, body };
      } catch (error) {
        if (isMissingKeyError(error, 'get')) return undefined;
        throw error;
      }
    });
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    return this.call('head', key, async () => {
      try {
        return this.toHead(await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      } catch (error) {
        if (isMissingKeyError(error, 'head')) return undefined;
        throw error;
      }
    });
  }

  async put(key: string, body: Uint8Array, options: PutObjectOptions): Promise<PutResult> {
    const output = await this.call('put', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.byteLength,
          ContentType: options.contentType,
          CacheControl: options.cacheControl,
          Expires: options.expires,
          Metadata: options.metadata ? lowercaseKeys(options.metadata) : undefined,
          // Explicit, so real S3 rejects a corrupted upload whatever the client's checksum settings are
          // (the embedded client turns the SDK's automatic checksums off; s3rver ignores this header).
          ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
          IfMatch: options.ifMatch && `"${options.ifMatch.replace(/"/g, '')}"`,
          IfNoneMatch: options.ifNoneMatch,
        }),
      ),
    ).catch((error: unknown) => {
      // 412 PreconditionFailed, or 409 ConditionalRequestConflict when two conditional writes overlap.
      const cause = error instanceof ObjectStoreError ? error.cause : error;
      const status = (cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      if (status === 412 || status === 409)
        throw new PreconditionFailedError(`put ${key}: ${(cause as Error).name}`);
      throw error;
    });
    return output.ETag ? { etag: output.ETag.replaceAll('"', '') } : {};
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that holds nothing, so deleting twice is fine.
    await this.call('delete', key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  async *list(prefix: string): AsyncGenerator<string> {
    let continuationToken: string | undefined;
    do {
      const page = await this.call('list', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix === '' ? undefined : prefix,
            ContinuationToken: continuationToken,
          }),
        ),
      );
      for (const entry of page.Contents ?? []) {
        if (entry.Key !== undefined) yield entry.Key;
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  private toHead(output: {
    ContentType?: string;
    CacheControl?: string;
    Expires?: Date;
    ExpiresString?: string;
    Metadata?: Record<string, string>;
    ETag?: string;
    ContentLength?: number;
    LastModified?: Date;
  }): ObjectHead {
    if (output.ETag === undefined || output.LastModified === undefined) {
      throw new Error('S3 response lacked ETag or Last-Modified');
    }
    return {
      // S3's own default when a writer sent none.
      contentType: output.ContentType ?? 'binary/octet-stream',
      cacheControl: output.CacheControl,
      expires: parseExpires(output.ExpiresString) ?? validDate(output.Expires),
      metadata: lowercaseKeys(output.Metadata ?? {}),
      etag: output.ETag.replaceAll('"', ''),
      size: output.ContentLength ?? 0,
      lastModified: output.LastModified,
    };
  }

  private async call<T>(operation: ObjectStoreOperation, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      throw new ObjectStoreError({ operation, bucket: this.bucket, key, cause });
    }
  }
}

function networkErrorCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function lowercaseKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name.toLowerCase(), value]));
}

/** Expires is free text on the wire; an unparseable value means "no usable expiry", not an error. */
function parseExpires(text: string | undefined): Date | undefined {
  return text === undefined ? undefined : validDate(new Date(text));
}

function validDate(date: Date | undefined): Date | undefined {
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

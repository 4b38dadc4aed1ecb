import { createHash } from 'node:crypto';
import {
  PreconditionFailedError,
  type ObjectHead,
  type ObjectStore,
  type PutObjectOptions,
  type PutResult,
  type StoredObject,
} from './object-store.ts';
import { ObjectStoreError, type ObjectStoreOperation } from './s3-object-store.ts';

export interface ObjectStoreCall {
  operation: ObjectStoreOperation;
  /** The object key, or the prefix for `list`. */
  key: string;
}

interface Fault {
  matches: (call: ObjectStoreCall) => boolean;
  error: Error | undefined;
  remaining: number;
}

/**
 * The `ObjectStore` port in memory, for pure unit tests. Mirrors what S3 does where services could notice:
 * bytes are copied in and out, the etag is the MD5 hex of the body (S3 single-part uploads), dates have
 * whole-second precision (HTTP dates), metadata keys are lowercased and keys list in UTF-8 byte order.
 */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private readonly clock: { now(): Date };
  private faults: Fault[] = [];

  constructor(options: { clock?: { now(): Date } } = {}) {
    this.clock = options.clock ?? { now: () => new Date() };
  }

  /** Makes the next `count` calls of `operation` throw `error` (default: an ObjectStoreError, like S3's). */
  failNext(operation: ObjectStoreOperation, error?: Error, count = 1): void {
    this.faults.push({ matches: (call) => call.operation === operation, error, remaining: count });
  }

  /** Makes every call matching `predicate` throw until the returned function is called. */
  failWhen(predicate: (call: ObjectStoreCall) => boolean, error?: Error): () => void {
    const fault: Fault = { matches: predicate, error, remaining: Infinity };
    this.faults.push(fault);
    return () => {
      this.faults = this.faults.filter((candidate) => candidate !== fault);
    };
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.injectFault({ operation: 'get', key });
    const stored = this.objects.get(key);
    return stored && { ...copyHead(stored), body: stored.body.slice() };
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    this.injectFault({ operation: 'head', key });
    const stored = this.objects.get(key);
    return stored && copyHead(stored);
  }

  async put(key: string, body: Uint8Array, options: PutObjectOptions): Promise<PutResult> {
    this.injectFault({ operation: 'put', key });
    const current = this.objects.get(key);
    if (options.ifNoneMatch === '*' && current) throw new PreconditionFailedError(`${key} already exists`);
    if (options.ifMatch !== undefined && current?.etag !== options.ifMatch.replace(/"/g, '')) {
      throw new PreconditionFailedError(`${key} changed since it was read`);
    }
    const etag = createHash('md5').update(body).digest('hex');
    this.objects.set(key, {
      body: body.slice(),
      contentType: options.contentType,
      cacheControl: options.cacheControl,
      expires: options.expires && truncateToSecond(options.expires),
      metadata: Object.fromEntries(
        Object.entries(options.metadata ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
      ),
      etag,
      size: body.byteLength,
      lastModified: truncateToSecond(this.clock.now()),
    });
    return { etag };
  }

  async delete(key: string): Promise<void> {
    this.injectFault({ operation: 'delete', key });
    this.objects.delete(key);
  }

  async *list(prefix: string): AsyncGenerator<string> {
    this.injectFault({ operation: 'list', key: prefix });
    const keys = [...this.objects.keys()].filter((key) => key.startsWith(prefix));
    // S3 orders by UTF-8 bytes, which differs from JS string order for characters beyond U+FFFF.
    keys.sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)));
    yield* keys;
  }

  private injectFault(call: ObjectStoreCall): void {
    const fault = this.faults.find((candidate) => candidate.remaining > 0 && candidate.matches(call));
    if (!fault) return;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    throw (
      fault.error ??
      new ObjectStoreError({
        ...call,
        bucket: 'memory',
        cause: new Error(`injected ${call.operation} fault`),
      })
    );
  }
}

function copyHead(stored: StoredObject): ObjectHead {
  return {
    contentType: stored.contentType,
    cacheControl: stored.cacheControl,
    expires: stored.expires && new Date(stored.expires),
    metadata: { ...stored.metadata },
    etag: stored.etag,
    size: stored.size,
    lastModified: new Date(stored.lastModified),
  };
}

function truncateToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

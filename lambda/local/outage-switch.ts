/**
 * Wraps a store so a test or `ca-repo local` can take it down and bring it back, standing in for
 * a Regional S3 outage: every call fails with a 503 while it is down.
 */
import { ObjectStoreError } from '../storage/s3-object-store.ts';
import type {
  ObjectHead,
  ObjectStore,
  PutObjectOptions,
  PutResult,
  StoredObject,
} from '../services/ports.ts';

export class OutageSwitch implements ObjectStore {
  down = false;

  constructor(
    private readonly inner: ObjectStore,
    private readonly name: string,
  ) {}

  private check(operation: 'get' | 'head' | 'put' | 'delete' | 'list', key: string): void {
    if (this.down) {
      throw new ObjectStoreError({
        operation,
        bucket: this.name,
        key,
        cause: Object.assign(new Error('Service Unavailable (simulated outage)'), {
          name: 'ServiceUnavailable',
        }),
      });
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.check('get', key);
    return this.inner.get(key);
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    this.check('head', key);
    return this.inner.head(key);
  }

  async put(key: string, body: Uint8Array, options: PutObjectOptions): Promise<PutResult | void> {
    this.check('put', key);
    return this.inner.put(key, body, options);
  }

  async delete(key: string): Promise<void> {
    this.check('delete', key);
    return this.inner.delete(key);
  }

  async *list(prefix: string): AsyncIterable<string> {
    this.check('list', prefix);
    yield* this.inner.list(prefix);
  }
}

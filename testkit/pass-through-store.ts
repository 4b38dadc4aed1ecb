/** An ObjectStore that hands every call to another: tests extend it to count or fail chosen calls. */
import type { ObjectStore, PutObjectOptions } from '../lambda/storage/object-store.ts';

export class PassThroughStore implements ObjectStore {
  constructor(readonly inner: ObjectStore) {}
  get(key: string) {
    return this.inner.get(key);
  }
  head(key: string) {
    return this.inner.head(key);
  }
  put(key: string, body: Uint8Array, options: PutObjectOptions) {
    return this.inner.put(key, body, options);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
}

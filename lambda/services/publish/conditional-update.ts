/**
 * Read-merge-write of an object several publishes update at once (index.json, a CA's revocation
 * history): the write is conditional on the version read (S3 If-Match, or If-None-Match: * when
 * the key held nothing), and a lost race reads and merges again, so no writer's entries are lost.
 */
import {
  PreconditionFailedError,
  type ObjectStore,
  type PutObjectOptions,
  type StoredObject,
} from '../ports.ts';

/** Enough for publishes racing on one key; each retry re-reads, so progress is made by someone. */
export const MAX_CONDITIONAL_ATTEMPTS = 10;

export async function updateConditionally(
  store: ObjectStore,
  key: string,
  merge: (current: StoredObject | undefined) => { body: Uint8Array; options: PutObjectOptions },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.get(key);
    const { body, options } = merge(current);
    const condition = current ? { ifMatch: current.etag } : { ifNoneMatch: '*' as const };
    try {
      await store.put(key, body, { ...options, ...condition });
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || attempt >= MAX_CONDITIONAL_ATTEMPTS) throw error;
    }
  }
}

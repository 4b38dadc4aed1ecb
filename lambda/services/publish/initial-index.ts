/**
 * A new repository serves an empty index.json and an index.html saying nothing is published yet
 * (core/publish/repository-index.ts initialIndexObjects), written only where no index exists, so
 * a real index is never overwritten: by `ca-repo local` at start (the stack does the same at
 * deploy time, lib/constructs/initial-index.ts).
 */
import { initialIndexObjects } from '../../core/publish/repository-index.ts';
import type { CacheCaps } from '../../core/serving/cache-policy.ts';
import { PreconditionFailedError, type ObjectStore } from '../ports.ts';

export async function writeInitialIndex(
  repository: ObjectStore,
  ocspUrl: string,
  caps: CacheCaps,
  title?: string,
): Promise<void> {
  for (const object of initialIndexObjects(ocspUrl, caps, title)) {
    try {
      await repository.put(object.key, Buffer.from(object.body), {
        contentType: object.contentType,
        cacheControl: object.cacheControl,
        ifNoneMatch: '*',
      });
    } catch (error) {
      // An index is there already (a publish wrote it): it stays.
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
}

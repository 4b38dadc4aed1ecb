/**
 * How one accepted object is written: its headers, the ca-repo metadata recorded with it, the
 * condition the write depends on, and whether cached copies of what it replaces must go.
 */
import {
  CONTENT_TYPES,
  META,
  OBJECT_METADATA_VERSION,
  cacheControlFor,
  type CacheCaps,
} from '../serving/cache-policy.ts';
import type { ArtifactKind } from './artifact-kind.ts';
import type { ServedHead } from './served-object.ts';

/** An object a kind wants served, and what was served at its key when the verdict was made. */
export interface PlannedObject {
  key: string;
  body: Uint8Array;
  kind: ArtifactKind;
  /** SHA-256 of `body`, recorded so a re-publish of the same bytes is a no-op. */
  sha256: string;
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** Kind-specific metadata (CRL number, certificate status). */
  metadata?: Record<string, string>;
  served: ServedHead | undefined;
  /** Whether replacing `served` must reach relying parties now (default yes). */
  invalidateOnReplace?: boolean;
}

/** What the store is asked to do; `options` has the shape of the object-store port's PUT options. */
export interface ObjectWrite {
  key: string;
  body: Uint8Array;
  options: {
    contentType: string;
    cacheControl: string;
    expires: Date | undefined;
    metadata: Record<string, string>;
    /** Conditional write against the version the verdict was made on (S3 If-Match). */
    ifMatch?: string;
    /** `*`: the key held nothing when the verdict was made (S3 If-None-Match). */
    ifNoneMatch?: '*';
  };
  /** The write replaces a served object (the receipt's `replaced`). */
  replaces: boolean;
  /**
   * CDN path whose cached copies are invalidated once the publish has written everything: a
   * replaced object the relying parties must see now, and every new key, where the edge may hold
   * a negative answer (404 for 10 s, OCSP `unauthorized` for up to a minute) from before it existed.
   */
  invalidatePath?: string;
}

export interface WriteContext {
  now: Date;
  caps: CacheCaps;
  /** The bundle being published, recorded as the object's writer. */
  bundleId: string;
  /** The publish run writing it (left-invalidation.ts: which completed receipt settles it). */
  runId?: string;
}

export function planWrite(object: PlannedObject, context: WriteContext): ObjectWrite {
  const metadata: Record<string, string> = {
    [META.version]: OBJECT_METADATA_VERSION,
    [META.kind]: object.kind,
    [META.sha256]: object.sha256,
    [META.bundleId]: context.bundleId,
    ...(context.runId ? { [META.run]: context.runId } : {}),
    ...object.metadata,
  };
  if (object.thisUpdate) metadata[META.thisUpdate] = object.thisUpdate.toISOString();
  if (object.nextUpdate) metadata[META.nextUpdate] = object.nextUpdate.toISOString();
  const replaces = object.served !== undefined;
  // A new key is invalidated too: the edge may hold a negative answer from before it existed.
  const invalidate = !replaces || (object.invalidateOnReplace ?? true);
  // Recorded with the object itself, so a re-run can tell the invalidation is owed
  // (left-invalidation.ts).
  if (invalidate) metadata[META.invalidate] = 'yes';
  const options: ObjectWrite['options'] = {
    contentType: CONTENT_TYPES[object.kind],
    cacheControl: cacheControlFor({
      kind: object.kind,
      now: context.now,
      nextUpdate: object.nextUpdate,
      caps: context.caps,
    }),
    expires: object.nextUpdate,
    metadata,
  };
  if (object.served) options.ifMatch = object.served.etag;
  else options.ifNoneMatch = '*';
  return {
    key: object.key,
    body: object.body,
    options,
    replaces,
    ...(invalidate ? { invalidatePath: `/${object.key}` } : {}),
  };
}

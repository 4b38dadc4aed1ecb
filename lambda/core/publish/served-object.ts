/**
 * What the repository serves at a key, as the publish gate sees it before writing: the object's
 * ETag and Last-Modified (for conditional writes and invalidation windows) and the ca-repo
 * metadata written with it (serving/cache-policy.ts META). Every publish decision that depends on
 * the served object reads it through readServedMetadata, so the metadata version is checked once.
 */
import { RejectedError } from '../rejection.ts';
import { META, OBJECT_METADATA_VERSION, readMetaTime } from '../serving/cache-policy.ts';
import type { ArtifactKind } from './artifact-kind.ts';

export interface ServedHead {
  etag: string;
  lastModified: Date;
  /** S3 user metadata, lowercase keys without `x-amz-meta-`. */
  metadata: Record<string, string>;
}

export interface ServedBytes extends ServedHead {
  body: Uint8Array;
}

/** The ca-repo metadata of a served object, in the layout of OBJECT_METADATA_VERSION. */
export interface ServedMetadata {
  /** Absent on an object ca-repo did not publish. */
  kind: string | undefined;
  sha256: string | undefined;
  thisUpdate: Date | undefined;
  certStatus: string | undefined;
  /** The bundle whose publish wrote the object. */
  bundleId: string | undefined;
  /** The write replaced a copy the CDN may hold: its bundle owed an invalidation. */
  invalidationOwed: boolean;
  /** The publish run that wrote it (absent on objects written before runs were recorded). */
  run: string | undefined;
}

/**
 * Reads the metadata of a served object. An object without a version label was written before
 * the label existed, in version 1's layout. A later version may give the keys another meaning, so
 * the publisher refuses to judge a file against it rather than guess.
 */
export function readServedMetadata(metadata: Readonly<Record<string, string>>): ServedMetadata {
  const version = metadata[META.version] ?? '1';
  if (version !== OBJECT_METADATA_VERSION) {
    throw new RejectedError(
      `this URL serves an object whose ca-repo metadata is version ${version}; this publisher reads version ${OBJECT_METADATA_VERSION}`,
    );
  }
  return {
    kind: metadata[META.kind],
    sha256: metadata[META.sha256],
    thisUpdate: readMetaTime(metadata[META.thisUpdate]),
    certStatus: metadata[META.certStatus],
    bundleId: metadata[META.bundleId],
    invalidationOwed: metadata[META.invalidate] === 'yes',
    run: metadata[META.run],
  };
}

/** A URL embedded in issued certificates keeps its meaning: the kind served there never changes. */
export function assertServesKind(served: ServedHead, kind: ArtifactKind): void {
  const servedKind = readServedMetadata(served.metadata).kind;
  if (servedKind !== kind) {
    throw new RejectedError(
      `this URL already serves ${servedKind ? `a ${servedKind}` : 'content not published by ca-repo'}; it cannot become a ${kind}`,
    );
  }
}

/** True when the key already serves these exact bytes as this kind; another kind is refused. */
export function servesSameBytes(served: ServedHead | undefined, kind: ArtifactKind, sha256: string): boolean {
  if (!served) return false;
  assertServesKind(served, kind);
  return readServedMetadata(served.metadata).sha256 === sha256;
}

/**
 * Reads a bundle from the ingest store as a publish needs it: the manifest (sizes checked before
 * anything is read, the gate holds what it reads in memory) and one part's file list, from the
 * part's own object in format 2, so a worker never holds another part's files (bundle.ts).
 */
import { digest, toHex } from '../../core/encoding/bytes.ts';
import {
  MAX_MANIFEST_BYTES,
  manifestKey,
  parseManifest,
  type BundleFile,
  type BundleManifest,
} from '../../core/publish/bundle.ts';
import { parsePartFiles } from '../../core/publish/part-files.ts';
import { RejectedError } from '../../core/rejection.ts';
import type { ObjectStore } from '../ports.ts';

export async function readManifest(ingest: ObjectStore, bundleId: string): Promise<BundleManifest> {
  const key = manifestKey(bundleId);
  const head = await ingest.head(key);
  if (!head) throw new RejectedError(`bundle ${bundleId} has no manifest.json`);
  // Checked before reading: the gate holds what it reads in memory.
  if (head.size > MAX_MANIFEST_BYTES) {
    throw new RejectedError(
      `manifest.json is ${head.size} bytes, more than the ${MAX_MANIFEST_BYTES} allowed`,
    );
  }
  const object = await ingest.get(key);
  if (!object) throw new RejectedError(`bundle ${bundleId} has no manifest.json`);
  if (object.body.byteLength > MAX_MANIFEST_BYTES) {
    throw new RejectedError(`manifest.json is more than the ${MAX_MANIFEST_BYTES} bytes allowed`);
  }
  return parseManifest(Buffer.from(object.body).toString('utf8'), bundleId);
}

/**
 * The files the manifest lists in one part. A format-2 list that is missing, of another size or
 * damaged refuses the part's archive as a whole: a RejectedError the caller gives every file of
 * the part it can name (none, since the list is what names them) or the bundle as its failure.
 */
export async function filesOfPart(
  ingest: ObjectStore,
  manifest: BundleManifest,
  part: number,
): Promise<BundleFile[]> {
  if (manifest.files) return manifest.files.filter((f) => f.part === part);
  const list = manifest.parts[part]?.files;
  if (!list) return [];
  const object = await ingest.get(list.key);
  if (!object) throw new RejectedError(`the file list ${list.key} is missing from the ingest store`);
  if (object.body.byteLength !== list.size) {
    throw new RejectedError(
      `the file list ${list.key} is ${object.body.byteLength} bytes, the manifest says ${list.size}`,
    );
  }
  if (toHex(await digest('sha256', object.body)) !== list.sha256) {
    throw new RejectedError(`the file list ${list.key} was damaged in transit (SHA-256 mismatch)`);
  }
  return parsePartFiles(Buffer.from(object.body).toString('utf8'), {
    bundleId: manifest.bundleId,
    part,
    count: list.count,
  });
}

/**
 * S3 replaces an object atomically: a reader gets the old bytes or the new, never a mix. s3rver's
 * filesystem store truncates and rewrites the object file in place, then rewrites its metadata, so a
 * GET racing a PUT could read a torn body or new bytes under the old Content-Length, and a process
 * killed mid-write left a torn object behind. The publish gate's promise ("served whole or not at
 * all") has to hold locally too, so:
 * - the body is written to a temporary file beside the object and renamed over it (an open reader
 *   keeps the old inode; a kill leaves the old object and a stray `.partial` file, never a torn one);
 * - the rename and the metadata rewrite happen under a per-key lock that readers also take while they
 *   read the metadata and open the file, so each reader sees one version's body with its metadata.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

/** The temporary file of a write in progress (putObject below): the object file's name, a random tag. */
const PARTIAL_FILE = /\.[0-9a-f]{16}\.partial$/;

/**
 * Removes the `.partial` files writes killed mid-way left under the store's directory, each as large
 * as the object it was becoming (up to 512 MiB). Run before the server starts: the embedded S3 is
 * then the directory's only writer and has nothing in progress, so every such file is abandoned.
 * (S3 itself has no such files; an interrupted multipart upload is aborted by a lifecycle rule.)
 */
export async function sweepAbandonedPartialFiles(directory: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && PARTIAL_FILE.test(entry.name)) {
        await unlink(path);
        removed.push(path);
      }
    }
  };
  await walk(directory);
  return removed;
}

/** Patches the store in place; returns the metadata read to use outside s3rver (listings), which takes
 *  the same lock. (The store's own getMetadata stays unlocked: its getObject calls it under the lock.) */
export function makeObjectWritesAtomic(store: S3rver.FilesystemStore): {
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
} {
  const locks = new Map<string, Promise<void>>();
  const underLock = <T>(bucket: string, key: string, action: () => Promise<T>): Promise<T> => {
    const id = `${bucket}\0${key}`;
    const result = (locks.get(id) ?? Promise.resolve()).then(action);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    locks.set(id, settled);
    void settled.then(() => {
      if (locks.get(id) === settled) locks.delete(id);
    });
    return result;
  };

  const getObject = store.getObject.bind(store);
  const getMetadata = store.getMetadata.bind(store);
  const deleteObject = store.deleteObject.bind(store);

  store.getObject = (bucket, key, options) => underLock(bucket, key, () => getObject(bucket, key, options));
  store.deleteObject = (bucket, key) => underLock(bucket, key, () => deleteObject(bucket, key));
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const partialPath = `${objectPath}.${randomBytes(8).toString('hex')}.partial`;
    const md5 = createHash('md5');
    let size = 0;
    try {
      await pipeline(
        Buffer.isBuffer(object.content) ? [object.content] : object.content,
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            md5.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        createWriteStream(partialPath),
      );
    } catch (error) {
      await unlink(partialPath).catch(() => undefined);
      throw error;
    }
    const digest = md5.digest('hex');
    return underLock(object.bucket, object.key, async () => {
      await rename(partialPath, objectPath);
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      return { size, md5: digest };
    });
  };
  return { getMetadata: (bucket, key) => underLock(bucket, key, () => getMetadata(bucket, key)) };
}

/**
 * S3 replaces an object atomically: a reader gets the old bytes or the new, never a mix. s3rver's
 * filesystem store truncates and rewrites the object file in place, then rewrites its metadata, so a
 * GET racing a PUT could read a torn body or new bytes under the old Content-Length, and a process
 * killed mid-write left a torn object behind. The publish gate's promise ("served whole or not at
 * all") has to hold locally too, so:
 * - the body is written to a temporary file beside the object and renamed over it (an open reader
 *   keeps the old inode; a kill leaves the old object and a stray `.partial` file, never a torn one);
 * - the rename and the metadata rewrite happen under a per-key lock that readers also take while they
 *   read the metadata and open the file, so each reader sees one version's body with its metadata;
 * - the body's rename and the metadata rewrite are two steps, so a kill between them would leave the
 *   new body under the old (or, for a new key, no) metadata: an intent file holding the new metadata
 *   is written whole before the rename and removed after the metadata, and a restart finishes (or
 *   drops) every intent left behind (repairInterruptedWrites).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

/** The temporary file of a write in progress (putObject below): the object file's name, a random tag. */
const PARTIAL_FILE = /\.[0-9a-f]{16}\.partial$/;
/** The metadata a write is about to give its object, kept until that metadata is in place. */
const INTENT_FILE = /\.[0-9a-f]{16}\.intent$/;

interface WriteIntent {
  bucket: string;
  key: string;
  metadata: Record<string, string>;
  md5: string;
}

/**
 * Finishes the writes a kill interrupted between the body's rename and its metadata: where the
 * object's body is the one the intent names (same MD5), its metadata is written now; otherwise the
 * rename never happened and the old object is whole, so the intent is dropped. Run before the
 * server starts, after sweepAbandonedPartialFiles, with the store the server will use.
 */
export async function repairInterruptedWrites(
  store: S3rver.FilesystemStore,
  directory: string,
): Promise<string[]> {
  const repaired: string[] = [];
  for (const path of await filesUnder(directory, INTENT_FILE)) {
    const intent = JSON.parse(await readFile(path, 'utf8')) as WriteIntent;
    const objectPath = store.getResourcePath(intent.bucket, intent.key, 'object');
    const body = await md5Of(objectPath).catch(() => undefined);
    if (body === intent.md5) {
      await store.putMetadata(intent.bucket, intent.key, intent.metadata, intent.md5);
      repaired.push(intent.key);
    }
    await unlink(path);
  }
  return repaired;
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function filesUnder(directory: string, name: RegExp): Promise<string[]> {
  const found: string[] = [];
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
      else if (entry.isFile() && name.test(entry.name)) found.push(path);
    }
  };
  await walk(directory);
  return found;
}

/**
 * Removes the `.partial` files writes killed mid-way left under the store's directory, each as large
 * as the object it was becoming (up to 512 MiB). Run before the server starts: the embedded S3 is
 * then the directory's only writer and has nothing in progress, so every such file is abandoned.
 * (S3 itself has no such files; an interrupted multipart upload is aborted by a lifecycle rule.)
 */
export async function sweepAbandonedPartialFiles(directory: string): Promise<string[]> {
  const removed = await filesUnder(directory, PARTIAL_FILE);
  for (const path of removed) await unlink(path);
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
      const intent: WriteIntent = {
        bucket: object.bucket,
        key: object.key,
        metadata: object.metadata,
        md5: digest,
      };
      const intentPath = `${objectPath}.${randomBytes(8).toString('hex')}.intent`;
      const intentPartial = `${intentPath}.${randomBytes(8).toString('hex')}.partial`;
      await writeFile(intentPartial, JSON.stringify(intent));
      await rename(intentPartial, intentPath);
      await rename(partialPath, objectPath);
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      await unlink(intentPath);
      return { size, md5: digest };
    });
  };
  return { getMetadata: (bucket, key) => underLock(bucket, key, () => getMetadata(bucket, key)) };
}

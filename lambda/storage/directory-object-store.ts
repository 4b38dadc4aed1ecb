/**
 * The `ObjectStore` port over a local directory: one file per key, `/` in keys as sub-directories.
 * For the health ledger on one machine (`ca-repo health --ledger DIR`, `ca-repo report --ledger
 * DIR`, the local repository's checker), where the records should be plain files an auditor can
 * copy and read.
 *
 * Bodies only: content type comes from the file extension and metadata, Cache-Control and Expires
 * are not kept. `ifNoneMatch: '*'` is atomic (exclusive create); `ifMatch` is checked, then written,
 * which is enough for one writer per directory.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import {
  PreconditionFailedError,
  type ObjectHead,
  type ObjectStore,
  type PutObjectOptions,
  type StoredObject,
} from './object-store.ts';

const TEMPORARY_SUFFIX = '.partial';
const CONTENT_TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export class DirectoryObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  async get(key: string): Promise<StoredObject | undefined> {
    const path = this.pathOf(key);
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const head = await this.headOf(key, path, body);
    return head && { ...head, body: new Uint8Array(body) };
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const object = await this.get(key);
    if (!object) return undefined;
    const { body: _body, ...head } = object;
    return head;
  }

  async put(key: string, body: Uint8Array, options: PutObjectOptions): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    if (options.ifNoneMatch === '*') {
      try {
        await writeFile(path, body, { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new PreconditionFailedError(`${key} already exists`);
        }
        throw error;
      }
      return;
    }
    if (options.ifMatch !== undefined) {
      const current = await this.head(key);
      if (current?.etag !== options.ifMatch.replace(/"/g, '')) {
        throw new PreconditionFailedError(`${key} changed since it was read`);
      }
    }
    // Write then rename, so a reader never sees half a file.
    const temporary = `${path}.${process.pid}${TEMPORARY_SUFFIX}`;
    await writeFile(temporary, body);
    await rename(temporary, path);
  }

  /**
   * Removes the temporary files of writes whose process is gone (killed between write and
   * rename); a live process's file is left alone, since several commands may share one ledger
   * directory. Returns the keys' files removed.
   */
  async sweepAbandonedPartials(): Promise<string[]> {
    const files: string[] = [];
    await this.walk('', files);
    const removed: string[] = [];
    for (const file of files) {
      const pid = /\.(\d+)\.partial$/.exec(file)?.[1];
      if (!pid || isProcessAlive(Number(pid))) continue;
      const path = join(this.root, ...file.split('/'));
      await rm(path, { force: true });
      removed.push(path);
    }
    return removed;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncGenerator<string> {
    const keys: string[] = [];
    await this.walk('', keys);
    const matching = keys.filter((key) => key.startsWith(prefix) && !key.endsWith(TEMPORARY_SUFFIX));
    matching.sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)));
    yield* matching;
  }

  /** Every file below `relative`, as a `/`-separated path (temporary files included). */
  private async walk(relative: string, keys: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(this.root, relative), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const key = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await this.walk(key, keys);
      else if (entry.isFile()) keys.push(key);
    }
  }

  private async headOf(key: string, path: string, body: Buffer): Promise<ObjectHead | undefined> {
    const info = await stat(path);
    const extension = /\.([a-z0-9]+)$/i.exec(key)?.[1]?.toLowerCase() ?? '';
    return {
      contentType: CONTENT_TYPE_BY_EXTENSION[extension] ?? 'application/octet-stream',
      metadata: {},
      etag: createHash('md5').update(body).digest('hex'),
      size: body.byteLength,
      lastModified: info.mtime,
    };
  }

  /** Keys are relative `/`-separated paths; anything that could leave the root is refused. */
  private pathOf(key: string): string {
    const segments = key.split('/');
    if (
      key === '' ||
      key.includes('\\') ||
      key.includes('\0') ||
      segments.some((segment) => segment === '' || segment === '.' || segment === '..')
    ) {
      throw new RangeError(`object key ${JSON.stringify(key)} is not a relative path`);
    }
    return join(this.root, ...segments.map((segment) => segment.split(sep).join('_')));
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Whether a process with this id exists (signal 0 checks without sending; EPERM: it exists, not ours). */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

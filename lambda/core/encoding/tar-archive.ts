/**
 * Bundle parts are POSIX tar (ustar/pax) archives: any operator can inspect one with `tar tvf`.
 * Only regular files are taken; links are reported so they can be refused by name.
 */
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';

export interface TarEntry {
  path: string;
  type: 'file' | 'link' | 'other' | 'too-large';
  bytes: Uint8Array;
}

/** Upper bound on one file inside a part (CRLs of very large CAs reach hundreds of MB at most). */
export const MAX_ENTRY_BYTES = 512 * 1024 * 1024;

export async function readTar(archive: Uint8Array): Promise<TarEntry[]> {
  const extract = tar.extract();
  const entries: TarEntry[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: unknown) => {
        const bytes = chunk as Buffer;
        size += bytes.length;
        if (size <= MAX_ENTRY_BYTES) chunks.push(bytes);
      });
      stream.on('end', () => {
        const type: TarEntry['type'] =
          size > MAX_ENTRY_BYTES
            ? 'too-large'
            : header.type === 'file' || header.type === 'contiguous-file'
              ? 'file'
              : header.type === 'symlink' || header.type === 'link'
                ? 'link'
                : 'other';
        if (header.type !== 'directory') {
          entries.push({
            path: header.name.replace(/^\.\//, ''),
            type,
            bytes: new Uint8Array(Buffer.concat(chunks)),
          });
        }
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)]).pipe(extract);
  await done;
  return entries;
}

export async function writeTar(files: readonly { path: string; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const file of files) {
    pack.entry(
      { name: file.path, size: file.bytes.byteLength, mode: 0o644, mtime: new Date(0) },
      Buffer.from(file.bytes),
    );
  }
  pack.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

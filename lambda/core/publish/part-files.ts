/**
 * One part's file list (manifest format 2, bundle.ts): the uploader writes it beside the part's
 * archive, and only the worker publishing that part reads it, so what a worker holds is one part,
 * whatever the bundle's size. The manifest carries the list's SHA-256, size and count, so a list
 * damaged or swapped in transit is refused like a damaged archive.
 *
 * Paths are listed in strictly ascending order (UTF-16 code units, as JavaScript compares): a path
 * named twice in a part is seen without a set. Across parts nothing checks it (that would need
 * every path at once); the uploader never lists a path twice, and a hand-made bundle that does
 * gets each copy judged on its own, every write conditional on what the other wrote.
 */
import { MAX_ENTRY_BYTES } from '../encoding/tar-archive.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import type { BundleFile } from './bundle.ts';

export const PART_FILES_FORMAT = 'ca-repo-part-files/1';

export interface PartFiles {
  format: typeof PART_FILES_FORMAT;
  bundleId: string;
  /** Index into the manifest's `parts`. */
  part: number;
  files: { path: string; size: number; sha256: string }[];
}

/** The list as the uploader writes it: files sorted by path. */
export function serialisePartFiles(bundleId: string, part: number, files: readonly BundleFile[]): string {
  const sorted = files
    .map(({ path, size, sha256 }) => ({ path, size, sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return JSON.stringify({ format: PART_FILES_FORMAT, bundleId, part, files: sorted } satisfies PartFiles);
}

/** Parses and checks one part's list against what the manifest says of it. */
export function parsePartFiles(
  text: string,
  expected: { bundleId: string; part: number; count: number },
): BundleFile[] {
  let value: Partial<PartFiles>;
  try {
    value = JSON.parse(text) as Partial<PartFiles>;
  } catch {
    throw new RejectedError(`the file list of part ${expected.part} is not JSON`);
  }
  const where = `the file list of part ${expected.part}`;
  requireThat(value && typeof value === 'object', `${where} is not an object`);
  requireThat(value.format === PART_FILES_FORMAT, `${where} must be format ${PART_FILES_FORMAT}`);
  requireThat(
    value.bundleId === expected.bundleId && value.part === expected.part,
    `${where} names another bundle or part`,
  );
  requireThat(Array.isArray(value.files), `${where} needs a files array`);
  requireThat(
    value.files.length === expected.count,
    `${where} has ${value.files.length} files, the manifest says ${expected.count}`,
  );
  let previous: string | undefined;
  return value.files.map((file, i) => {
    requireThat(
      file &&
        typeof file.path === 'string' &&
        typeof file.sha256 === 'string' &&
        /^[0-9a-f]{64}$/.test(file.sha256) &&
        Number.isSafeInteger(file.size) &&
        file.size >= 0 &&
        file.size <= MAX_ENTRY_BYTES,
      `${where}: files[${i}] is malformed`,
    );
    requireThat(
      previous === undefined || previous < file.path,
      previous === file.path
        ? `${where} names ${file.path} twice`
        : `${where} is not sorted by path at files[${i}]`,
    );
    previous = file.path;
    return { path: file.path, size: file.size, sha256: file.sha256, part: expected.part };
  });
}

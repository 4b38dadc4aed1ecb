/**
 * Turns a bundle directory into a few tar parts plus a manifest (see lambda/core/publish/bundle.ts). Large
 * bundles (100,000+ OCSP responses) travel as a handful of archives, not one request per file, and
 * are packed part by part so memory stays bounded. A detached `X.p7s` always shares X's part, and
 * so do the evidence certificates under `X.evidence/` that a CRL X needs to drop an expired entry
 * (the gate looks for them in the CRL's own part; onprem/presign/expired-entries.ts).
 * Each part's file list travels as an object of its own (manifest format 2, part-files.ts), so
 * neither the uploader nor the publisher holds the whole bundle's list.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { EVIDENCE_DIR_SUFFIX } from '../lambda/core/contract/bundle-evidence.ts';
import { digest, toHex } from '../lambda/core/encoding/bytes.ts';
import {
  MANIFEST_FORMAT,
  partFilesKey,
  partKey,
  type BundleFile,
  type BundleManifest,
} from '../lambda/core/publish/bundle.ts';
import { serialisePartFiles } from '../lambda/core/publish/part-files.ts';
import { writeTar } from '../lambda/core/encoding/tar-archive.ts';
import { detectPrivateKey } from '../lambda/core/publish/detect-private-key.ts';
import { KeyMaterialError } from './key-material.ts';

export interface PackOptions {
  maxPartBytes?: number;
  maxPartFiles?: number;
}

export interface BundlePlan {
  /** Files grouped into parts, by bundle path. */
  parts: { path: string; size: number }[][];
  refused: { path: string; reason: string }[];
  fileCount: number;
}

async function walk(
  root: string,
  dir: string,
  out: { path: string; size: number }[],
  refused: BundlePlan['refused'],
) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const absolute = join(dir, entry.name);
    const path = relative(root, absolute).split(sep).join(posix.sep);
    const stat = await lstat(absolute);
    if (stat.isSymbolicLink()) refused.push({ path, reason: 'symbolic link: links are never published' });
    else if (stat.isDirectory()) await walk(root, absolute, out, refused);
    else if (stat.isFile()) out.push({ path, size: stat.size });
    else refused.push({ path, reason: 'not a regular file' });
  }
}

export async function planBundle(root: string, options: PackOptions = {}): Promise<BundlePlan> {
  const maxBytes = options.maxPartBytes ?? 64 * 1024 * 1024;
  const maxFiles = options.maxPartFiles ?? 5000;
  const files: { path: string; size: number }[] = [];
  const refused: BundlePlan['refused'] = [];
  await walk(root, root, files, refused);
  files.sort((a, b) => a.path.localeCompare(b.path));

  // Keep each document with its detached signature, each CRL with its evidence.
  const byPath = new Map(files.map((f) => [f.path, f]));
  const evidenceOf = new Map<string, { path: string; size: number }[]>();
  const owned = new Set<string>();
  for (const file of files) {
    const at = file.path.lastIndexOf(`${EVIDENCE_DIR_SUFFIX}/`);
    const owner = at > 0 ? file.path.slice(0, at) : undefined;
    if (owner && byPath.has(owner)) {
      evidenceOf.set(owner, [...(evidenceOf.get(owner) ?? []), file]);
      owned.add(file.path);
    }
  }
  const groups: { path: string; size: number }[][] = [];
  const grouped = new Set<string>();
  for (const file of files) {
    if (grouped.has(file.path) || owned.has(file.path)) continue;
    const group = [file];
    grouped.add(file.path);
    const signature = byPath.get(`${file.path}.p7s`);
    for (const companion of [...(signature ? [signature] : []), ...(evidenceOf.get(file.path) ?? [])]) {
      if (grouped.has(companion.path)) continue;
      group.push(companion);
      grouped.add(companion.path);
    }
    groups.push(group);
  }

  const parts: { path: string; size: number }[][] = [];
  let current: { path: string; size: number }[] = [];
  let currentBytes = 0;
  for (const group of groups) {
    const groupBytes = group.reduce((n, f) => n + f.size, 0);
    if (
      current.length > 0 &&
      (currentBytes + groupBytes > maxBytes || current.length + group.length > maxFiles)
    ) {
      parts.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(...group);
    currentBytes += groupBytes;
  }
  if (current.length > 0) parts.push(current);
  return { parts, refused: refused.sort((a, b) => a.path.localeCompare(b.path)), fileCount: files.length };
}

/** Reads and archives one part; returns the tar bytes and the manifest lines of its files. */
export async function packPart(
  root: string,
  plan: BundlePlan,
  index: number,
): Promise<{ archive: Uint8Array; files: BundleFile[] }> {
  const entries: { path: string; bytes: Uint8Array }[] = [];
  const files: BundleFile[] = [];
  for (const { path } of plan.parts[index] ?? []) {
    const bytes = new Uint8Array(await readFile(join(root, ...path.split('/'))));
    // The pre-flight read this file before; one changed since must not carry a key out.
    const keyForm = detectPrivateKey(bytes);
    if (keyForm !== undefined)
      throw new KeyMaterialError([{ file: path, outcome: 'key-material', form: keyForm }]);
    entries.push({ path, bytes });
    files.push({ path, size: bytes.byteLength, sha256: toHex(await digest('sha256', bytes)), part: index });
  }
  return { archive: await writeTar(entries), files };
}

/** One part's file list as its object's bytes, with what the manifest says of it. */
export async function packPartFiles(
  bundleId: string,
  index: number,
  files: readonly BundleFile[],
): Promise<{ body: Uint8Array; entry: PackedPart['files'] }> {
  const body = new Uint8Array(Buffer.from(serialisePartFiles(bundleId, index, files)));
  return {
    body,
    entry: {
      key: partFilesKey(bundleId, index),
      sha256: toHex(await digest('sha256', body)),
      size: body.byteLength,
      count: files.length,
    },
  };
}

/** What the manifest says of one uploaded part: its archive and its file list. */
export interface PackedPart {
  sha256: string;
  size: number;
  files: { key: string; sha256: string; size: number; count: number };
}

/** A format-2 manifest: the parts and their file lists, not the files themselves. */
export function buildManifest(options: {
  bundleId: string;
  createdAt: Date;
  parts: PackedPart[];
  refused: BundlePlan['refused'];
  /** URLs to withdraw (`ca-repo withdraw`): such a manifest has no parts or files. */
  withdraw?: BundleManifest['withdraw'];
  /** `false`: the publisher need not wait for the CDN invalidation (`--no-wait`). */
  waitForCdn?: boolean;
}): BundleManifest {
  return {
    format: MANIFEST_FORMAT,
    bundleId: options.bundleId,
    createdAt: options.createdAt.toISOString(),
    parts: options.parts.map((part, i) => ({ key: partKey(options.bundleId, i), ...part })),
    ...(options.refused.length > 0 ? { refused: options.refused } : {}),
    ...(options.withdraw?.length ? { withdraw: options.withdraw } : {}),
    ...(options.waitForCdn === false ? { waitForCdn: false } : {}),
  };
}

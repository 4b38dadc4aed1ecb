/**
 * Puts a bundle into an ingest store exactly as the uploader CLI does (tar parts + manifest last),
 * from an in-memory map of path → bytes.
 */
import { buildManifest, packPartFiles, type PackedPart } from '../onprem/bundle-packer.ts';
import { putWithdrawalManifest } from '../onprem/withdraw.ts';
import { digest, toHex } from '../lambda/core/encoding/bytes.ts';
import {
  MANIFEST_FORMAT_V1,
  manifestKey,
  parseManifest,
  partKey,
  type BundleFile,
  type BundleManifest,
} from '../lambda/core/publish/bundle.ts';
import { parsePartFiles } from '../lambda/core/publish/part-files.ts';
import { writeTar } from '../lambda/core/encoding/tar-archive.ts';
import type { ObjectStore } from '../lambda/storage/object-store.ts';

let counter = 0;

export async function putBundle(
  ingest: ObjectStore,
  files: Record<string, Uint8Array | string>,
  options: {
    bundleId?: string;
    filesPerPart?: number;
    /** Manifest format; default 2, as the uploader writes. */ format?: 1 | 2;
    waitForCdn?: boolean;
  } = {},
): Promise<string> {
  const bundleId = options.bundleId ?? `test-${Date.now()}-${counter++}`;
  const entries = Object.entries(files).map(([path, content]) => ({
    path,
    bytes: typeof content === 'string' ? new Uint8Array(Buffer.from(content)) : content,
  }));
  const perPart = options.filesPerPart ?? entries.length;
  const parts: PackedPart[] = [];
  const everyFile: BundleFile[] = [];
  for (let i = 0; i * perPart < Math.max(entries.length, 1); i++) {
    const chunk = entries.slice(i * perPart, (i + 1) * perPart);
    const archive = await writeTar(chunk);
    await ingest.put(partKey(bundleId, i), archive, { contentType: 'application/x-tar' });
    const listed: BundleFile[] = [];
    for (const entry of chunk) {
      listed.push({
        path: entry.path,
        size: entry.bytes.byteLength,
        sha256: toHex(await digest('sha256', entry.bytes)),
        part: i,
      });
    }
    everyFile.push(...listed);
    const list = await packPartFiles(bundleId, i, listed);
    await ingest.put(list.entry.key, list.body, { contentType: 'application/json' });
    parts.push({
      sha256: toHex(await digest('sha256', archive)),
      size: archive.byteLength,
      files: list.entry,
    });
  }
  const built = buildManifest({
    bundleId,
    createdAt: new Date(),
    parts,
    refused: [],
    waitForCdn: options.waitForCdn,
  });
  const manifest: BundleManifest =
    options.format === 1
      ? {
          ...built,
          format: MANIFEST_FORMAT_V1,
          parts: built.parts.map(({ key, sha256, size }) => ({ key, sha256, size })),
          files: everyFile,
        }
      : built;
  await ingest.put(manifestKey(bundleId), Buffer.from(JSON.stringify(manifest)), {
    contentType: 'application/json',
  });
  return bundleId;
}

/** Puts a withdrawal manifest (no parts) into an ingest store, as `ca-repo withdraw` does. */
export function putWithdrawal(
  ingest: ObjectStore,
  withdraw: { url: string; force?: boolean }[],
  options: { bundleId?: string } = {},
): Promise<string> {
  return putWithdrawalManifest(ingest, options.bundleId ?? `test-${Date.now()}-${counter++}`, withdraw);
}

/** Every file a stored bundle's manifest lists, from its one list (format 1) or each part's (format 2). */
export async function listedFiles(ingest: ObjectStore, bundleId: string): Promise<BundleFile[]> {
  const text = (object: { body: Uint8Array } | undefined) => Buffer.from(object!.body).toString('utf8');
  const manifest = parseManifest(text(await ingest.get(manifestKey(bundleId))), bundleId);
  if (manifest.files) return manifest.files;
  const files: BundleFile[] = [];
  for (const [part, { files: list }] of manifest.parts.entries()) {
    files.push(...parsePartFiles(text(await ingest.get(list!.key)), { bundleId, part, count: list!.count }));
  }
  return files;
}

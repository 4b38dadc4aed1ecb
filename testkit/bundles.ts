/**
 * Puts a bundle into an ingest store exactly as the uploader CLI does (tar parts + manifest last),
 * from an in-memory map of path → bytes.
 */
import { buildManifest } from '../onprem/bundle-packer.ts';
import { digest, toHex } from '../lambda/core/encoding/bytes.ts';
import { manifestKey, partKey, type BundleFile } from '../lambda/core/publish/bundle.ts';
import { writeTar } from '../lambda/core/encoding/tar-archive.ts';
import type { ObjectStore } from '../lambda/storage/object-store.ts';

let counter = 0;

export async function putBundle(
  ingest: ObjectStore,
  files: Record<string, Uint8Array | string>,
  options: { bundleId?: string; filesPerPart?: number; waitForCdn?: boolean } = {},
): Promise<string> {
  const bundleId = options.bundleId ?? `test-${Date.now()}-${counter++}`;
  const entries = Object.entries(files).map(([path, content]) => ({
    path,
    bytes: typeof content === 'string' ? new Uint8Array(Buffer.from(content)) : content,
  }));
  const perPart = options.filesPerPart ?? entries.length;
  const parts: { sha256: string; size: number }[] = [];
  const listed: BundleFile[] = [];
  for (let i = 0; i * perPart < Math.max(entries.length, 1); i++) {
    const chunk = entries.slice(i * perPart, (i + 1) * perPart);
    const archive = await writeTar(chunk);
    await ingest.put(partKey(bundleId, i), archive, { contentType: 'application/x-tar' });
    parts.push({ sha256: toHex(await digest('sha256', archive)), size: archive.byteLength });
    for (const entry of chunk) {
      listed.push({
        path: entry.path,
        size: entry.bytes.byteLength,
        sha256: toHex(await digest('sha256', entry.bytes)),
        part: i,
      });
    }
  }
  const manifest = buildManifest({
    bundleId,
    createdAt: new Date(),
    parts,
    files: listed,
    refused: [],
    waitForCdn: options.waitForCdn,
  });
  await ingest.put(manifestKey(bundleId), Buffer.from(JSON.stringify(manifest)), {
    contentType: 'application/json',
  });
  return bundleId;
}

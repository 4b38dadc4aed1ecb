/**
 * A bundle is what the on-prem uploader pushes in one go: a few tar archives ("parts") and a
 * manifest written last, so the publish starts only when every part is in place (the manifest's
 * ObjectCreated event is the trigger). The manifest carries each file's SHA-256 so a part damaged
 * in transit is refused instead of published. Layout in the ingest store:
 *
 *   bundles/<bundleId>/part-0001.tar ...   bundles/<bundleId>/manifest.json   receipts/<bundleId>.json
 *   results/<bundleId>/part-0001.json ... (fan-out only: each worker's verdicts, merged by the last)
 */
import { MAX_ENTRY_BYTES } from '../encoding/tar-archive.ts';
import { RejectedError, requireThat } from '../rejection.ts';

/**
 * Sizes checked before anything is read (the gate holds what it reads in memory): a manifest
 * listing about four million files, a part holding one largest file with its signature.
 */
export const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;
export const MAX_PART_BYTES = MAX_ENTRY_BYTES + 64 * 1024 * 1024;
export { MAX_ENTRY_BYTES };

/** Written by the uploader into every manifest; every manifest written so far carries it. */
export const MANIFEST_FORMAT = 'ca-repo-bundle/1';
const BUNDLE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface BundlePart {
  key: string;
  sha256: string;
  size: number;
}

export interface BundleFile {
  /** Path relative to the bundle root, `/`-separated. */
  path: string;
  size: number;
  sha256: string;
  /** Index into `parts`. */
  part: number;
}

export interface BundleManifest {
  format: typeof MANIFEST_FORMAT;
  bundleId: string;
  createdAt: string;
  parts: BundlePart[];
  files: BundleFile[];
  /** Files the uploader refused before upload (links, unreadable files), so the receipt names them. */
  refused?: { path: string; reason: string }[];
  /**
   * `false` (`ca-repo publish --no-wait`): the publisher writes the receipt without waiting for
   * the CDN to complete its invalidation. Absent: it waits, so the receipt means served.
   */
  waitForCdn?: boolean;
}

export function manifestKey(bundleId: string): string {
  return `bundles/${bundleId}/manifest.json`;
}

export function partKey(bundleId: string, index: number): string {
  return `bundles/${bundleId}/part-${String(index + 1).padStart(4, '0')}.tar`;
}

/** Where a publish worker records one part's verdicts: outside `bundles/`, which the uploader writes. */
export function partResultKey(bundleId: string, part: number): string {
  return `results/${bundleId}/part-${String(part + 1).padStart(4, '0')}.json`;
}

export function receiptKey(bundleId: string): string {
  return `receipts/${bundleId}.json`;
}

/** The bundle ID of a manifest key, or undefined for any other key (parts, receipts). */
export function bundleIdOfManifestKey(key: string): string | undefined {
  const match = /^bundles\/([^/]+)\/manifest\.json$/.exec(key);
  return match?.[1] && BUNDLE_ID.test(match[1]) ? match[1] : undefined;
}

export function isValidBundleId(id: string): boolean {
  return BUNDLE_ID.test(id);
}

/** Parses and checks a manifest; every problem is a RejectedError naming the field. */
export function parseManifest(text: string, expectedBundleId: string): BundleManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RejectedError('manifest.json is not JSON');
  }
  const m = value as Partial<BundleManifest>;
  requireThat(m && typeof m === 'object', 'manifest.json is not an object');
  requireThat(m.format === MANIFEST_FORMAT, `manifest format must be ${MANIFEST_FORMAT}`);
  requireThat(m.bundleId === expectedBundleId, 'manifest bundleId does not match its location');
  requireThat(Array.isArray(m.parts) && Array.isArray(m.files), 'manifest needs parts and files arrays');
  m.parts.forEach((part, i) => {
    requireThat(
      part && part.key === partKey(expectedBundleId, i) && /^[0-9a-f]{64}$/.test(part.sha256 ?? ''),
      `manifest parts[${i}] is malformed`,
    );
    requireThat(
      isSize(part.size, MAX_PART_BYTES),
      `manifest parts[${i}] size must be a whole number of bytes up to ${MAX_PART_BYTES}`,
    );
  });
  requireThat(
    m.waitForCdn === undefined || typeof m.waitForCdn === 'boolean',
    'manifest waitForCdn must be true or false',
  );
  const seen = new Set<string>();
  m.files.forEach((file, i) => {
    requireThat(
      file &&
        typeof file.path === 'string' &&
        /^[0-9a-f]{64}$/.test(file.sha256 ?? '') &&
        Number.isInteger(file.part) &&
        file.part >= 0 &&
        file.part < (m.parts?.length ?? 0),
      `manifest files[${i}] is malformed`,
    );
    requireThat(
      isSize(file.size, MAX_ENTRY_BYTES),
      `manifest files[${i}] size must be a whole number of bytes up to ${MAX_ENTRY_BYTES}`,
    );
    requireThat(!seen.has(file.path), `manifest names ${file.path} twice`);
    seen.add(file.path);
  });
  return m as BundleManifest;
}

function isSize(value: unknown, max: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max;
}

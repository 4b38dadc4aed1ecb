/**
 * A bundle is what the on-prem uploader pushes in one go: a few tar archives ("parts") and a
 * manifest written last, so the publish starts only when every part is in place (the manifest's
 * ObjectCreated event is the trigger). The manifest carries each file's SHA-256 so a part damaged
 * in transit is refused instead of published. Layout in the ingest store:
 *
 *   bundles/<bundleId>/part-0001.tar ...   bundles/<bundleId>/manifest.json   receipts/<bundleId>.json
 *   bundles/<bundleId>/part-0001.files.json ...   (format 2: each part's file list, part-files.ts)
 *   results/<bundleId>/part-0001.json ...   (each part's verdicts, merged by the worker that finishes)
 *   receipts/<bundleId>/files-0001.ndjson ...   (each part's per-file verdicts, receipt-files.ts)
 *
 * Format 2 lists each part's files in an object of its own, so the dispatcher reads only the
 * parts and each worker only its own part's files: memory does not grow with the bundle (a
 * 2,000,000-response refresh's format-1 manifest is about 275 MB, parsed by every worker).
 * Format 1 manifests (one `files` array) are still read.
 */
import { MAX_ENTRY_BYTES } from '../encoding/tar-archive.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import { parseWithdrawals, type Withdrawal } from './withdrawal.ts';

/**
 * Sizes checked before anything is read (the gate holds what it reads in memory): a manifest
 * listing about four million files, a part holding one largest file with its signature.
 */
export const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;
export const MAX_PART_BYTES = MAX_ENTRY_BYTES + 64 * 1024 * 1024;
/** A part's file list (format 2): about 100,000 files of one part. */
export const MAX_PART_FILES_BYTES = 16 * 1024 * 1024;
export { MAX_ENTRY_BYTES };

/** Written by the uploader into every manifest since per-part file lists. */
export const MANIFEST_FORMAT = 'ca-repo-bundle/2';
/** One `files` array for the whole bundle; still read, no longer written. */
export const MANIFEST_FORMAT_V1 = 'ca-repo-bundle/1';
const BUNDLE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface BundlePart {
  key: string;
  sha256: string;
  size: number;
  /** Format 2: the object listing this part's files (part-files.ts), checked by its SHA-256. */
  files?: { key: string; sha256: string; size: number; count: number };
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
  format: typeof MANIFEST_FORMAT | typeof MANIFEST_FORMAT_V1;
  bundleId: string;
  createdAt: string;
  parts: BundlePart[];
  /** Format 1 only: every file of the bundle. */
  files?: BundleFile[];
  /** Files the uploader refused before upload (links, unreadable files), so the receipt names them. */
  refused?: { path: string; reason: string }[];
  /**
   * Served URLs to withdraw (`ca-repo withdraw`; withdrawal.ts). Optional, so every earlier
   * manifest stays valid; a manifest carrying withdrawals carries no parts or files, so the gate
   * judges them once, in the invocation that finishes the bundle.
   */
  withdraw?: Withdrawal[];
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
  return `bundles/${bundleId}/part-${partNumber(index)}.tar`;
}

/** Format 2: where the uploader lists one part's files. */
export function partFilesKey(bundleId: string, index: number): string {
  return `bundles/${bundleId}/part-${partNumber(index)}.files.json`;
}

/** Where the publisher lists one part's per-file verdicts for the uploader (receipt-files.ts). */
export function receiptFilesKey(bundleId: string, part: number): string {
  return `receipts/${bundleId}/files-${partNumber(part)}.ndjson`;
}

function partNumber(index: number): string {
  return String(index + 1).padStart(4, '0');
}

/** Where a publish worker records one part's verdicts: outside `bundles/`, which the uploader writes. */
export function partResultKey(bundleId: string, part: number): string {
  return `results/${bundleId}/part-${partNumber(part)}.json`;
}

/**
 * Where a fan-out worker claims an OCSP store key for one file of the bundle, so two parts cannot
 * both answer one CertID: created only if absent, holding the claiming file's path.
 */
export function certIdClaimKey(bundleId: string, ocspKey: string): string {
  return `results/${bundleId}/certids/${ocspKey}`;
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

/** Parses and checks a manifest (format 1 or 2); every problem is a RejectedError naming the field. */
export function parseManifest(text: string, expectedBundleId: string): BundleManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RejectedError('manifest.json is not JSON');
  }
  const m = value as Partial<BundleManifest>;
  requireThat(m && typeof m === 'object', 'manifest.json is not an object');
  requireThat(
    m.format === MANIFEST_FORMAT || m.format === MANIFEST_FORMAT_V1,
    `manifest format must be ${MANIFEST_FORMAT} or ${MANIFEST_FORMAT_V1}`,
  );
  requireThat(m.bundleId === expectedBundleId, 'manifest bundleId does not match its location');
  const v1 = m.format === MANIFEST_FORMAT_V1;
  requireThat(
    Array.isArray(m.parts) && (!v1 || Array.isArray(m.files)),
    v1 ? 'manifest needs parts and files arrays' : 'manifest needs a parts array',
  );
  m.parts.forEach((part, i) => {
    requireThat(
      part && part.key === partKey(expectedBundleId, i) && isSha256(part.sha256),
      `manifest parts[${i}] is malformed`,
    );
    requireThat(
      isSize(part.size, MAX_PART_BYTES),
      `manifest parts[${i}] size must be a whole number of bytes up to ${MAX_PART_BYTES}`,
    );
    if (v1) return;
    const list = part.files;
    requireThat(
      list !== undefined &&
        list.key === partFilesKey(expectedBundleId, i) &&
        isSha256(list.sha256) &&
        isSize(list.size, MAX_PART_FILES_BYTES) &&
        isSize(list.count, Number.MAX_SAFE_INTEGER),
      `manifest parts[${i}].files must name ${partFilesKey(expectedBundleId, i)} with its sha256, size (up to ${MAX_PART_FILES_BYTES}) and count`,
    );
  });
  if (v1) checkFiles(m.files ?? [], m.parts.length);
  if (m.withdraw !== undefined) {
    m.withdraw = parseWithdrawals(m.withdraw);
    requireThat(
      m.withdraw.length === 0 || (m.parts.length === 0 && (m.files ?? []).length === 0),
      'a manifest that withdraws URLs carries no parts or files: withdraw and publish in two bundles',
    );
  }
  requireThat(
    m.waitForCdn === undefined || typeof m.waitForCdn === 'boolean',
    'manifest waitForCdn must be true or false',
  );
  return m as BundleManifest;
}

/** Format 1's files: each well-formed, in a part that exists, named once. */
function checkFiles(files: BundleFile[], parts: number): void {
  const seen = new Set<string>();
  files.forEach((file, i) => {
    requireThat(
      file &&
        typeof file.path === 'string' &&
        isSha256(file.sha256) &&
        Number.isInteger(file.part) &&
        file.part >= 0 &&
        file.part < parts,
      `manifest files[${i}] is malformed`,
    );
    requireThat(
      isSize(file.size, MAX_ENTRY_BYTES),
      `manifest files[${i}] size must be a whole number of bytes up to ${MAX_ENTRY_BYTES}`,
    );
    requireThat(!seen.has(file.path), `manifest names ${file.path} twice`);
    seen.add(file.path);
  });
}

/** How many files the manifest lists (format 2 counts each part's list). */
export function manifestFileCount(manifest: BundleManifest): number {
  if (manifest.files) return manifest.files.length;
  return manifest.parts.reduce((n, part) => n + (part.files?.count ?? 0), 0);
}

function isSha256(value: unknown): boolean {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

function isSize(value: unknown, max: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max;
}

/**
 * The receipt the publish gate writes for every bundle (ingest store, `receipts/<bundle>.json`):
 * the uploader's only answer from the cloud, so its shape is a contract between both sides.
 */
import { RejectedError, requireThat } from '../rejection.ts';
import type { ArtifactKind, RecordedKind } from './artifact-kind.ts';

/** Written into every receipt that lists each file; readers take an unlabelled receipt as this format. */
export const RECEIPT_FORMAT = 'ca-repo-receipt/1';
/**
 * A receipt too large to list each accepted file (receipt-tally.ts RECEIPT_LISTED_FILES): no
 * `accepted` or `replaced` lists, a `summary` and the per-file objects in `files` instead. Its own
 * format, so a reader of format 1 refuses it rather than read "nothing accepted".
 */
export const RECEIPT_FORMAT_SUMMARISED = 'ca-repo-receipt/2';

/** Accepted files counted by kind, then by what the publish did with each (its `change`). */
export interface ReceiptSummary {
  accepted: number;
  rejected: number;
  /** kind → change → files; change is `unchanged`, `new` or `replaced` (`written` where not told apart). */
  byKind: Record<string, Record<string, number>>;
  /** Object keys whose served content changed. */
  replaced: number;
  /** Whether `accepted` and `replaced` list every file and key (format 1), or only count them. */
  listed: boolean;
}

export interface AcceptedFile {
  file: string;
  kind: ArtifactKind | RecordedKind;
  /** Path-absolute URL on the repository (the OCSP endpoint for OCSP responses; for an evidence
   * certificate, never served, the CRL it is evidence for). */
  url: string;
  /** The same bytes were already served: nothing was written. */
  unchanged?: boolean;
  /** Lint warnings: published, but short of the CA's profile (core/crl/lints). */
  warnings?: string[];
  /** What the file did to the repository; absent from receipts written before it (see changeOf). */
  change?: FileChange;
}

/**
 * A file's change: `new` (written where nothing was served), `replaced` (served bytes replaced),
 * `unchanged` (these bytes were already served; nothing was written).
 */
export type FileChange = 'new' | 'replaced' | 'unchanged';

/**
 * An accepted file's change, also for a receipt written before `change` existed: `unchanged`
 * from its flag, `replaced` when its URL's key is among the receipt's replaced keys, else `new`
 * (an OCSP response replaced under its CertID keys reads as `new` there).
 */
export function changeOf(file: AcceptedFile, replacedKeys: readonly string[] = []): FileChange {
  if (file.change) return file.change;
  if (file.unchanged) return 'unchanged';
  return replacedKeys.includes(file.url.replace(/^\//, '')) ? 'replaced' : 'new';
}

/**
 * The files' changes from what their verdict writes: a file whose bytes were all served already
 * is `unchanged`; one with a write replacing a served object `replaced`; otherwise `new`. A write
 * belongs to the accepted file at its key, or, when no accepted file is at its key (an OCSP
 * response is stored by CertID), to every accepted file that is at none of the written keys.
 */
export function withChanges(
  accepted: readonly AcceptedFile[],
  writes: readonly { key: string; replaces: boolean }[],
): AcceptedFile[] {
  const files = new Set(accepted.map((a) => a.file));
  return accepted.map((a) => {
    if (a.unchanged) return { ...a, change: 'unchanged' };
    const own = writes.filter((w) => w.key === a.file || !files.has(w.key));
    return { ...a, unchanged: false, change: own.some((w) => w.replaces) ? 'replaced' : 'new' };
  });
}

/** The CDN invalidation a publish made, and whether the publisher saw it complete. */
export interface ReceiptInvalidation {
  /** The CDN's id for it (CloudFront's invalidation ID; the local CDN's own). */
  id: string;
  /** When the publisher saw the CDN report it complete; absent when it did not wait or gave up. */
  completedAt?: string;
  /** Why completion is not recorded although the uploader asked to wait (one line). */
  incomplete?: string;
}

export interface RejectedFile {
  file: string;
  reason: string;
}

export interface Receipt {
  format: typeof RECEIPT_FORMAT | typeof RECEIPT_FORMAT_SUMMARISED;
  bundleId: string;
  status: 'completed' | 'failed';
  receivedAt: string;
  completedAt: string;
  accepted: AcceptedFile[];
  rejected: RejectedFile[];
  /** Object keys whose served content changed. */
  replaced: string[];
  /** CDN paths invalidated after the publish (replaced URLs; OCSP keys whose status changed). */
  invalidated: string[];
  /** URLs withdrawn (`ca-repo withdraw`): now noncurrent versions, out of the index. */
  withdrawn?: string[];
  /** The publish runs whose writes this receipt settles (left-invalidation.ts); absent on older receipts. */
  runs?: string[];
  /** The invalidation of `invalidated` (absent when nothing was invalidated, and in older receipts). */
  invalidation?: ReceiptInvalidation;
  /**
   * Seconds the edge may still answer an OCSP POST from a response cached before this publish
   * (core/contract/edge-post-cache.ts), when the publish changed what a POST answers: the uploader
   * waits them out after reading the receipt before it reports the files served.
   */
  postCacheSeconds?: number;
  /** Why the bundle as a whole failed (status 'failed'). */
  error?: string;
  /**
   * Ingest parts the gate deleted on reading them because a file in them holds private key
   * material (an uploader without the pre-flight): the part's other files were still judged.
   */
  deletedParts?: DeletedPart[];
  /** Counts by kind and change (always written since format 2 exists; required in format 2). */
  summary?: ReceiptSummary;
  /** The per-file verdicts, one NDJSON object per part (receipt-files.ts). */
  files?: { keys: string[] };
}

/** An ingest part deleted because it held key material, and the files in it that did. */
export interface DeletedPart {
  key: string;
  keyMaterial: string[];
}

/** Reads a stored receipt; a receipt this code cannot read is a RejectedError naming why. */
export function parseReceipt(text: string): Receipt {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RejectedError('receipt is not JSON');
  }
  const r = value as Partial<Omit<Receipt, 'format'>> & { format?: unknown };
  requireThat(r && typeof r === 'object', 'receipt is not an object');
  const format = r.format ?? RECEIPT_FORMAT;
  requireThat(
    format === RECEIPT_FORMAT || format === RECEIPT_FORMAT_SUMMARISED,
    `receipt format ${String(format)} is not ${RECEIPT_FORMAT} or ${RECEIPT_FORMAT_SUMMARISED}`,
  );
  requireThat(
    r.status === 'completed' || r.status === 'failed',
    'receipt status is neither completed nor failed',
  );
  if (format === RECEIPT_FORMAT_SUMMARISED) {
    requireThat(
      typeof r.bundleId === 'string' && Array.isArray(r.rejected) && typeof r.summary === 'object',
      'receipt needs a bundleId, a rejected list and a summary',
    );
    // The lists are not in a summarised receipt: empty here, counted in `summary`.
    return { ...r, accepted: [], replaced: [], format } as Receipt;
  }
  requireThat(
    typeof r.bundleId === 'string' && Array.isArray(r.accepted) && Array.isArray(r.rejected),
    'receipt needs a bundleId and accepted and rejected lists',
  );
  return { ...r, format: RECEIPT_FORMAT } as Receipt;
}

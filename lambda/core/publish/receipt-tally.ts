/**
 * The books of a whole bundle, folded one part result at a time: what the receipt says, the index
 * changes and the CDN paths owed, in memory bounded by what the receipt lists rather than by the
 * bundle. Up to RECEIPT_LISTED_FILES accepted files the receipt lists each one (format 1, as
 * always); past it the receipt counts them by kind and change and names the per-file objects
 * (format 2, receipt.ts), so a 2,000,000-response refresh answers in a few kilobytes. Every
 * rejection is always listed: those are what the operator must act on.
 */
import { InvalidationTally } from './invalidation-tally.ts';
import type { PartResult } from './part-result.ts';
import {
  RECEIPT_FORMAT,
  RECEIPT_FORMAT_SUMMARISED,
  type AcceptedFile,
  type DeletedPart,
  changeOf,
  type Receipt,
  type ReceiptInvalidation,
  type ReceiptSummary,
  type RejectedFile,
} from './receipt.ts';
import { addIndexChanges, hasIndexChanges, noIndexChanges, type IndexChanges } from './repository-index.ts';

/** Above this many accepted files (or replaced keys) the receipt summarises instead of listing. */
export const RECEIPT_LISTED_FILES = 10_000;

export class ReceiptTally {
  private accepted: AcceptedFile[] | undefined = [];
  private replaced: Set<string> | undefined = new Set();
  private readonly rejected: RejectedFile[] = [];
  private acceptedCount = 0;
  private replacedCount = 0;
  private readonly byKind: Record<string, Record<string, number>> = {};
  private readonly changes: IndexChanges = noIndexChanges();
  private readonly paths: InvalidationTally;
  private invalidatedPaths: string[] = [];
  private invalidationRecord: ReceiptInvalidation | undefined;
  private postCacheSeconds = 0;
  private readonly withdrawnUrls: string[] = [];
  /** The publish runs whose writes this receipt's invalidation settles (left-invalidation.ts). */
  private readonly runs = new Set<string>();
  private readonly deleted: DeletedPart[] = [];

  constructor(
    readonly bundleId: string,
    private readonly receivedAt: Date,
    options: { maxInvalidationPaths?: number; maxListed?: number } = {},
  ) {
    this.paths = new InvalidationTally(options.maxInvalidationPaths);
    this.maxListed = options.maxListed ?? RECEIPT_LISTED_FILES;
  }

  private readonly maxListed: number;

  /** Folds one part's verdicts in; the part result can be dropped afterwards. */
  addPart(result: Omit<PartResult, 'format'>): void {
    for (const r of result.rejected) this.reject(r.file, r.reason);
    for (const file of result.accepted) {
      this.acceptedCount++;
      const counts = (this.byKind[file.kind] ??= {});
      const change = changeOf(file, result.replaced);
      counts[change] = (counts[change] ?? 0) + 1;
      this.accepted?.push(file);
    }
    if (this.accepted && this.accepted.length > this.maxListed) this.accepted = undefined;
    // Keys are distinct within a part; two parts never write one key (conditional writes).
    this.replacedCount += result.replaced.length;
    for (const key of result.replaced) this.replaced?.add(key);
    if (this.replaced && this.replaced.size > this.maxListed) this.replaced = undefined;
    addIndexChanges(this.changes, result.changes);
    for (const path of result.changed) this.paths.add(path);
    for (const id of result.runs ?? []) this.runs.add(id);
    this.deleted.push(...(result.deletedParts ?? []));
  }

  /** A withdrawal the gate carried out: the URL leaves the index and its cached copies go. */
  withdrawn(url: string, invalidatePath: string): void {
    this.withdrawnUrls.push(url);
    addIndexChanges(this.changes, { removed: [url] });
    this.paths.add(invalidatePath);
  }

  reject(file: string, reason: string): void {
    this.rejected.push({ file, reason });
  }

  hasIndexChanges(): boolean {
    return hasIndexChanges(this.changes);
  }

  indexChanges(): IndexChanges {
    return this.changes;
  }

  /** The CDN paths to invalidate: exact while few, else one wildcard (invalidation.ts). */
  invalidationPlan(): string[] {
    return this.paths.plan();
  }

  /** Paths owed an invalidation by the finishing step itself (the index it rewrote). */
  changedPaths(...paths: string[]): void {
    for (const path of paths) this.paths.add(path);
  }

  invalidated(paths: string[], invalidation?: ReceiptInvalidation): void {
    this.invalidatedPaths = paths;
    this.invalidationRecord = invalidation;
  }

  /** The edge's POST answer cache may still hold an answer from before this publish for this long. */
  postCacheOutlives(seconds: number): void {
    this.postCacheSeconds = Math.max(this.postCacheSeconds, seconds);
  }

  finish(
    status: Receipt['status'],
    completedAt: Date,
    options: { error?: string; fileKeys?: string[] } = {},
  ): Receipt {
    const byFile = (a: { file: string }, b: { file: string }) => a.file.localeCompare(b.file);
    const summary: ReceiptSummary = {
      accepted: this.acceptedCount,
      rejected: this.rejected.length,
      byKind: this.byKind,
      replaced: this.replacedCount,
      listed: this.accepted !== undefined && this.replaced !== undefined,
    };
    const listed = this.accepted !== undefined && this.replaced !== undefined;
    return {
      format: listed ? RECEIPT_FORMAT : RECEIPT_FORMAT_SUMMARISED,
      bundleId: this.bundleId,
      status,
      receivedAt: this.receivedAt.toISOString(),
      completedAt: completedAt.toISOString(),
      // Empty in a summarised receipt, as parseReceipt reads one; the stored one omits them.
      accepted: listed ? [...this.accepted!].sort(byFile) : [],
      replaced: listed ? [...this.replaced!].sort() : [],
      rejected: [...this.rejected].sort(byFile),
      invalidated: this.invalidatedPaths,
      ...(this.invalidationRecord ? { invalidation: this.invalidationRecord } : {}),
      ...(this.postCacheSeconds > 0 ? { postCacheSeconds: this.postCacheSeconds } : {}),
      ...(this.withdrawnUrls.length > 0 ? { withdrawn: [...this.withdrawnUrls].sort() } : {}),
      ...(this.runs.size > 0 ? { runs: [...this.runs].sort() } : {}),
      ...(this.deleted.length > 0
        ? { deletedParts: [...this.deleted].sort((a, b) => a.key.localeCompare(b.key)) }
        : {}),
      ...(options.error ? { error: options.error } : {}),
      summary,
      ...(options.fileKeys && options.fileKeys.length > 0 ? { files: { keys: options.fileKeys } } : {}),
    };
  }
}

/**
 * The books of one publish: verdicts as files are judged, keys replaced, CDN paths owed an
 * invalidation, index changes; and where they are kept in the ingest store (a fan-out worker's
 * part result, the receipt the uploader waits for).
 */
import { partResultKey, receiptKey } from '../../core/publish/bundle.ts';
import type { StoredReceipt } from '../../core/publish/left-invalidation.ts';
import {
  PART_RESULT_FORMAT,
  parsePartResult,
  serialisePartResult,
  type PartResult,
} from '../../core/publish/part-result.ts';
import {
  RECEIPT_FORMAT,
  parseReceipt,
  type AcceptedFile,
  type Receipt,
  type ReceiptInvalidation,
  type RejectedFile,
} from '../../core/publish/receipt.ts';
import {
  addIndexChanges,
  hasIndexChanges,
  noIndexChanges,
  type IndexChanges,
} from '../../core/publish/repository-index.ts';
import {
  mergeRevocationUpdates,
  readRevocationHistory,
  revocationHistoryKey,
  type RevocationHistory,
  type RevocationUpdate,
} from '../../core/publish/revocation-history.ts';
import type { PinnedCa } from '../../core/pki/trust-store.ts';
import { RejectedError } from '../../core/rejection.ts';
import type { ObjectHead, ObjectStore } from '../ports.ts';

/** The verdicts of one publish (a bundle, or one part of it in the fan-out), gathered as files are judged. */
export class PublishRun {
  private readonly acceptedFiles: AcceptedFile[] = [];
  private readonly rejectedFiles: RejectedFile[] = [];
  private readonly replacedKeys = new Set<string>();
  private readonly changed = new Set<string>();
  private invalidatedPaths: string[] = [];
  private invalidationRecord: ReceiptInvalidation | undefined;
  private postCacheSeconds = 0;
  private readonly claims = new Map<string, string>();
  private readonly heads = new Map<string, Promise<ObjectHead | undefined>>();
  private readonly receipts = new Map<string, Promise<StoredReceipt | undefined>>();
  private readonly changes: IndexChanges = noIndexChanges();
  private revocations: RevocationUpdate[] = [];
  private histories = new Map<string, Promise<RevocationHistory>>();

  constructor(
    readonly bundleId: string,
    private readonly receivedAt: Date,
  ) {}

  /**
   * What the repository serves at a key before this publish writes it, asked once per key: the
   * rollback rule, the no-op check and the invalidation decision all need it (3 HEADs → 1).
   */
  headOnce(key: string, repository: ObjectStore): Promise<ObjectHead | undefined> {
    let head = this.heads.get(key);
    if (!head) {
      head = repository.head(key);
      this.heads.set(key, head);
    }
    return head;
  }

  /** A CA's stored revocation history, read and parsed once until the run records its own updates. */
  historyOnce(ca: PinnedCa, repository: ObjectStore): Promise<RevocationHistory> {
    const key = revocationHistoryKey(ca.fingerprints.sha256);
    let history = this.histories.get(key);
    if (!history) {
      history = repository.get(key).then((stored) => readRevocationHistory(stored?.body, ca.subject));
      this.histories.set(key, history);
    }
    return history;
  }

  forgetHead(key: string): void {
    this.heads.delete(key);
  }

  /** A bundle's stored receipt (status, and when the store wrote it), read once per run. */
  receiptOnce(bundleId: string, ingest: ObjectStore): Promise<StoredReceipt | undefined> {
    let receipt = this.receipts.get(bundleId);
    if (!receipt) {
      receipt = readStoredReceipt(ingest, bundleId);
      this.receipts.set(bundleId, receipt);
    }
    return receipt;
  }

  /** Claims a key for a file of this run; answers the file holding it when that is another. */
  claim(key: string, file: string): string | undefined {
    const owner = this.claims.get(key);
    if (owner && owner !== file) return owner;
    this.claims.set(key, file);
    return undefined;
  }

  reject(file: string, reason: string): void {
    this.rejectedFiles.push({ file, reason });
  }

  accept(verdict: {
    accepted: AcceptedFile[];
    changes: Partial<IndexChanges>;
    revocations?: RevocationUpdate[];
  }): void {
    this.acceptedFiles.push(...verdict.accepted);
    addIndexChanges(this.changes, verdict.changes);
    this.revocations.push(...(verdict.revocations ?? []));
  }

  /** The revocation history updates gathered since the last call, one per CA. */
  takeRevocations(): RevocationUpdate[] {
    const updates = mergeRevocationUpdates(this.revocations);
    this.revocations = [];
    this.histories = new Map();
    return updates;
  }

  replaced(key: string): void {
    this.replacedKeys.add(key);
  }

  changedPaths(...paths: string[]): void {
    for (const path of paths) this.changed.add(path);
  }

  pathsToInvalidate(): string[] {
    return [...this.changed];
  }

  invalidated(paths: string[], invalidation?: ReceiptInvalidation): void {
    this.invalidatedPaths = paths;
    this.invalidationRecord = invalidation;
  }

  /** The edge's POST answer cache may still hold an answer from before this publish for this long. */
  postCacheOutlives(seconds: number): void {
    this.postCacheSeconds = Math.max(this.postCacheSeconds, seconds);
  }

  hasIndexChanges(): boolean {
    return hasIndexChanges(this.changes);
  }

  indexChanges(): IndexChanges {
    return this.changes;
  }

  toPartResult(): PartResult {
    return {
      format: PART_RESULT_FORMAT,
      accepted: this.acceptedFiles,
      rejected: this.rejectedFiles,
      replaced: [...this.replacedKeys],
      changed: [...this.changed],
      changes: this.changes,
    };
  }

  static fromPartResults(bundleId: string, receivedAt: Date, results: readonly PartResult[]): PublishRun {
    const run = new PublishRun(bundleId, receivedAt);
    for (const result of results) {
      for (const r of result.rejected) run.reject(r.file, r.reason);
      run.accept(result);
      for (const key of result.replaced) run.replaced(key);
      run.changedPaths(...result.changed);
    }
    return run;
  }

  finish(status: Receipt['status'], completedAt: Date, error?: string): Receipt {
    const byFile = (a: { file: string }, b: { file: string }) => a.file.localeCompare(b.file);
    return {
      format: RECEIPT_FORMAT,
      bundleId: this.bundleId,
      status,
      receivedAt: this.receivedAt.toISOString(),
      completedAt: completedAt.toISOString(),
      accepted: [...this.acceptedFiles].sort(byFile),
      rejected: [...this.rejectedFiles].sort(byFile),
      replaced: [...this.replacedKeys].sort(),
      invalidated: this.invalidatedPaths,
      ...(this.invalidationRecord ? { invalidation: this.invalidationRecord } : {}),
      ...(this.postCacheSeconds > 0 ? { postCacheSeconds: this.postCacheSeconds } : {}),
      ...(error ? { error } : {}),
    };
  }
}

/** The error a failed receipt carries: a refusal's reason, or what to do about a store failure. */
export function describeFailure(error: unknown): string {
  if (error instanceof RejectedError) return error.message;
  return `store or internal error, nothing beyond the accepted files was changed; the bundle can be re-sent: ${
    (error as Error)?.message ?? String(error)
  }`;
}

export async function writeReceipt(ingest: ObjectStore, receipt: Receipt): Promise<Receipt> {
  await ingest.put(receiptKey(receipt.bundleId), Buffer.from(`${JSON.stringify(receipt, null, 2)}\n`), {
    contentType: 'application/json; charset=utf-8',
  });
  return receipt;
}

/** A receipt that cannot be read settles nothing: an invalidation stays owed. */
async function readStoredReceipt(ingest: ObjectStore, bundleId: string): Promise<StoredReceipt | undefined> {
  const object = await ingest.get(receiptKey(bundleId));
  if (!object) return undefined;
  try {
    const { status } = parseReceipt(Buffer.from(object.body).toString('utf8'));
    return { status, storedAt: object.lastModified };
  } catch (error) {
    if (error instanceof RejectedError) return undefined;
    throw error;
  }
}

export async function writePartResult(
  ingest: ObjectStore,
  bundleId: string,
  part: number,
  run: PublishRun,
): Promise<void> {
  await ingest.put(partResultKey(bundleId, part), Buffer.from(serialisePartResult(run.toPartResult())), {
    contentType: 'application/json',
  });
}

/** Every part's recorded result, or undefined while a part is still unrecorded. */
export async function readPartResults(
  ingest: ObjectStore,
  bundleId: string,
  parts: number,
): Promise<PartResult[] | undefined> {
  const results: PartResult[] = [];
  for (let part = 0; part < parts; part++) {
    const stored = await ingest.get(partResultKey(bundleId, part));
    if (!stored) return undefined;
    results.push(parsePartResult(Buffer.from(stored.body).toString('utf8')));
  }
  return results;
}

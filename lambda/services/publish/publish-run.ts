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
  type DeletedPart,
  type Receipt,
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
import { PreconditionFailedError, type ObjectHead, type ObjectStore } from '../ports.ts';

/** The verdicts of one publish (a bundle, or one part of it in the fan-out), gathered as files are judged. */
export class PublishRun {
  private readonly acceptedFiles: AcceptedFile[] = [];
  private readonly rejectedFiles: RejectedFile[] = [];
  private readonly replacedKeys = new Set<string>();
  private readonly changed = new Set<string>();
  private invalidatedPaths: string[] = [];
  private readonly withdrawnUrls: string[] = [];
  /** This run, recorded on every object it writes; then the runs of the part results merged in. */
  readonly runId = globalThis.crypto.randomUUID();
  private readonly runs = new Set<string>([this.runId]);
  private readonly claims = new Map<string, string>();
  private readonly heads = new Map<string, Promise<ObjectHead | undefined>>();
  private readonly receipts = new Map<string, Promise<StoredReceipt | undefined>>();
  private readonly changes: IndexChanges = noIndexChanges();
  private revocations: RevocationUpdate[] = [];
  private histories = new Map<string, Promise<RevocationHistory>>();
  private readonly deleted: DeletedPart[] = [];

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

  /**
   * Claims a key for a file of this run, then of the whole bundle when the run is one part of it
   * (claimInBundle); answers the file holding it when that is another.
   */
  async claim(key: string, file: string): Promise<string | undefined> {
    const owner = this.claims.get(key);
    if (owner && owner !== file) return owner;
    this.claims.set(key, file);
    return this.claimInBundle?.(key, file);
  }

  /** Set for a fan-out part: claims a key across the bundle's parts (publish-service.ts). */
  claimInBundle?: (key: string, file: string) => Promise<string | undefined>;

  /** An earlier run of this bundle whose owed invalidation this run makes. */
  settlesRun(runId: string): void {
    this.runs.add(runId);
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

  /** A withdrawal the gate carried out: the URL leaves the index and its cached copies go. */
  withdrawn(url: string, invalidatePath: string): void {
    this.withdrawnUrls.push(url);
    addIndexChanges(this.changes, { removed: [url] });
    this.changed.add(invalidatePath);
  }

  /** An ingest part deleted for holding key material. */
  deletedPart(part: DeletedPart): void {
    this.deleted.push(part);
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

  invalidated(paths: string[]): void {
    this.invalidatedPaths = paths;
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
      ...(this.deleted.length > 0 ? { deletedParts: this.deleted } : {}),
      runs: [...this.runs],
    };
  }

  static fromPartResults(bundleId: string, receivedAt: Date, results: readonly PartResult[]): PublishRun {
    const run = new PublishRun(bundleId, receivedAt);
    for (const result of results) {
      for (const r of result.rejected) run.reject(r.file, r.reason);
      run.accept(result);
      for (const key of result.replaced) run.replaced(key);
      run.changedPaths(...result.changed);
      for (const part of result.deletedParts ?? []) run.deletedPart(part);
      for (const id of result.runs ?? []) run.runs.add(id);
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
      ...(this.withdrawnUrls.length > 0 ? { withdrawn: [...this.withdrawnUrls].sort() } : {}),
      runs: [...this.runs].sort(),
      ...(error ? { error } : {}),
      ...(this.deleted.length > 0
        ? { deletedParts: [...this.deleted].sort((a, b) => a.key.localeCompare(b.key)) }
        : {}),
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

/** A bundle's receipt as stored, with the ETag a conditional rewrite names. */
export interface StoredReceiptObject {
  receipt: Receipt | undefined;
  etag: string;
}

/** The stored receipt (undefined receipt: present but unreadable), or undefined when there is none. */
export async function readReceiptObject(
  ingest: ObjectStore,
  bundleId: string,
): Promise<StoredReceiptObject | undefined> {
  const object = await ingest.get(receiptKey(bundleId));
  if (!object) return undefined;
  try {
    return { receipt: parseReceipt(Buffer.from(object.body).toString('utf8')), etag: object.etag };
  } catch (error) {
    if (error instanceof RejectedError) return { receipt: undefined, etag: object.etag };
    throw error;
  }
}

/**
 * Writes a bundle's receipt unless it is already completed: a completed receipt is final (the
 * uploader may have read it; a duplicate SQS delivery or S3 event must not rewrite it), and it is
 * answered instead. The write is conditional on what was read (created if absent, replaced only
 * as the failed or unreadable receipt that was there), so two finishing workers write one receipt.
 */
export async function writeReceipt(ingest: ObjectStore, receipt: Receipt): Promise<Receipt> {
  for (;;) {
    const stored = await readReceiptObject(ingest, receipt.bundleId);
    if (stored?.receipt?.status === 'completed') return stored.receipt;
    try {
      await ingest.put(receiptKey(receipt.bundleId), Buffer.from(`${JSON.stringify(receipt, null, 2)}\n`), {
        contentType: 'application/json; charset=utf-8',
        ...(stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' as const }),
      });
      return receipt;
    } catch (error) {
      // Another invocation wrote the receipt in between: read it again and decide again.
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
}

/** A receipt that cannot be read settles nothing: an invalidation stays owed. */
async function readStoredReceipt(ingest: ObjectStore, bundleId: string): Promise<StoredReceipt | undefined> {
  const object = await ingest.get(receiptKey(bundleId));
  if (!object) return undefined;
  try {
    const { status, runs } = parseReceipt(Buffer.from(object.body).toString('utf8'));
    return { status, storedAt: object.lastModified, ...(Array.isArray(runs) ? { runs } : {}) };
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

/**
 * The books of one part of a publish: verdicts as files are judged, keys replaced, CDN paths owed
 * an invalidation, index changes (folded over the bundle by core/publish/receipt-tally.ts); and the
 * receipt the uploader waits for, where it is kept in the ingest store.
 */
import { receiptKey } from '../../core/publish/bundle.ts';
import type { StoredReceipt } from '../../core/publish/left-invalidation.ts';
import { PART_RESULT_FORMAT, type PartResult } from '../../core/publish/part-result.ts';
import {
  RECEIPT_FORMAT_SUMMARISED,
  parseReceipt,
  type AcceptedFile,
  type DeletedPart,
  type Receipt,
  type RejectedFile,
} from '../../core/publish/receipt.ts';
import { addIndexChanges, noIndexChanges, type IndexChanges } from '../../core/publish/repository-index.ts';
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
import { CreateFirstPolicy } from './create-first.ts';

/** The verdicts of one publish (a bundle, or one part of it in the fan-out), gathered as files are judged. */
export class PublishRun {
  /** Whether this part's OCSP files are written as new without a HEAD first (create-first.ts). */
  readonly createFirst = new CreateFirstPolicy();
  private readonly acceptedFiles: AcceptedFile[] = [];
  private readonly rejectedFiles: RejectedFile[] = [];
  private readonly replacedKeys = new Set<string>();
  private readonly changed = new Set<string>();
  /** This run, recorded on every object it writes; then the earlier runs whose invalidation it owes. */
  readonly runId = globalThis.crypto.randomUUID();
  private readonly runs = new Set<string>([this.runId]);
  private readonly deleted: DeletedPart[] = [];
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

  /** An ingest part deleted for holding key material. */
  deletedPart(part: DeletedPart): void {
    this.deleted.push(part);
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
  // A summarised receipt (format 2) stores no per-file lists: they are in its `files` objects.
  const { accepted: _accepted, replaced: _replaced, ...rest } = receipt;
  const body = receipt.format === RECEIPT_FORMAT_SUMMARISED ? rest : receipt;
  for (;;) {
    const stored = await readReceiptObject(ingest, receipt.bundleId);
    if (stored?.receipt?.status === 'completed') return stored.receipt;
    try {
      await ingest.put(receiptKey(receipt.bundleId), Buffer.from(`${JSON.stringify(body, null, 2)}\n`), {
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

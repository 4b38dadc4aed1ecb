/**
 * The publish gate: takes a bundle from the ingest store, gives every file a verdict, promotes the
 * accepted ones to the repository store, updates the index and writes a receipt. What each kind of
 * artifact must satisfy and what it writes is decided in core/publish/kinds (one module per kind);
 * this service reads the stores for them, writes in order and keeps the books (publish-run.ts).
 *
 * Order of writes is the consistency argument: artifacts first, then index.json / index.html, then
 * the receipt. A crash or store failure at any point leaves only complete, validated objects
 * served (each S3 PUT is atomic), and re-running the bundle converges: identical bytes are an
 * idempotent no-op (except for a CDN invalidation the stopped run still owed, which the re-run
 * makes: core/publish/left-invalidation.ts) and the index merge is keyed by URL.
 */
import { digest, toHex } from '../../core/encoding/bytes.ts';
import { readTar, type TarEntry } from '../../core/encoding/tar-archive.ts';
import {
  bundleIdOfManifestKey,
  certIdClaimKey,
  partResultKey,
  type BundleFile,
  type BundleManifest,
} from '../../core/publish/bundle.ts';
import type {
  AssessContext,
  CandidateFile,
  PublishSettings,
} from '../../core/publish/kinds/artifact-kind-module.ts';
import { candidateFile, companionsOf, judge } from '../../core/publish/kinds/registry.ts';
import { isSettledBy, pendingInvalidation } from '../../core/publish/left-invalidation.ts';
import { withChanges, type Receipt, type ReceiptInvalidation } from '../../core/publish/receipt.ts';
import { ReceiptTally } from '../../core/publish/receipt-tally.ts';
import { OCSP_STORE_PREFIX } from '../../core/ocsp/ocsp-object-key.ts';
import {
  DEFAULT_INDEX_TITLE,
  mergeIndex,
  parseIndex,
  renderIndexHtml,
  serialiseIndex,
  type IndexChanges,
  type RepositoryIndex,
} from '../../core/publish/repository-index.ts';
import { readServedMetadata, type ServedHead } from '../../core/publish/served-object.ts';
import {
  applyRevocationUpdate,
  readRevocationHistory,
  revocationHistoryKey,
  serialiseRevocationHistory,
} from '../../core/publish/revocation-history.ts';
import type { ObjectWrite } from '../../core/publish/write-plan.ts';
import { judgeWithdrawal, withdrawalKey, type Withdrawal } from '../../core/publish/withdrawal.ts';
import type { CaPolicies } from '../../core/publish/ca-policy.ts';
import { DEFAULT_POLICY, type ValidationPolicy } from '../../core/policy.ts';
import { RejectedError } from '../../core/rejection.ts';
import type { TrustStore } from '../../core/pki/trust-store.ts';
import {
  CONTENT_TYPES,
  DEFAULT_CACHE_CAPS,
  cacheControlFor,
  type CacheCaps,
} from '../../core/serving/cache-policy.ts';
import { forEachWithConcurrency } from '../concurrency.ts';
import { PreconditionFailedError, type CdnInvalidator, type Clock, type ObjectStore } from '../ports.ts';
import { PublishRun, describeFailure, readReceiptObject, writeReceipt } from './publish-run.ts';
import { updateConditionally } from './conditional-update.ts';
import { CreateFirstPolicy } from './create-first.ts';
import { OcspStateBook } from './ocsp-state-book.ts';
import { filesOfPart, readManifest } from './bundle-source.ts';
import { foldPartResults, receiptFileKeys, recordPart } from './part-books.ts';
import { writeCrlDisclosure } from './crl-disclosure-writer.ts';
import { crlDisclosureLinks } from '../../core/publish/crl-disclosure.ts';

export interface PublishServiceProps {
  ingest: ObjectStore;
  repository: ObjectStore;
  trust: TrustStore;
  clock: Clock;
  policy?: ValidationPolicy;
  cacheCaps?: CacheCaps;
  /** Path of the OCSP endpoint as relying parties see it. Default `/ocsp`. */
  ocspUrl?: string;
  /** Public base URLs (`http://repo.example.jp`), the primary first: absolute CRL URLs, IDP checks. */
  publicBaseUrls?: readonly string[];
  /** Each pinned CA's lint profile, CRL scope and retirement, by CA SHA-256. */
  caPolicies?: CaPolicies;
  /** Title of index.html. */
  title?: string;
  /** Files validated and written in parallel. */
  concurrency?: number;
  /** The CDN in front of the repository; cached copies of replaced objects are invalidated. */
  cdn?: CdnInvalidator;
  /** Above this many changed paths, one wildcard is invalidated instead. */
  maxInvalidationPaths?: number;
  /** Above this many accepted files the receipt counts instead of listing (receipt-tally.ts). */
  receiptListedFiles?: number;
  /**
   * How long the publisher waits for the CDN to complete an invalidation before it writes the
   * receipt (default 240 s), shortened to what the invocation has left; a bundle may ask not to wait.
   */
  cdnWaitSeconds?: number;
  /**
   * How long the edge may still answer an OCSP POST from its memory, which no invalidation reaches
   * (core/contract/edge-post-cache.ts): EDGE_POST_CACHE_SECONDS in AWS; 0 (the default) where the
   * CDN's invalidation also clears the edge's memory, as the local CDN's does.
   */
  edgePostCacheSeconds?: number;
}

/** The paths the index is served at (`/`: the distribution's default root object, index.html). */
export const INDEX_PATHS = ['/', '/index.html', '/index.json'] as const;
const DEFAULT_CDN_WAIT_SECONDS = 240;
/** Left of an invocation's time for the receipt after the wait. */
const RECEIPT_MARGIN_MS = 15_000;

/** How often one file is re-judged after losing a conditional-write race. */
const MAX_WRITE_ATTEMPTS = 3;

export class PublishService {
  private readonly settings: PublishSettings;
  private readonly concurrency: number;

  constructor(private readonly props: PublishServiceProps) {
    this.settings = {
      trust: props.trust,
      policy: props.policy ?? DEFAULT_POLICY,
      caps: props.cacheCaps ?? DEFAULT_CACHE_CAPS,
      ocspUrl: props.ocspUrl ?? '/ocsp',
      publicBaseUrls: props.publicBaseUrls ?? [],
      caPolicies: props.caPolicies ?? {},
    };
    this.concurrency = props.concurrency ?? 8;
  }

  /** Publishes the bundle whose manifest was just written under `key`; ignores any other key. */
  async publishManifestKey(key: string): Promise<Receipt | undefined> {
    const bundleId = bundleIdOfManifestKey(key);
    return bundleId ? this.publishBundle(bundleId) : undefined;
  }

  /**
   * The whole bundle in this invocation, part after part: the books hold one part at a time.
   * `deadline`, here and below: when the invocation must be done (a Lambda's time limit).
   */
  async publishBundle(bundleId: string, deadline?: Date): Promise<Receipt> {
    const done = await this.completedReceipt(bundleId);
    if (done) return done;
    const tally = this.newTally(bundleId, this.props.clock.now());
    try {
      const manifest = await this.readManifest(bundleId);
      for (let part = 0; part < manifest.parts.length; part++) {
        const run = new PublishRun(bundleId, this.props.clock.now());
        try {
          await this.publishPart(manifest, part, run);
        } finally {
          // A part stopped by a failure still shows what it accepted (the receipt is 'failed').
          tally.addPart(run.toPartResult());
        }
        await recordPart(this.props.ingest, bundleId, part, run.toPartResult(), { forMerge: false });
      }
      return await this.finish(manifest, tally, deadline);
    } catch (error) {
      return this.fail(tally, error);
    }
  }

  /**
   * Fan-out, step 1 (the dispatcher Lambda): checks the manifest and hands each part to a worker.
   * A large OCSP refresh (2,000,000 responses) becomes a few hundred parts published in parallel,
   * so no single invocation approaches the Lambda time limit.
   */
  async dispatchBundle(
    bundleId: string,
    enqueuePart: (part: number) => Promise<void>,
  ): Promise<Receipt | undefined> {
    // A duplicate ObjectCreated event of a finished bundle: nothing is published or withdrawn again.
    const done = await this.completedReceipt(bundleId);
    if (done) return done;
    const tally = this.newTally(bundleId, this.props.clock.now());
    try {
      const manifest = await this.readManifest(bundleId);
      for (let part = 0; part < manifest.parts.length; part++) await enqueuePart(part);
      if (manifest.parts.length === 0) return await this.finish(manifest, tally);
      return undefined;
    } catch (error) {
      return this.fail(tally, error);
    }
  }

  /**
   * Fan-out, step 2 (a worker): publishes one part and records its verdicts beside the bundle;
   * the worker that records the last part merges them, updates the index and writes the receipt.
   * Two workers finishing together may both merge: every step of finishing is idempotent.
   */
  async publishBundlePart(bundleId: string, part: number, deadline?: Date): Promise<Receipt | undefined> {
    const manifest = await this.readManifest(bundleId);
    // A duplicate delivery (SQS is at-least-once) of a finished bundle or of a recorded part
    // republishes nothing: the receipt of a completed bundle is final.
    if (await this.completedReceipt(bundleId)) return undefined;
    const run = new PublishRun(bundleId, this.props.clock.now());
    // One PUT per CertID to the ingest store, so only where another part could answer it too.
    if (manifest.parts.length > 1)
      run.claimInBundle = (key, file) => this.claimAcrossParts(bundleId, key, file);
    // A part an earlier receive recorded is not published again (SQS delivers at least once).
    if (await this.props.ingest.head(partResultKey(bundleId, part))) {
      return this.maybeFinish(manifest, deadline);
    }
    await this.publishPart(manifest, part, run);
    return this.recordAndMaybeFinish(manifest, part, run, deadline);
  }

  /** Records the part; the worker that records the last one folds every part's result and finishes. */
  private async recordAndMaybeFinish(
    manifest: BundleManifest,
    part: number,
    run: PublishRun,
    deadline: Date | undefined,
  ): Promise<Receipt | undefined> {
    await recordPart(this.props.ingest, manifest.bundleId, part, run.toPartResult(), { forMerge: true });
    return this.maybeFinish(manifest, deadline);
  }

  private async maybeFinish(
    manifest: BundleManifest,
    deadline: Date | undefined,
  ): Promise<Receipt | undefined> {
    const tally = this.newTally(manifest.bundleId, new Date(manifest.createdAt));
    const merged = await foldPartResults(this.props.ingest, tally, manifest.parts.length);
    if (!merged) return undefined; // another worker will finish
    return this.finish(manifest, merged, deadline);
  }

  private newTally(bundleId: string, receivedAt: Date): ReceiptTally {
    return new ReceiptTally(bundleId, receivedAt, {
      maxInvalidationPaths: this.props.maxInvalidationPaths,
      maxListed: this.props.receiptListedFiles,
    });
  }

  /**
   * Fan-out, the last receive of a part failed too (the queue would dead-letter it): every file of
   * the part gets that failure as its verdict and the part counts as recorded, so the bundle still
   * gets its receipt and the uploader its answer in bounded time. Files the failed attempts already
   * wrote stay served (each write was whole and validated); a new bundle re-judges them.
   */
  async failBundlePart(
    bundleId: string,
    part: number,
    reason: string,
    deadline?: Date,
  ): Promise<Receipt | undefined> {
    const manifest = await this.readManifest(bundleId);
    if (await this.completedReceipt(bundleId)) return undefined;
    const run = new PublishRun(bundleId, this.props.clock.now());
    // A part an earlier receive did record keeps its verdicts.
    if (await this.props.ingest.head(partResultKey(bundleId, part))) {
      return this.maybeFinish(manifest, deadline);
    }
    const failure = `part ${part} could not be published on any attempt: ${reason}`;
    const listed = await filesOfPart(this.props.ingest, manifest, part).catch((error: unknown) => {
      if (!(error instanceof RejectedError)) throw error;
      return [{ path: manifest.parts[part]?.key ?? `part ${part}` }];
    });
    for (const file of listed) run.reject(file.path, failure);
    return this.recordAndMaybeFinish(manifest, part, run, deadline);
  }

  /**
   * Two parts of one bundle answering the same CertID: which response should be served is
   * ambiguous, so the first file to claim the key keeps it and any other is refused, naming it.
   * The claim is a create-if-absent in the ingest store, so workers of different parts agree
   * (a retry of the same file finds its own claim).
   */
  private async claimAcrossParts(bundleId: string, key: string, file: string): Promise<string | undefined> {
    const claimKey = certIdClaimKey(bundleId, key);
    try {
      await this.props.ingest.put(claimKey, Buffer.from(file), {
        contentType: 'text/plain; charset=utf-8',
        ifNoneMatch: '*',
      });
      return undefined;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
      const held = await this.props.ingest.get(claimKey);
      const owner = held && Buffer.from(held.body).toString('utf8');
      return owner && owner !== file ? owner : undefined;
    }
  }

  /** The bundle's receipt when it is completed: final, never rewritten (writeReceipt). */
  private async completedReceipt(bundleId: string): Promise<Receipt | undefined> {
    const stored = await readReceiptObject(this.props.ingest, bundleId);
    return stored?.receipt?.status === 'completed' ? stored.receipt : undefined;
  }

  /**
   * Withdrawals, index, invalidation, then the receipt: the last writes of a publish. The receipt
   * is written once the CDN has completed the invalidation (unless the bundle asked not to wait),
   * so a receipt means served: the uploader's exit 0 is a promise about what relying parties get.
   */
  private async finish(manifest: BundleManifest, tally: ReceiptTally, deadline?: Date): Promise<Receipt> {
    for (const refused of manifest.refused ?? []) tally.reject(refused.path, refused.reason);
    await this.withdraw(manifest.withdraw ?? [], tally);
    if (tally.hasIndexChanges()) {
      await this.updateIndex(tally.indexChanges());
      // Invalidated whenever it changes: a newer CRL's nextUpdate must show at once.
      tally.changedPaths(...INDEX_PATHS);
    }
    await this.invalidate(tally, manifest.waitForCdn !== false, deadline);
    // The edge's POST answers are not reached by an invalidation: the uploader waits them out.
    const edgeSeconds = this.props.edgePostCacheSeconds ?? 0;
    if (
      edgeSeconds > 0 &&
      tally.invalidationPlan().some((path) => path.startsWith(`/${OCSP_STORE_PREFIX}`))
    ) {
      tally.postCacheOutlives(edgeSeconds);
    }
    const fileKeys = receiptFileKeys(manifest.bundleId, manifest.parts.length);
    return writeReceipt(this.props.ingest, tally.finish('completed', this.props.clock.now(), { fileKeys }));
  }

  /**
   * Carries out the manifest's withdrawals (withdrawal.ts). Such a manifest has no parts, so this
   * runs in the one invocation that finishes the bundle. A plain DELETE: the repository bucket is
   * versioned, so the object stays as a noncurrent version behind a delete marker.
   */
  private async withdraw(withdrawals: readonly Withdrawal[], tally: ReceiptTally): Promise<void> {
    for (const withdrawal of withdrawals) {
      try {
        const key = withdrawalKey(withdrawal.url, this.settings.ocspUrl);
        const plan = judgeWithdrawal(withdrawal, key, await this.props.repository.head(key));
        await this.props.repository.delete(plan.key);
        tally.withdrawn(plan.url, plan.invalidatePath);
      } catch (error) {
        if (!(error instanceof RejectedError)) throw error;
        tally.reject(withdrawal.url, error.message);
      }
    }
  }

  private async fail(tally: ReceiptTally, error: unknown): Promise<Receipt> {
    const receipt = tally.finish('failed', this.props.clock.now(), { error: describeFailure(error) });
    await writeReceipt(this.props.ingest, receipt).catch(() => undefined);
    // A refused manifest will not get better on retry; a store failure might (Lambda retries).
    if (error instanceof RejectedError) return receipt;
    throw error;
  }

  private readManifest(bundleId: string): Promise<BundleManifest> {
    return readManifest(this.props.ingest, bundleId);
  }

  private async publishPart(manifest: BundleManifest, part: number, run: PublishRun): Promise<void> {
    const partInfo = manifest.parts[part];
    if (!partInfo) return;
    let listed: BundleFile[];
    try {
      listed = await filesOfPart(this.props.ingest, manifest, part);
    } catch (error) {
      // Without its list nothing of the part can be named: the archive is refused as a whole.
      if (!(error instanceof RejectedError)) throw error;
      return run.reject(partInfo.key, error.message);
    }
    const refuseAll = (reason: string) => {
      for (const f of listed) run.reject(f.path, reason);
    };
    const head = await this.props.ingest.head(partInfo.key);
    if (!head) return refuseAll(`archive ${partInfo.key} is missing from the ingest store`);
    // Checked before reading: the manifest was checked against MAX_PART_BYTES.
    if (head.size !== partInfo.size) {
      return refuseAll(`archive ${partInfo.key} is ${head.size} bytes, the manifest says ${partInfo.size}`);
    }
    const archive = await this.props.ingest.get(partInfo.key);
    if (!archive) return refuseAll(`archive ${partInfo.key} is missing from the ingest store`);
    if (archive.body.byteLength !== partInfo.size) {
      return refuseAll(`archive ${partInfo.key} changed while it was read`);
    }
    if (toHex(await digest('sha256', archive.body)) !== partInfo.sha256) {
      for (const f of listed)
        run.reject(f.path, `archive ${partInfo.key} was damaged in transit (SHA-256 mismatch)`);
      return;
    }
    const entries = new Map<string, TarEntry>();
    for (const entry of await readTar(archive.body)) entries.set(entry.path, entry);
    const files = await this.collectPartFiles(listed, entries, run);
    await this.deleteKeyMaterial(partInfo.key, files, run);
    const listedPaths = new Set(listed.map((f) => f.path));
    for (const path of entries.keys()) {
      if (!listedPaths.has(path)) run.reject(path, 'in the archive but not listed in the manifest');
    }

    const byPath = new Map(files.map((f) => [f.path, f]));
    // A companion (a PDF's detached signature) is judged together with the file that claims it.
    const judgedWithAnother = new Set(files.flatMap((f) => companionsOf(f, byPath).map((c) => c.path)));
    const alone = files.filter((f) => !judgedWithAnother.has(f.path));
    const book = new OcspStateBook(this.props.repository);
    await forEachWithConcurrency(alone, this.concurrency, (file) =>
      this.publishFile(file, byPath, manifest.bundleId, run, book),
    );
    await this.recordRevocations(run);
    // Last: a state never describes an object before it is written (ocsp-shard-state.ts).
    await book.flush(this.concurrency);
  }

  /**
   * An uploader without the pre-flight (an old or modified one) sent key material: the archive
   * holding it is deleted from the ingest store at once rather than kept for the retention period
   * (the ingest bucket is not versioned, so the delete leaves no copy behind; the bytes read are
   * in this process's memory only). The part's other files are judged from memory as usual; a
   * retried delivery finds the archive gone and refuses them with that reason.
   */
  private async deleteKeyMaterial(key: string, files: CandidateFile[], run: PublishRun): Promise<void> {
    const keyMaterial = files.filter((f) => f.content.type === 'private-key').map((f) => f.path);
    if (keyMaterial.length === 0) return;
    await this.props.ingest.delete(key);
    run.deletedPart({ key, keyMaterial });
  }

  /**
   * Remembers what this part's accepted files revoked, after they are written: a crash in between
   * leaves the revocation served, where the next publish still finds it (revocation-finality.ts).
   */
  private async recordRevocations(run: PublishRun): Promise<void> {
    for (const update of run.takeRevocations()) {
      await updateConditionally(this.props.repository, revocationHistoryKey(update.ca), (current) => {
        const history = readRevocationHistory(current?.body, update.issuer);
        return {
          body: Buffer.from(serialiseRevocationHistory(applyRevocationUpdate(history, update))),
          options: { contentType: 'application/json', cacheControl: 'no-store' },
        };
      });
    }
  }

  /**
   * Judges one file and writes what it brings; a lost conditional-write race judges it again.
   * An OCSP file is judged first (attempt 0) without a HEAD: against what its shard's state
   * records (ocsp-state-book.ts), or as new (create-first.ts) where the state records nothing. The
   * write is conditional on that (If-Match on the recorded ETag, If-None-Match: *), so a wrong
   * answer costs a 412 and a judgement against HEADs (attempts 1 to MAX_WRITE_ATTEMPTS), never a
   * wrong verdict.
   */
  private async publishFile(
    file: CandidateFile,
    part: ReadonlyMap<string, CandidateFile>,
    bundleId: string,
    run: PublishRun,
    book: OcspStateBook,
  ): Promise<void> {
    const { repository } = this.props;
    for (let attempt = file.content.type === 'ocsp-response' ? 0 : 1; ; attempt++) {
      const cheap = attempt === 0;
      const guessed = new Set<string>();
      const recorded = new Set<string>();
      // Each key is answered once per judgement, so every rule sees the same served object.
      const answers = new Map<string, Promise<ServedHead | undefined>>();
      const cheapHead = async (key: string) => {
        const served = await book.recorded(key);
        if (served) {
          recorded.add(key);
          return served;
        }
        if (!run.createFirst.shouldGuess()) return run.headOnce(key, repository);
        guessed.add(key);
        return undefined;
      };
      const head = (key: string) => {
        if (!cheap || !CreateFirstPolicy.covers(key)) return run.headOnce(key, repository);
        let answer = answers.get(key);
        if (!answer) {
          answer = cheapHead(key);
          answers.set(key, answer);
        }
        return answer;
      };
      const context: AssessContext = {
        ...this.settings,
        now: this.props.clock.now(),
        bundleId,
        runId: run.runId,
        part,
        served: {
          head,
          get: (key) => repository.get(key),
          revocations: (ca) => run.historyOnce(ca, repository),
        },
        claim: (key, owner) => run.claim(key, owner),
      };
      const verdict = await judge(file, context);
      if ('rejected' in verdict) return this.rejectWithCompanions(file, verdict.rejected, part, run);
      // The same bytes served: whether their invalidation is still owed needs the object's own
      // metadata (left-invalidation.ts), which a state does not hold.
      const sameAsRecorded = verdict.unchanged.filter(({ key }) => recorded.has(key));
      if (sameAsRecorded.length > 0) {
        for (const { key } of sameAsRecorded) book.distrust(key);
        continue;
      }
      for (const { key, served } of verdict.unchanged) {
        book.observed(key, served);
        await this.settleLeftInvalidation(key, served, run);
      }
      try {
        // Objects are written before anything (index, receipt) names them.
        for (const write of verdict.writes) await this.writeObject(write, run, book);
        if (guessed.size > 0) run.createFirst.record(false);
        run.accept({ ...verdict, accepted: withChanges(verdict.accepted, verdict.writes) });
        return;
      } catch (error) {
        // Another publish changed a key after this file was judged: judge it again against
        // what is served now (two CRLs racing on one path: the higher number wins).
        if (!(error instanceof PreconditionFailedError)) throw error;
        for (const write of verdict.writes) {
          run.forgetHead(write.key);
          book.distrust(write.key);
        }
        if (cheap) {
          if (guessed.size > 0) run.createFirst.record(true);
          continue;
        }
        if (attempt === MAX_WRITE_ATTEMPTS) {
          const reason = 'changed concurrently by another publish; send it again';
          return this.rejectWithCompanions(file, reason, part, run);
        }
      }
    }
  }

  private rejectWithCompanions(
    file: CandidateFile,
    reason: string,
    part: ReadonlyMap<string, CandidateFile>,
    run: PublishRun,
  ): void {
    run.reject(file.path, reason);
    for (const companion of companionsOf(file, part)) {
      run.reject(companion.path, `detached signature of ${file.path}, which was refused`);
    }
  }

  /** Checks each listed file against its archive entry; returns the ones fit to be judged. */
  private async collectPartFiles(
    listed: BundleFile[],
    entries: Map<string, TarEntry>,
    run: PublishRun,
  ): Promise<CandidateFile[]> {
    const files: CandidateFile[] = [];
    for (const f of listed) {
      const entry = entries.get(f.path);
      if (!entry) {
        run.reject(f.path, 'listed in the manifest but missing from the archive');
      } else if (entry.type === 'link') {
        run.reject(f.path, 'links are never published: upload the file itself');
      } else if (entry.type === 'too-large') {
        run.reject(f.path, 'larger than the 512 MiB a single artifact may be');
      } else if (entry.type !== 'file') {
        run.reject(f.path, 'not a regular file');
      } else if (entry.bytes.byteLength !== f.size) {
        run.reject(f.path, `${entry.bytes.byteLength} bytes in the archive, the manifest says ${f.size}`);
      } else if (toHex(await digest('sha256', entry.bytes)) !== f.sha256) {
        run.reject(f.path, 'content does not match the SHA-256 in the manifest');
      } else {
        try {
          files.push(candidateFile(f.path, entry.bytes, this.settings.ocspUrl));
        } catch (error) {
          if (!(error instanceof RejectedError)) throw error;
          run.reject(f.path, error.message);
        }
      }
    }
    return files;
  }

  /** The served bytes are the ones this bundle brings; the run that wrote them may still owe their invalidation. */
  private async settleLeftInvalidation(key: string, served: ServedHead, run: PublishRun): Promise<void> {
    const pending = pendingInvalidation(served, this.props.clock.now(), this.settings.caps);
    if (!pending) return;
    const receipt = pending.writer ? await run.receiptOnce(pending.writer, this.props.ingest) : undefined;
    if (isSettledBy(receipt, served)) return;
    run.changedPaths(`/${key}`);
    // An earlier run of this very bundle wrote it (a retry): this run's invalidation settles that one's write.
    const writtenBy = readServedMetadata(served.metadata).run;
    if (pending.writer === run.bundleId && writtenBy) run.settlesRun(writtenBy);
  }

  /** Invalidates what the publish changed and, when asked, waits until the CDN has completed it. */
  private async invalidate(tally: ReceiptTally, wait: boolean, deadline: Date | undefined): Promise<void> {
    const { cdn } = this.props;
    const plan = tally.invalidationPlan();
    if (!cdn || plan.length === 0) return;
    const started = await cdn.invalidate(plan);
    if (!started) return tally.invalidated(plan); // took effect at once
    const invalidation: ReceiptInvalidation = { id: started.id };
    if (wait) {
      if (!cdn.waitForCompletion) {
        invalidation.completedAt = this.props.clock.now().toISOString();
      } else {
        try {
          const completedAt = await cdn.waitForCompletion(started.id, this.waitBudgetMs(deadline));
          invalidation.completedAt = completedAt.toISOString();
        } catch (error) {
          // The files are published: the receipt says the invalidation is still under way.
          invalidation.incomplete = oneLine(error);
        }
      }
    }
    tally.invalidated(plan, invalidation);
  }

  private waitBudgetMs(deadline: Date | undefined): number {
    const configured = (this.props.cdnWaitSeconds ?? DEFAULT_CDN_WAIT_SECONDS) * 1000;
    if (!deadline) return configured;
    const left = deadline.getTime() - this.props.clock.now().getTime() - RECEIPT_MARGIN_MS;
    return Math.max(0, Math.min(configured, left));
  }

  private async writeObject(write: ObjectWrite, run: PublishRun, book: OcspStateBook): Promise<void> {
    const written = await this.props.repository.put(write.key, write.body, write.options);
    book.wrote(write.key, written?.etag, write.options.metadata);
    if (write.replaces) run.replaced(write.key);
    if (write.invalidatePath) run.changedPaths(write.invalidatePath);
  }

  /**
   * Merges this publish's entries into index.json with a conditional write, read again and
   * merged again when another publish wrote it in between: two bundles at once lose no entry.
   */
  private async updateIndex(changes: IndexChanges): Promise<void> {
    const now = this.props.clock.now();
    const cacheControl = cacheControlFor({ kind: undefined, now, caps: this.settings.caps });
    let index: RepositoryIndex | undefined;
    await updateConditionally(this.props.repository, 'index.json', (current) => {
      index = mergeIndex(
        parseIndex(
          current ? Buffer.from(current.body).toString('utf8') : undefined,
          this.settings.ocspUrl,
          now,
        ),
        changes,
        now,
      );
      index.crlUrls = crlDisclosureLinks(index, this.pinnedCas());
      return {
        body: Buffer.from(serialiseIndex(index)),
        options: { contentType: CONTENT_TYPES['index-json'], cacheControl },
      };
    });
    const html = renderIndexHtml(index!, this.props.title ?? DEFAULT_INDEX_TITLE);
    await this.props.repository.put('index.html', Buffer.from(html), {
      contentType: CONTENT_TYPES['index-html'],
      cacheControl,
    });
    await writeCrlDisclosure(this.props.repository, index!, {
      pinnedCas: this.pinnedCas(),
      publicBaseUrls: this.settings.publicBaseUrls ?? [],
      cacheControl,
    });
  }

  private pinnedCas(): string[] {
    return this.settings.trust.cas.map((ca) => ca.fingerprints.sha256);
  }
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

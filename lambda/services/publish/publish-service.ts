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
  MAX_MANIFEST_BYTES,
  bundleIdOfManifestKey,
  manifestKey,
  parseManifest,
  type BundleFile,
  type BundleManifest,
} from '../../core/publish/bundle.ts';
import { classifyContent } from '../../core/publish/classify-content.ts';
import { planInvalidation } from '../../core/publish/invalidation.ts';
import type {
  AssessContext,
  CandidateFile,
  PublishSettings,
} from '../../core/publish/kinds/artifact-kind-module.ts';
import { companionsOf, judge } from '../../core/publish/kinds/registry.ts';
import { isSettledBy, pendingInvalidation } from '../../core/publish/left-invalidation.ts';
import { withChanges, type Receipt, type ReceiptInvalidation } from '../../core/publish/receipt.ts';
import { EDGE_POST_CACHE_SECONDS } from '../../core/contract/edge-post-cache.ts';
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
import type { ServedHead } from '../../core/publish/served-object.ts';
import {
  applyRevocationUpdate,
  readRevocationHistory,
  revocationHistoryKey,
  serialiseRevocationHistory,
} from '../../core/publish/revocation-history.ts';
import { validateBundlePath } from '../../core/publish/validate-bundle-path.ts';
import type { ObjectWrite } from '../../core/publish/write-plan.ts';
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
import {
  PublishRun,
  describeFailure,
  readPartResults,
  writePartResult,
  writeReceipt,
} from './publish-run.ts';
import { updateConditionally } from './conditional-update.ts';

export interface PublishServiceProps {
  ingest: ObjectStore;
  repository: ObjectStore;
  trust: TrustStore;
  clock: Clock;
  policy?: ValidationPolicy;
  cacheCaps?: CacheCaps;
  /** Path of the OCSP endpoint as relying parties see it. Default `/ocsp`. */
  ocspUrl?: string;
  /** Title of index.html. */
  title?: string;
  /** Files validated and written in parallel. */
  concurrency?: number;
  /** The CDN in front of the repository; cached copies of replaced objects are invalidated. */
  cdn?: CdnInvalidator;
  /** Above this many changed paths, one wildcard is invalidated instead. */
  maxInvalidationPaths?: number;
  /**
   * How long the publisher waits for the CDN to complete an invalidation before it writes the
   * receipt (default 240 s), shortened to what the invocation has left; a bundle may ask not to wait.
   */
  cdnWaitSeconds?: number;
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
    };
    this.concurrency = props.concurrency ?? 8;
  }

  /** Publishes the bundle whose manifest was just written under `key`; ignores any other key. */
  async publishManifestKey(key: string): Promise<Receipt | undefined> {
    const bundleId = bundleIdOfManifestKey(key);
    return bundleId ? this.publishBundle(bundleId) : undefined;
  }

  /** `deadline`, here and below: when the invocation must be done (a Lambda's time limit). */
  async publishBundle(bundleId: string, deadline?: Date): Promise<Receipt> {
    const run = new PublishRun(bundleId, this.props.clock.now());
    try {
      const manifest = await this.readManifest(bundleId);
      for (let part = 0; part < manifest.parts.length; part++) {
        await this.publishPart(manifest, part, run);
      }
      return await this.finish(manifest, run, deadline);
    } catch (error) {
      return this.fail(run, error);
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
    const run = new PublishRun(bundleId, this.props.clock.now());
    try {
      const manifest = await this.readManifest(bundleId);
      for (let part = 0; part < manifest.parts.length; part++) await enqueuePart(part);
      if (manifest.parts.length === 0) return await this.finish(manifest, run);
      return undefined;
    } catch (error) {
      return this.fail(run, error);
    }
  }

  /**
   * Fan-out, step 2 (a worker): publishes one part and records its verdicts beside the bundle;
   * the worker that records the last part merges them, updates the index and writes the receipt.
   * Two workers finishing together may both merge: every step of finishing is idempotent.
   */
  async publishBundlePart(bundleId: string, part: number, deadline?: Date): Promise<Receipt | undefined> {
    const manifest = await this.readManifest(bundleId);
    const run = new PublishRun(bundleId, this.props.clock.now());
    await this.publishPart(manifest, part, run);
    await writePartResult(this.props.ingest, bundleId, part, run);
    const results = await readPartResults(this.props.ingest, bundleId, manifest.parts.length);
    if (!results) return undefined; // another worker will finish
    const merged = PublishRun.fromPartResults(bundleId, new Date(manifest.createdAt), results);
    return this.finish(manifest, merged, deadline);
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
    const run = new PublishRun(bundleId, this.props.clock.now());
    for (const file of manifest.files.filter((f) => f.part === part)) {
      run.reject(file.path, `part ${part} could not be published on any attempt: ${reason}`);
    }
    await writePartResult(this.props.ingest, bundleId, part, run);
    const results = await readPartResults(this.props.ingest, bundleId, manifest.parts.length);
    if (!results) return undefined; // another worker will finish
    const merged = PublishRun.fromPartResults(bundleId, new Date(manifest.createdAt), results);
    return this.finish(manifest, merged, deadline);
  }

  /**
   * Index, invalidation, then the receipt: the last writes of a publish. The receipt is written
   * once the CDN has completed the invalidation (unless the bundle asked not to wait), so a
   * receipt means served: the uploader's exit 0 is a promise about what relying parties get.
   */
  private async finish(manifest: BundleManifest, run: PublishRun, deadline?: Date): Promise<Receipt> {
    for (const refused of manifest.refused ?? []) run.reject(refused.path, refused.reason);
    if (run.hasIndexChanges()) {
      await this.updateIndex(run.indexChanges());
      // Invalidated whenever it changes: a newer CRL's nextUpdate must show at once.
      run.changedPaths(...INDEX_PATHS);
    }
    await this.invalidate(run, manifest.waitForCdn !== false, deadline);
    // The edge's POST answers are not reached by an invalidation: the uploader waits them out.
    if (run.pathsToInvalidate().some((path) => path.startsWith(`/${OCSP_STORE_PREFIX}`))) {
      run.postCacheOutlives(EDGE_POST_CACHE_SECONDS);
    }
    return writeReceipt(this.props.ingest, run.finish('completed', this.props.clock.now()));
  }

  private async fail(run: PublishRun, error: unknown): Promise<Receipt> {
    const receipt = run.finish('failed', this.props.clock.now(), describeFailure(error));
    await writeReceipt(this.props.ingest, receipt).catch(() => undefined);
    // A refused manifest will not get better on retry; a store failure might (Lambda retries).
    if (error instanceof RejectedError) return receipt;
    throw error;
  }

  private async readManifest(bundleId: string): Promise<BundleManifest> {
    const key = manifestKey(bundleId);
    const head = await this.props.ingest.head(key);
    if (!head) throw new RejectedError(`bundle ${bundleId} has no manifest.json`);
    // Checked before reading: the gate holds what it reads in memory.
    if (head.size > MAX_MANIFEST_BYTES) {
      throw new RejectedError(
        `manifest.json is ${head.size} bytes, more than the ${MAX_MANIFEST_BYTES} allowed`,
      );
    }
    const object = await this.props.ingest.get(key);
    if (!object) throw new RejectedError(`bundle ${bundleId} has no manifest.json`);
    if (object.body.byteLength > MAX_MANIFEST_BYTES) {
      throw new RejectedError(`manifest.json is more than the ${MAX_MANIFEST_BYTES} bytes allowed`);
    }
    return parseManifest(Buffer.from(object.body).toString('utf8'), bundleId);
  }

  private async publishPart(manifest: BundleManifest, part: number, run: PublishRun): Promise<void> {
    const listed = manifest.files.filter((f) => f.part === part);
    const partInfo = manifest.parts[part];
    if (!partInfo) return;
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
    for (const path of entries.keys()) {
      if (!listed.some((f) => f.path === path))
        run.reject(path, 'in the archive but not listed in the manifest');
    }

    const byPath = new Map(files.map((f) => [f.path, f]));
    // A companion (a PDF's detached signature) is judged together with the file that claims it.
    const judgedWithAnother = new Set(files.flatMap((f) => companionsOf(f, byPath).map((c) => c.path)));
    const alone = files.filter((f) => !judgedWithAnother.has(f.path));
    await forEachWithConcurrency(alone, this.concurrency, (file) =>
      this.publishFile(file, byPath, manifest.bundleId, run),
    );
    await this.recordRevocations(run);
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

  /** Judges one file and writes what it brings; a lost conditional-write race judges it again. */
  private async publishFile(
    file: CandidateFile,
    part: ReadonlyMap<string, CandidateFile>,
    bundleId: string,
    run: PublishRun,
  ): Promise<void> {
    const { repository } = this.props;
    for (let attempt = 1; ; attempt++) {
      const context: AssessContext = {
        ...this.settings,
        now: this.props.clock.now(),
        bundleId,
        part,
        served: {
          head: (key) => run.headOnce(key, repository),
          get: (key) => repository.get(key),
          revocations: (ca) => run.historyOnce(ca, repository),
        },
        claim: (key, owner) => run.claim(key, owner),
      };
      const verdict = await judge(file, context);
      if ('rejected' in verdict) return this.rejectWithCompanions(file, verdict.rejected, part, run);
      for (const { key, served } of verdict.unchanged) await this.settleLeftInvalidation(key, served, run);
      try {
        // Objects are written before anything (index, receipt) names them.
        for (const write of verdict.writes) await this.writeObject(write, run);
        run.accept({ ...verdict, accepted: withChanges(verdict.accepted, verdict.writes) });
        return;
      } catch (error) {
        // Another publish changed a key after this file was judged: judge it again against
        // what is served now (two CRLs racing on one path: the higher number wins).
        if (!(error instanceof PreconditionFailedError)) throw error;
        for (const write of verdict.writes) run.forgetHead(write.key);
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
          const content = classifyContent(entry.bytes);
          // OCSP responses are served by CertID, not at their path; what is refused anyway keeps its reason.
          const atItsPath = !['ocsp-response', 'private-key', 'unrecognised'].includes(content.type);
          validateBundlePath(f.path, atItsPath ? this.settings.ocspUrl : undefined);
          files.push({ path: f.path, bytes: entry.bytes, content });
        } catch (error) {
          if (!(error instanceof RejectedError)) throw error;
          run.reject(f.path, `bad path: ${error.message}`);
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
    if (!isSettledBy(receipt, served)) run.changedPaths(`/${key}`);
  }

  /** Invalidates what the publish changed and, when asked, waits until the CDN has completed it. */
  private async invalidate(run: PublishRun, wait: boolean, deadline: Date | undefined): Promise<void> {
    const { cdn } = this.props;
    const paths = run.pathsToInvalidate();
    if (!cdn || paths.length === 0) return;
    const plan = planInvalidation(paths, this.props.maxInvalidationPaths);
    const started = await cdn.invalidate(plan);
    if (!started) return run.invalidated(plan); // took effect at once
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
    run.invalidated(plan, invalidation);
  }

  private waitBudgetMs(deadline: Date | undefined): number {
    const configured = (this.props.cdnWaitSeconds ?? DEFAULT_CDN_WAIT_SECONDS) * 1000;
    if (!deadline) return configured;
    const left = deadline.getTime() - this.props.clock.now().getTime() - RECEIPT_MARGIN_MS;
    return Math.max(0, Math.min(configured, left));
  }

  private async writeObject(write: ObjectWrite, run: PublishRun): Promise<void> {
    await this.props.repository.put(write.key, write.body, write.options);
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
  }
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

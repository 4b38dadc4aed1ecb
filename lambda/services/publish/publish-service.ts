/**
 * The publish gate: takes a bundle from the ingest store, gives every file a verdict, promotes the
 * accepted ones to the repository store, updates the index and writes a receipt. What each kind of
 * artifact must satisfy and what it writes is decided in core/publish/kinds (one module per kind);
 * this service runs a bundle, whole or fanned out part by part, and finishes it; the steps are
 * their own modules: one part (part-publisher.ts), one file (file-publisher.ts), the books
 * (publish-run.ts, part-books.ts), withdrawals (withdrawals.ts), the index (index-writer.ts) and
 * the CDN (cdn-invalidation.ts).
 *
 * Order of writes is the consistency argument: artifacts first, then index.json / index.html, then
 * the receipt. A crash or store failure at any point leaves only complete, validated objects
 * served (each S3 PUT is atomic), and re-running the bundle converges: identical bytes are an
 * idempotent no-op (except for a CDN invalidation the stopped run still owed, which the re-run
 * makes: core/publish/left-invalidation.ts) and the index merge is keyed by URL.
 */
import {
  bundleIdOfManifestKey,
  certIdClaimKey,
  partResultKey,
  type BundleManifest,
} from '../../core/publish/bundle.ts';
import type { PublishSettings } from '../../core/publish/kinds/artifact-kind-module.ts';
import type { Receipt } from '../../core/publish/receipt.ts';
import { ReceiptTally } from '../../core/publish/receipt-tally.ts';
import { OCSP_STORE_PREFIX } from '../../core/ocsp/ocsp-object-key.ts';
import type { CaPolicies } from '../../core/publish/ca-policy.ts';
import { DEFAULT_POLICY, type ValidationPolicy } from '../../core/policy.ts';
import { RejectedError } from '../../core/rejection.ts';
import type { TrustStore } from '../../core/pki/trust-store.ts';
import { DEFAULT_CACHE_CAPS, type CacheCaps } from '../../core/serving/cache-policy.ts';
import { PreconditionFailedError, type CdnInvalidator, type Clock, type ObjectStore } from '../ports.ts';
import { PublishRun, describeFailure, readReceiptObject, writeReceipt } from './publish-run.ts';
import { filesOfPart, readManifest } from './bundle-source.ts';
import { foldPartResults, receiptFileKeys, recordPart } from './part-books.ts';
import { publishPart, type PartGate } from './part-publisher.ts';
import { INDEX_PATHS, updateIndex } from './index-writer.ts';
import { withdraw } from './withdrawals.ts';
import { invalidate } from './cdn-invalidation.ts';

/** Re-exported: callers and tests name the index paths from here. */
export { INDEX_PATHS };

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

export class PublishService {
  private readonly settings: PublishSettings;
  /** What publishing a part needs (part-publisher.ts). */
  private readonly gate: PartGate;

  constructor(private readonly props: PublishServiceProps) {
    this.settings = {
      trust: props.trust,
      policy: props.policy ?? DEFAULT_POLICY,
      caps: props.cacheCaps ?? DEFAULT_CACHE_CAPS,
      ocspUrl: props.ocspUrl ?? '/ocsp',
      publicBaseUrls: props.publicBaseUrls ?? [],
      caPolicies: props.caPolicies ?? {},
    };
    this.gate = {
      ingest: props.ingest,
      repository: props.repository,
      clock: props.clock,
      settings: this.settings,
      concurrency: props.concurrency ?? 8,
    };
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
          await publishPart(this.gate, manifest, part, run);
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
    await publishPart(this.gate, manifest, part, run);
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
    await withdraw(this.props.repository, manifest.withdraw ?? [], tally, this.settings.ocspUrl);
    if (tally.hasIndexChanges()) {
      await updateIndex(this.props.repository, tally.indexChanges(), {
        now: this.props.clock.now(),
        settings: this.settings,
        title: this.props.title,
      });
      // Invalidated whenever it changes: a newer CRL's nextUpdate must show at once.
      tally.changedPaths(...INDEX_PATHS);
    }
    await invalidate(tally, manifest.waitForCdn !== false, deadline, {
      cdn: this.props.cdn,
      clock: this.props.clock,
      cdnWaitSeconds: this.props.cdnWaitSeconds,
    });
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
}

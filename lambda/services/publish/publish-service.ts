/**
 * The publish gate: takes a bundle from the ingest store, gives every file a verdict, promotes the
 * accepted ones to the repository store, updates the index and writes a receipt.
 *
 * Order of writes is the consistency argument: artifacts first, then index.json / index.html, then
 * the receipt. A crash or store failure at any point leaves only complete, validated objects
 * served (each S3 PUT is atomic), and re-running the bundle converges: identical bytes are an
 * idempotent no-op (except for a CDN invalidation the stopped run still owed, which the re-run
 * makes: settleLeftInvalidation) and the index merge is keyed by URL.
 */
import { digest, toHex } from '../../core/encoding/bytes.ts';
import {
  bundleIdOfManifestKey,
  isValidBundleId,
  manifestKey,
  parseManifest,
  partResultKey,
  receiptKey,
  type BundleFile,
  type BundleManifest,
} from '../../core/publish/bundle.ts';
import type { ArtifactKind } from '../../core/publish/artifact-kind.ts';
import {
  RECEIPT_FORMAT,
  type AcceptedFile,
  type Receipt,
  type RejectedFile,
} from '../../core/publish/receipt.ts';
import {
  CONTENT_TYPES,
  DEFAULT_CACHE_CAPS,
  META,
  cacheControlFor,
  capFor,
  readMetaTime,
  type CacheCaps,
} from '../../core/serving/cache-policy.ts';
import { classifyContent, type ContentClass } from '../../core/publish/classify-content.ts';
import { planInvalidation } from '../../core/publish/invalidation.ts';
import { DEFAULT_POLICY, type ValidationPolicy } from '../../core/policy.ts';
import { RejectedError } from '../../core/rejection.ts';
import {
  mergeIndex,
  parseIndex,
  renderIndexHtml,
  serialiseIndex,
  type IndexChanges,
} from '../../core/publish/repository-index.ts';
import { validateBundlePath } from '../../core/publish/validate-bundle-path.ts';
import { validateCaCertificate } from '../../core/pki/validate-ca-certificate.ts';
import { validateCrl } from '../../core/crl/validate-crl.ts';
import { validateDocument } from '../../core/documents/validate-document.ts';
import { validateOcspResponse } from '../../core/ocsp/validate-ocsp-response.ts';
import { readTar, type TarEntry } from '../../core/encoding/tar-archive.ts';
import type { TrustStore } from '../../core/pki/trust-store.ts';
import { forEachWithConcurrency } from '../concurrency.ts';
import {
  PreconditionFailedError,
  type CdnInvalidator,
  type Clock,
  type ObjectHead,
  type ObjectStore,
  type PutObjectOptions,
} from '../ports.ts';

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
}

/** One object to write for an accepted file. */
interface PendingWrite {
  key: string;
  body: Uint8Array;
  kind: ArtifactKind;
  sha256: string;
  thisUpdate?: Date;
  nextUpdate?: Date;
  metadata?: Record<string, string>;
  /** ETag of the object the verdict was made against (null: none); defaults to the first HEAD. */
  expectedEtag?: string | null;
}

/**
 * How long after a replacement an edge copy of the superseded object may still be cached, beyond
 * the kind's cache cap: S3 replication lag to the replica the origin group may read, clock skew.
 */
const LEFT_INVALIDATION_MARGIN_SECONDS = 900;

/** How often one file is re-judged after losing a conditional-write race. */
const MAX_WRITE_ATTEMPTS = 3;

interface FileOutcome {
  accepted: AcceptedFile[];
  writes: PendingWrite[];
  changes: Partial<IndexChanges>;
}

interface PartFile {
  path: string;
  bytes: Uint8Array;
  class: ContentClass;
}

export class PublishService {
  private readonly policy: ValidationPolicy;
  private readonly caps: CacheCaps;
  private readonly ocspUrl: string;
  private readonly concurrency: number;

  constructor(private readonly props: PublishServiceProps) {
    this.policy = props.policy ?? DEFAULT_POLICY;
    this.caps = props.cacheCaps ?? DEFAULT_CACHE_CAPS;
    this.ocspUrl = props.ocspUrl ?? '/ocsp';
    this.concurrency = props.concurrency ?? 8;
  }

  /** Publishes the bundle whose manifest was just written under `key`; ignores any other key. */
  async publishManifestKey(key: string): Promise<Receipt | undefined> {
    const bundleId = bundleIdOfManifestKey(key);
    return bundleId ? this.publishBundle(bundleId) : undefined;
  }

  async publishBundle(bundleId: string): Promise<Receipt> {
    const run = new PublishRun(bundleId, this.props.clock.now());
    try {
      const manifest = await this.readManifest(bundleId);
      for (let part = 0; part < manifest.parts.length; part++) {
        await this.publishPart(manifest, part, run);
      }
      return await this.finish(manifest, run);
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
  async publishBundlePart(bundleId: string, part: number): Promise<Receipt | undefined> {
    const manifest = await this.readManifest(bundleId);
    const run = new PublishRun(bundleId, this.props.clock.now());
    await this.publishPart(manifest, part, run);
    await this.props.ingest.put(
      partResultKey(bundleId, part),
      Buffer.from(JSON.stringify(run.toPartResult())),
      {
        contentType: 'application/json',
      },
    );
    const results: PartResult[] = [];
    for (let i = 0; i < manifest.parts.length; i++) {
      const stored = await this.props.ingest.get(partResultKey(bundleId, i));
      if (!stored) return undefined; // another worker will finish
      results.push(JSON.parse(Buffer.from(stored.body).toString('utf8')) as PartResult);
    }
    const merged = PublishRun.fromPartResults(bundleId, new Date(manifest.createdAt), results);
    return this.finish(manifest, merged);
  }

  /** Index, invalidation, then the receipt: the last writes of a publish. */
  private async finish(manifest: BundleManifest, run: PublishRun): Promise<Receipt> {
    for (const refused of manifest.refused ?? []) run.reject(refused.path, refused.reason);
    // The index is not invalidated: its 60-second max-age is cheaper than paying per path.
    if (run.hasIndexChanges()) await this.updateIndex(run.indexChanges());
    await this.invalidate(run);
    return this.writeReceipt(run.finish('completed', this.props.clock.now()));
  }

  private async fail(run: PublishRun, error: unknown): Promise<Receipt> {
    const receipt = run.finish('failed', this.props.clock.now(), describeFailure(error));
    await this.writeReceipt(receipt).catch(() => undefined);
    // A refused manifest will not get better on retry; a store failure might (Lambda retries).
    if (error instanceof RejectedError) return receipt;
    throw error;
  }

  private async readManifest(bundleId: string): Promise<BundleManifest> {
    const object = await this.props.ingest.get(manifestKey(bundleId));
    if (!object) throw new RejectedError(`bundle ${bundleId} has no manifest.json`);
    return parseManifest(Buffer.from(object.body).toString('utf8'), bundleId);
  }

  private async publishPart(manifest: BundleManifest, part: number, run: PublishRun): Promise<void> {
    const listed = manifest.files.filter((f) => f.part === part);
    const partInfo = manifest.parts[part];
    if (!partInfo) return;
    const archive = await this.props.ingest.get(partInfo.key);
    if (!archive) {
      for (const f of listed) run.reject(f.path, `archive ${partInfo.key} is missing from the ingest store`);
      return;
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
    await forEachWithConcurrency(files, this.concurrency, async (file) => {
      if (isDetachedSignatureOf(file, byPath)) return; // judged together with its document
      for (let attempt = 1; ; attempt++) {
        let outcome: FileOutcome;
        try {
          outcome = await this.assessFile(file, byPath, run);
        } catch (error) {
          if (!(error instanceof RejectedError)) throw error;
          this.rejectWithSignature(file, error.message, byPath, run);
          return;
        }
        try {
          // Objects are written before anything (index, receipt) names them.
          for (const write of outcome.writes) await this.writeObject(write, manifest.bundleId, run);
          run.accept(outcome);
          return;
        } catch (error) {
          // Another publish changed a key after this file was judged: judge it again against
          // what is served now (two CRLs racing on one path: the higher number wins).
          if (!(error instanceof PreconditionFailedError)) throw error;
          for (const write of outcome.writes) run.forgetHead(write.key);
          if (attempt === MAX_WRITE_ATTEMPTS) {
            this.rejectWithSignature(
              file,
              'changed concurrently by another publish; send it again',
              byPath,
              run,
            );
            return;
          }
        }
      }
    });
  }

  private rejectWithSignature(
    file: PartFile,
    reason: string,
    byPath: Map<string, PartFile>,
    run: PublishRun,
  ) {
    run.reject(file.path, reason);
    const signature = byPath.get(`${file.path}.p7s`);
    if (signature && isDetachedSignatureOf(signature, byPath)) {
      run.reject(signature.path, `detached signature of ${file.path}, which was refused`);
    }
  }

  /** Checks each listed file against its archive entry; returns the ones fit to be judged. */
  private async collectPartFiles(
    listed: BundleFile[],
    entries: Map<string, TarEntry>,
    run: PublishRun,
  ): Promise<PartFile[]> {
    const files: PartFile[] = [];
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
      } else if (toHex(await digest('sha256', entry.bytes)) !== f.sha256) {
        run.reject(f.path, 'content does not match the SHA-256 in the manifest');
      } else {
        try {
          validateBundlePath(f.path);
          files.push({ path: f.path, bytes: entry.bytes, class: classifyContent(entry.bytes) });
        } catch (error) {
          if (!(error instanceof RejectedError)) throw error;
          run.reject(f.path, `bad path: ${error.message}`);
        }
      }
    }
    return files;
  }

  private async assessFile(
    file: PartFile,
    byPath: Map<string, PartFile>,
    run: PublishRun,
  ): Promise<FileOutcome> {
    const now = this.props.clock.now();
    const { trust } = this.props;
    const url = `/${file.path}`;
    const sha256 = toHex(await digest('sha256', file.bytes));
    const c = file.class;
    switch (c.type) {
      case 'private-key':
        throw new RejectedError(
          `private key material (${c.form}): the whole file is refused, keys never leave the CA`,
        );
      case 'unrecognised':
        throw new RejectedError(`unrecognised content: ${c.reason}`);
      case 'certificate': {
        const facts = validateCaCertificate(c.der, trust);
        const derSha256 = facts.ca.fingerprints.sha256;
        const unchanged = await this.isServedUnchanged(file.path, 'ca-certificate', derSha256, run);
        const ca = facts.ca;
        return {
          accepted: [{ file: file.path, kind: 'ca-certificate', url, unchanged }],
          writes: unchanged
            ? []
            : [{ key: file.path, body: c.der, kind: 'ca-certificate', sha256: derSha256 }],
          changes: {
            caCertificates: [
              {
                url,
                subject: ca.subject,
                notBefore: ca.certificate.notBefore.value.toISOString(),
                notAfter: ca.certificate.notAfter.value.toISOString(),
                ...ca.fingerprints,
              },
            ],
          },
        };
      }
      case 'crl': {
        const current = await this.props.repository.get(file.path);
        if (current) assertSameKind(current.metadata[META.kind], 'crl');
        const facts = await validateCrl({
          der: c.der,
          trust,
          now,
          policy: this.policy,
          previousDer: current?.body,
        });
        const derSha256 = toHex(await digest('sha256', c.der));
        if (facts.unchanged && current) await this.settleLeftInvalidation(file.path, current, run);
        return {
          accepted: [{ file: file.path, kind: 'crl', url, unchanged: facts.unchanged }],
          writes: facts.unchanged
            ? []
            : [
                {
                  key: file.path,
                  body: c.der,
                  kind: 'crl',
                  sha256: derSha256,
                  thisUpdate: facts.thisUpdate,
                  nextUpdate: facts.nextUpdate,
                  metadata: { [META.crlNumber]: facts.crlNumber.toString() },
                  expectedEtag: current?.etag ?? null,
                },
              ],
          changes: {
            crls: [
              {
                url,
                issuer: facts.issuer.subject,
                crlNumber: facts.crlNumber.toString(),
                thisUpdate: facts.thisUpdate.toISOString(),
                nextUpdate: facts.nextUpdate.toISOString(),
                revokedCount: facts.revokedCount,
                delta: facts.isDelta,
              },
            ],
          },
        };
      }
      case 'ocsp-response': {
        const facts = await validateOcspResponse({
          der: c.der,
          trust,
          now,
          policy: this.policy,
          lookupPrevious: async (key) => {
            const head = await run.headOnce(key, this.props.repository);
            const thisUpdate = readMetaTime(head?.metadata[META.thisUpdate]);
            return thisUpdate ? { thisUpdate } : undefined;
          },
        });
        for (const single of facts.responses)
          run.claimOcspKey(single.key, single.certId.serialHex, file.path);
        const writes: PendingWrite[] = [];
        let unchanged = true;
        for (const single of facts.responses) {
          if (await this.isServedUnchanged(single.key, 'ocsp-response', sha256, run)) continue;
          unchanged = false;
          writes.push({
            key: single.key,
            body: c.der,
            kind: 'ocsp-response',
            sha256,
            thisUpdate: single.thisUpdate,
            nextUpdate: single.nextUpdate,
            metadata: { [META.certStatus]: single.status },
          });
        }
        return {
          accepted: [{ file: file.path, kind: 'ocsp-response', url: this.ocspUrl, unchanged }],
          writes,
          changes: {
            ocspIssuers: [
              {
                issuer: facts.issuer.subject,
                lastPublishedAt: now.toISOString(),
                latestProducedAt: facts.producedAt.toISOString(),
              },
            ],
          },
        };
      }
      case 'pdf': {
        const signatureFile = byPath.get(`${file.path}.p7s`);
        const detached =
          signatureFile &&
          isDetachedSignatureOf(signatureFile, byPath) &&
          signatureFile.class.type === 'cms-signature'
            ? signatureFile
            : undefined;
        const facts = await validateDocument({
          pdf: file.bytes,
          detachedSignature: detached?.class.type === 'cms-signature' ? detached.class.der : undefined,
          signatureFile: detached?.path,
          fileName: file.path,
          trust,
          now,
        });
        const outcome: FileOutcome = { accepted: [], writes: [], changes: {} };
        const documentUnchanged = await this.isServedUnchanged(file.path, 'document', sha256, run);
        outcome.accepted.push({ file: file.path, kind: 'document', url, unchanged: documentUnchanged });
        if (!documentUnchanged)
          outcome.writes.push({ key: file.path, body: file.bytes, kind: 'document', sha256 });
        let signatureUrl = 'embedded';
        if (detached) {
          signatureUrl = `/${detached.path}`;
          const signatureSha256 = toHex(await digest('sha256', detached.bytes));
          const signatureUnchanged = await this.isServedUnchanged(
            detached.path,
            'signature',
            signatureSha256,
            run,
          );
          outcome.accepted.push({
            file: detached.path,
            kind: 'signature',
            url: signatureUrl,
            unchanged: signatureUnchanged,
          });
          // Written before the document so a reader never finds a document without its signature.
          if (!signatureUnchanged) {
            outcome.writes.unshift({
              key: detached.path,
              body: detached.bytes,
              kind: 'signature',
              sha256: signatureSha256,
            });
          }
        }
        outcome.changes = {
          documents: [{ url, signature: signatureUrl, signer: facts.signerSubject, sha256 }],
        };
        return outcome;
      }
      case 'cms-signature':
        throw new RejectedError(
          `a CMS signature is published only as <document>.p7s beside its PDF in the same bundle (no ${file.path.replace(/\.p7s$/, '')} here)`,
        );
    }
  }

  /**
   * True when the key already serves these exact bytes as this kind. A key that serves another
   * kind is refused: a URL embedded in issued certificates keeps its meaning.
   */
  private async isServedUnchanged(
    key: string,
    kind: ArtifactKind,
    sha256: string,
    run: PublishRun,
  ): Promise<boolean> {
    const head = await run.headOnce(key, this.props.repository);
    if (!head) return false;
    assertSameKind(head.metadata[META.kind], kind);
    if (head.metadata[META.sha256] !== sha256) return false;
    await this.settleLeftInvalidation(key, head, run);
    return true;
  }

  /**
   * The served bytes are the ones this bundle brings, so nothing is written; but the run that wrote
   * them may have stopped (store failure, Lambda timeout, killed process) after replacing the object
   * and before invalidating the CDN, and the edge would keep the superseded CRL or `good` answer
   * until its max-age. Such a key is invalidated again here.
   *
   * Design: the pending invalidation is recorded in the replacing object's own metadata
   * (META.invalidate, plus META.bundleId naming the writer), and it is settled by that bundle's
   * `completed` receipt, which finish() writes only after the invalidation succeeded. A marker
   * object per pending path (written before promoting, deleted after invalidating) was the
   * alternative; it was not chosen because
   * - the record is written by the same atomic PUT that replaces the object: no window between
   *   "recorded" and "replaced", no extra write per replaced path, nothing to clean up;
   * - nothing is deleted, so no publish can clear another's marker while that one is still between
   *   its write and its invalidation (the fan-out runs many workers and bundles concurrently, and a
   *   worker or Lambda may die at any point without a failed receipt);
   * - it holds for every way the bytes come back: a Lambda retry of the same bundle (its receipt is
   *   `failed` or absent), an SQS retry of one part (the retried worker records the path in its part
   *   result, and the finishing worker invalidates it), the operator re-sending the files as a new
   *   bundle, and `ca-repo local` resuming an interrupted bundle at startup.
   * What it costs: a receipt GET per writer bundle named by a flagged key (rare: only replacements
   * that needed an invalidation are flagged), and a path invalidated once more when a failed
   * bundle's files are re-sent several times. Past the cache cap of the kind (plus a margin for
   * replication lag and clock skew) no edge copy of the superseded object can be left, so older
   * flags are ignored, which also bounds the cost once receipts expire from the ingest bucket.
   * A failed run's replacement that is never re-sent stays cached until its max-age, as before.
   */
  private async settleLeftInvalidation(key: string, stored: ObjectHead, run: PublishRun): Promise<void> {
    if (stored.metadata[META.invalidate] !== 'yes') return;
    const cachedCopiesEnd =
      stored.lastModified.getTime() +
      (capFor(stored.metadata[META.kind], this.caps) + LEFT_INVALIDATION_MARGIN_SECONDS) * 1000;
    if (this.props.clock.now().getTime() > cachedCopiesEnd) return;
    const writer = stored.metadata[META.bundleId];
    const receipt =
      writer && isValidBundleId(writer) ? await run.receiptOnce(writer, this.props.ingest) : undefined;
    // Written before the writer's receipt (both times are the store's): the writer invalidated it.
    if (receipt?.status === 'completed' && receipt.storedAt >= stored.lastModified) return;
    run.changedPaths(`/${key}`);
  }

  private async invalidate(run: PublishRun): Promise<void> {
    const paths = run.pathsToInvalidate();
    if (!this.props.cdn || paths.length === 0) return;
    const plan = planInvalidation(paths, this.props.maxInvalidationPaths);
    await this.props.cdn.invalidate(plan);
    run.invalidated(plan);
  }

  private async writeObject(write: PendingWrite, bundleId: string, run: PublishRun): Promise<void> {
    const now = this.props.clock.now();
    const before: ObjectHead | undefined = await run.headOnce(write.key, this.props.repository);
    const metadata: Record<string, string> = {
      [META.kind]: write.kind,
      [META.sha256]: write.sha256,
      [META.bundleId]: bundleId,
      ...write.metadata,
    };
    if (write.thisUpdate) metadata[META.thisUpdate] = write.thisUpdate.toISOString();
    if (write.nextUpdate) metadata[META.nextUpdate] = write.nextUpdate.toISOString();
    // A refreshed OCSP response with the same status may stay cached until its max-age; a status
    // change (good → revoked) must reach relying parties now. Other URLs change rarely: always.
    const statusChanged = before?.metadata[META.certStatus] !== write.metadata?.[META.certStatus];
    const invalidate = before !== undefined && (write.kind !== 'ocsp-response' || statusChanged);
    // Recorded with the object itself, so a re-run can tell the invalidation is owed (see
    // settleLeftInvalidation).
    if (invalidate) metadata[META.invalidate] = 'yes';
    const options: PutObjectOptions = {
      contentType: CONTENT_TYPES[write.kind],
      cacheControl: cacheControlFor({ kind: write.kind, now, nextUpdate: write.nextUpdate, caps: this.caps }),
      expires: write.nextUpdate,
      metadata,
    };
    // Conditional write against the version the verdict was made on (S3 If-Match / If-None-Match).
    const expected = write.expectedEtag !== undefined ? write.expectedEtag : (before?.etag ?? null);
    if (expected === null) options.ifNoneMatch = '*';
    else options.ifMatch = expected;
    await this.props.repository.put(write.key, write.body, options);
    if (!before) return;
    run.replaced(write.key);
    if (invalidate) run.changedPaths(`/${write.key}`);
  }

  private async updateIndex(changes: IndexChanges): Promise<void> {
    const now = this.props.clock.now();
    const current = await this.props.repository.get('index.json');
    const index = mergeIndex(
      parseIndex(current ? Buffer.from(current.body).toString('utf8') : undefined, this.ocspUrl, now),
      changes,
      now,
    );
    const cacheControl = cacheControlFor({ kind: undefined, now, caps: this.caps });
    await this.props.repository.put('index.json', Buffer.from(serialiseIndex(index)), {
      contentType: CONTENT_TYPES['index-json'],
      cacheControl,
    });
    const html = renderIndexHtml(index, this.props.title ?? 'CA repository');
    await this.props.repository.put('index.html', Buffer.from(html), {
      contentType: CONTENT_TYPES['index-html'],
      cacheControl,
    });
  }

  private async writeReceipt(receipt: Receipt): Promise<Receipt> {
    await this.props.ingest.put(
      receiptKey(receipt.bundleId),
      Buffer.from(`${JSON.stringify(receipt, null, 2)}\n`),
      {
        contentType: 'application/json; charset=utf-8',
      },
    );
    return receipt;
  }
}

function assertSameKind(servedKind: string | undefined, kind: ArtifactKind): void {
  if (servedKind !== kind) {
    throw new RejectedError(
      `this URL already serves ${servedKind ? `a ${servedKind}` : 'content not published by ca-repo'}; it cannot become a ${kind}`,
    );
  }
}

/** A `<name>.pdf.p7s` CMS signature beside its PDF in the same part is that PDF's detached signature. */
function isDetachedSignatureOf(file: PartFile, byPath: Map<string, PartFile>): boolean {
  if (file.class.type !== 'cms-signature' || !file.path.endsWith('.p7s')) return false;
  return byPath.get(file.path.slice(0, -'.p7s'.length))?.class.type === 'pdf';
}

/** One part's verdicts, as a worker records them for the finishing merge. */
interface PartResult {
  accepted: AcceptedFile[];
  rejected: RejectedFile[];
  replaced: string[];
  changed: string[];
  changes: IndexChanges;
}

function describeFailure(error: unknown): string {
  if (error instanceof RejectedError) return error.message;
  return `store or internal error, nothing beyond the accepted files was changed; the bundle can be re-sent: ${
    (error as Error)?.message ?? String(error)
  }`;
}

interface StoredReceipt {
  status: Receipt['status'];
  /** The receipt object's Last-Modified, on the store's clock. */
  storedAt: Date;
}

/** The verdicts of one publish, gathered as files are judged. */
class PublishRun {
  private readonly acceptedFiles: AcceptedFile[] = [];
  private readonly rejectedFiles: RejectedFile[] = [];
  private readonly replacedKeys = new Set<string>();
  private readonly changed = new Set<string>();
  private invalidatedPaths: string[] = [];
  private readonly ocspKeys = new Map<string, string>();
  private readonly heads = new Map<string, Promise<ObjectHead | undefined>>();
  private readonly receipts = new Map<string, Promise<StoredReceipt | undefined>>();
  private readonly changes: IndexChanges = { caCertificates: [], crls: [], documents: [], ocspIssuers: [] };

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

  /** A bundle's stored receipt (status, and when the store wrote it), read once per run. */
  receiptOnce(bundleId: string, ingest: ObjectStore): Promise<StoredReceipt | undefined> {
    let receipt = this.receipts.get(bundleId);
    if (!receipt) {
      receipt = ingest.get(receiptKey(bundleId)).then((object) => {
        if (!object) return undefined;
        let status: unknown;
        try {
          status = (JSON.parse(Buffer.from(object.body).toString('utf8')) as Partial<Receipt>).status;
        } catch {
          return undefined;
        }
        return { status: status === 'completed' ? 'completed' : 'failed', storedAt: object.lastModified };
      });
      this.receipts.set(bundleId, receipt);
    }
    return receipt;
  }

  forgetHead(key: string): void {
    this.heads.delete(key);
  }

  reject(file: string, reason: string): void {
    this.rejectedFiles.push({ file, reason });
  }

  accept(outcome: FileOutcome): void {
    this.acceptedFiles.push(...outcome.accepted);
    this.changes.caCertificates.push(...(outcome.changes.caCertificates ?? []));
    this.changes.crls.push(...(outcome.changes.crls ?? []));
    this.changes.documents.push(...(outcome.changes.documents ?? []));
    for (const issuer of outcome.changes.ocspIssuers ?? []) {
      const known = this.changes.ocspIssuers.find((i) => i.issuer === issuer.issuer);
      if (!known) this.changes.ocspIssuers.push(issuer);
      else if (issuer.latestProducedAt > known.latestProducedAt)
        known.latestProducedAt = issuer.latestProducedAt;
    }
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

  /** One CertID may be answered by one file of a bundle only: which one should win is ambiguous. */
  claimOcspKey(key: string, serialHex: string, file: string): void {
    const owner = this.ocspKeys.get(key);
    if (owner && owner !== file) {
      throw new RejectedError(
        `serial ${serialHex}: the same CertID is also answered by ${owner} in this bundle`,
      );
    }
    this.ocspKeys.set(key, file);
  }

  hasIndexChanges(): boolean {
    const c = this.changes;
    return c.caCertificates.length + c.crls.length + c.documents.length + c.ocspIssuers.length > 0;
  }

  indexChanges(): IndexChanges {
    return this.changes;
  }

  toPartResult(): PartResult {
    return {
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
      run.accept({ accepted: result.accepted, writes: [], changes: result.changes });
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
      ...(error ? { error } : {}),
    };
  }
}

/**
 * `ca-repo publish BUNDLE_DIR --repo URL [--json]`: the on-prem uploader. It only pushes outward:
 * parts and manifest to the ingest store, then it polls for the receipt the publish gate writes.
 */
import { randomBytes } from 'node:crypto';
import { digest, toHex } from '../lambda/core/encoding/bytes.ts';
import { manifestKey, partKey, receiptKey } from '../lambda/core/publish/bundle.ts';
import { S3ObjectStore } from '../lambda/storage/s3-object-store.ts';
import { embeddedS3Client } from '../lambda/storage/embedded-s3-client.ts';
import { INGEST_DISCOVERY_PATH, type IngestDiscovery } from '../lambda/core/contract/ingest-discovery.ts';
import type { ObjectStore } from '../lambda/storage/object-store.ts';
import {
  changeOf,
  parseReceipt,
  type FileChange,
  type Receipt,
  type ReceiptInvalidation,
  type ReceiptSummary,
} from '../lambda/core/publish/receipt.ts';
import { parseReceiptFiles } from '../lambda/core/publish/receipt-files.ts';
import {
  buildManifest,
  packPart,
  packPartFiles,
  planBundle,
  type BundlePlan,
  type PackedPart,
} from './bundle-packer.ts';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { EXIT, type ExitCode } from '../lambda/core/contract/exit-codes.ts';
import { createProgress } from './progress.ts';
import type { TrustStore } from '../lambda/core/pki/trust-store.ts';
import { KeyMaterialError } from './key-material.ts';
import { keyMaterialIn, runPreflight, type PreflightReport } from './preflight.ts';
import { proxyAwareRequestHandler } from './network.ts';

export interface PublishResult {
  /**
   * Every accepted file, while the receipt lists them; empty when it summarises (`summary.listed`
   * false). `change`: new, replaced, or unchanged (these bytes were already served).
   */
  accepted: { file: string; kind: string; url: string; change: FileChange }[];
  /** Every refused file, always. */
  rejected: { file: string; reason: string }[];
  /** Counts by kind and change (receipt.ts ReceiptSummary). */
  summary?: ReceiptSummary;
  /** Where the per-file verdicts are (ingest store keys, one NDJSON object per part). */
  files?: string[];
  /** The CDN invalidation the publish made (its ID; completedAt once the CDN completed it). */
  invalidation?: ReceiptInvalidation;
}

/** Where the bundle goes: an ingest store at hand, or one to reach only once the pre-flight passed. */
export type PublishTarget =
  | {
      ingest: ObjectStore;
      /** Base URL of the repository (local repository or CDN). */
      repoUrl: string;
    }
  | { connect(): Promise<{ ingest: ObjectStore; repoUrl: string }> };

export type PublishOptions = PublishTarget & {
  bundleDir: string;
  timeoutSeconds?: number;
  /** Progress lines go here (stderr); undefined for silence. */
  progress?: NodeJS.WriteStream;
  maxPartFiles?: number;
  /** Pinned CA certificates for the pre-flight's signature checks (`--trust`); none: not checked. */
  trust?: TrustStore;
  /**
   * Wait until what was published is served (default): the publisher waits for the CDN
   * invalidation before it writes the receipt, and this waits out the edge's POST answer cache.
   * `false` (`--no-wait`): return with the receipt.
   */
  wait?: boolean;
  /** Stands in for the timer while the edge's POST answer cache is waited out (tests). */
  sleep?: (ms: number) => Promise<void>;
};

export function newBundleId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/** Asks a local repository where its ingest store is (`ca-repo local` answers; a CDN does not). */
export async function discoverLocalIngest(repoUrl: string): Promise<ObjectStore> {
  let discoveryUrl: URL;
  try {
    discoveryUrl = new URL(INGEST_DISCOVERY_PATH, repoUrl);
  } catch (error) {
    throw new CliError(
      `--repo ${repoUrl} is not a URL: give the repository's base URL, e.g. http://127.0.0.1:8080`,
      { cause: error },
    );
  }
  let response: Response;
  try {
    response = await fetch(discoveryUrl);
  } catch (error) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, ...) is its cause.
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    throw new CliError(
      `cannot reach the repository at ${repoUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}): is ca-repo local running there? Start it or correct --repo`,
      { exitCode: EXIT.unreachable, cause: error },
    );
  }
  if (!response.ok) {
    throw new CliError(
      `${repoUrl} is not a ca-repo local repository (${INGEST_DISCOVERY_PATH} answered ${response.status}): give the URL ca-repo local printed, or --stack NAME for a deployed stack`,
      { exitCode: EXIT.unreachable },
    );
  }
  const discovery = (await response.json().catch(() => undefined)) as IngestDiscovery | undefined;
  if (!discovery?.endpoint || !discovery.bucket) {
    throw new CliError(
      `${repoUrl} is not a ca-repo local repository (${INGEST_DISCOVERY_PATH} is not its ingest discovery): give the URL ca-repo local printed`,
      { exitCode: EXIT.unreachable },
    );
  }
  const client = embeddedS3Client(discovery, proxyAwareRequestHandler());
  return new S3ObjectStore({ client, bucket: discovery.bucket });
}

/**
 * Publishes a bundle directory: the pre-flight first (core/publish/preflight.ts), and a bundle
 * holding key material is refused whole with a KeyMaterialError before a byte is sent; files the
 * pre-flight refuses for any other reason are not sent either, and travel as the manifest's
 * `refused` list, so the receipt still names every file with its reason.
 */
export async function publishBundle(
  options: PublishOptions,
): Promise<PublishResult & { receipt: Receipt; preflight: PreflightReport }> {
  const fullPlan = await planBundle(options.bundleDir, { maxPartFiles: options.maxPartFiles });
  if (fullPlan.fileCount === 0 && fullPlan.refused.length === 0) {
    throw new CliError(
      `BUNDLE_DIR ${options.bundleDir} holds no files: give the directory of signed artifacts`,
    );
  }
  const preflight = await runPreflight(options.bundleDir, fullPlan, {
    now: new Date(),
    trust: options.trust,
  });
  const keys = keyMaterialIn(preflight);
  if (keys.length > 0) throw new KeyMaterialError(keys);
  const refused = preflight.verdicts.flatMap((v) =>
    v.outcome === 'rejected' ? [{ path: v.file, reason: v.reason }] : [],
  );
  const plan = withoutFiles(fullPlan, refused);
  const { ingest, repoUrl } = 'connect' in options ? await options.connect() : options;
  const bundleId = newBundleId(new Date());
  const progress = createProgress(options.progress, plan.fileCount);
  const parts: PackedPart[] = [];
  for (let i = 0; i < plan.parts.length; i++) {
    const packed = await packPart(options.bundleDir, plan, i);
    // Never replaces an object: the uploader role may only create new ones under bundles/.
    await ingest.put(partKey(bundleId, i), packed.archive, {
      contentType: 'application/x-tar',
      ifNoneMatch: '*',
    });
    const list = await packPartFiles(bundleId, i, packed.files);
    await ingest.put(list.entry.key, list.body, {
      contentType: 'application/json',
      ifNoneMatch: '*',
    });
    parts.push({
      sha256: toHex(await digest('sha256', packed.archive)),
      size: packed.archive.byteLength,
      files: list.entry,
    });
    progress.advance(packed.files.length, `uploaded part ${i + 1}/${plan.parts.length}`);
  }
  const wait = options.wait ?? true;
  const manifest = buildManifest({
    bundleId,
    createdAt: new Date(),
    parts,
    refused: plan.refused,
    waitForCdn: wait,
  });
  // The manifest goes last: its arrival is what starts the publish.
  await ingest.put(manifestKey(bundleId), Buffer.from(JSON.stringify(manifest)), {
    contentType: 'application/json',
    ifNoneMatch: '*',
  });
  progress.finish(`bundle ${bundleId} uploaded; waiting for the receipt`);

  const receipt = await waitForReceipt(ingest, bundleId, options.timeoutSeconds ?? 600);
  if (wait && receipt.postCacheSeconds) {
    // Counted from now, after the receipt: no clock of another machine is trusted.
    options.progress?.write(
      `ca-repo: waiting ${receipt.postCacheSeconds} s for the edge's cached OCSP POST answers to expire (--no-wait skips this)\n`,
    );
    const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    await sleep(receipt.postCacheSeconds * 1000);
  }
  const allFiles = [
    ...plan.parts.flatMap((part) => part.map((f) => f.path)),
    ...plan.refused.map((r) => r.path),
  ];
  if (receipt.summary?.listed === false) {
    return { ...(await toSummarisedResult(receipt, allFiles, ingest)), receipt, preflight };
  }
  return { ...toResult(receipt, allFiles, repoUrl), receipt, preflight };
}

/**
 * A receipt too large to list each file (format 2): counts, every rejection, and where the
 * per-file verdicts are. Files the publisher never judged (a failed publish) are named from those
 * per-file objects, read one part at a time.
 */
export async function toSummarisedResult(
  receipt: Receipt,
  allFiles: string[],
  ingest: ObjectStore,
): Promise<PublishResult> {
  const rejected = [...receipt.rejected];
  const summary = receipt.summary!;
  const files = receipt.files?.keys ?? [];
  if (summary.accepted + summary.rejected < allFiles.length) {
    const judged = new Set(rejected.map((r) => r.file));
    for (const key of files) {
      const object = await ingest.get(key);
      if (!object) continue;
      for (const line of parseReceiptFiles(Buffer.from(object.body).toString('utf8'))) judged.add(line.file);
    }
    for (const file of allFiles) {
      if (!judged.has(file)) rejected.push({ file, reason: receipt.error ?? 'not judged by the publisher' });
    }
    rejected.sort((a, b) => a.file.localeCompare(b.file));
  }
  return { accepted: [], rejected, summary, files };
}

/** The plan without the files the pre-flight refused, which are listed as refused instead. */
function withoutFiles(plan: BundlePlan, refused: BundlePlan['refused']): BundlePlan {
  const gone = new Set(refused.map((r) => r.path));
  const parts = plan.parts.map((part) => part.filter((f) => !gone.has(f.path))).filter((p) => p.length > 0);
  return { parts, refused, fileCount: parts.reduce((n, part) => n + part.length, 0) };
}

export async function waitForReceipt(
  ingest: ObjectStore,
  bundleId: string,
  timeoutSeconds: number,
): Promise<Receipt> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let delay = 100;
  for (;;) {
    const object = await ingest.get(receiptKey(bundleId));
    if (object) return parseReceipt(Buffer.from(object.body).toString('utf8'));
    if (Date.now() > deadline) {
      throw new CliError(
        `no receipt for bundle ${bundleId} after ${timeoutSeconds} s: check that the publisher is running, or wait longer with --timeout`,
        { exitCode: EXIT.unreachable },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

/** Every file of the bundle exactly once: accepted, rejected, or (failed publish) rejected with the error. */
export function toResult(receipt: Receipt, allFiles: string[], repoUrl: string): PublishResult {
  const base = repoUrl.replace(/\/+$/, '');
  const accepted = receipt.accepted.map((a) => ({
    file: a.file,
    kind: a.kind,
    url: `${base}${a.url}`,
    change: changeOf(a, receipt.replaced),
  }));
  const rejected = [...receipt.rejected];
  const judged = new Set([...accepted.map((a) => a.file), ...rejected.map((r) => r.file)]);
  for (const file of allFiles) {
    if (!judged.has(file)) {
      rejected.push({ file, reason: receipt.error ?? 'not judged by the publisher' });
      judged.add(file);
    }
  }
  rejected.sort((a, b) => a.file.localeCompare(b.file));
  return { accepted, rejected, ...(receipt.invalidation ? { invalidation: receipt.invalidation } : {}) };
}

/** The publisher waited for the CDN and saw its invalidation incomplete: not yet served everywhere. */
function notYetServed(receipt: Receipt): boolean {
  return Boolean(receipt.invalidation?.incomplete);
}

/**
 * The exit code of a publish: 0 only when every file was accepted or unchanged and is served;
 * EXIT.unreachable when the CDN did not complete the invalidation in the publisher's wait.
 */
export function publishExitCode(result: PublishResult, receipt: Receipt): ExitCode {
  if (result.rejected.length > 0 || receipt.status !== 'completed') return EXIT.rejected;
  return notYetServed(receipt) ? EXIT.unreachable : EXIT.ok;
}

export function formatResult(result: PublishResult, receipt: Receipt): string {
  const lines: string[] = [];
  for (const a of result.accepted) {
    // An identical re-publish wrote nothing: said so, not "accepted".
    if (a.change === 'unchanged') lines.push(`unchanged  ${a.file}  ${a.kind}  ${a.url}`);
    else lines.push(`accepted  ${a.file}  ${a.kind}  ${a.url}  (${a.change})`);
  }
  const summarised = result.summary?.listed === false;
  if (summarised) {
    for (const [kind, changes] of Object.entries(result.summary!.byKind)) {
      const counts = Object.entries(changes).map(([change, n]) => `${n} ${change}`);
      lines.push(`accepted  ${kind}: ${counts.join(', ')}`);
    }
  }
  for (const r of result.rejected) lines.push(`REJECTED  ${r.file}  ${r.reason}`);
  const byChange = (change: FileChange) =>
    summarised
      ? Object.values(result.summary!.byKind).reduce((n, counts) => n + (counts[change] ?? 0), 0)
      : result.accepted.filter((a) => a.change === change).length;
  const accepted = summarised ? result.summary!.accepted : result.accepted.length;
  lines.push(
    `${accepted} accepted, ${result.rejected.length} rejected: ${byChange('new')} new, ${byChange('replaced')} replaced, ${byChange('unchanged')} unchanged (bundle ${receipt.bundleId}, ${receipt.status})`,
  );
  if (summarised && result.files?.length) {
    lines.push(
      `per-file verdicts: ${result.files.length} NDJSON objects in the ingest store, ${result.files[0]} …`,
    );
  }
  const invalidation = receipt.invalidation;
  if (invalidation?.completedAt) {
    lines.push(`served: CDN invalidation ${invalidation.id} completed at ${invalidation.completedAt}`);
  } else if (invalidation?.incomplete) {
    lines.push(`NOT YET SERVED everywhere: ${invalidation.incomplete}`);
  } else if (invalidation) {
    lines.push(`CDN invalidation ${invalidation.id} started, not waited for (--no-wait)`);
  }
  if (receipt.error) lines.push(`error: ${receipt.error}`);
  return `${lines.join('\n')}\n`;
}

import { stat } from 'node:fs/promises';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { EXIT } from '../lambda/core/contract/exit-codes.ts';
import { TrustStore } from '../lambda/core/pki/trust-store.ts';
import { planBundle } from '../onprem/bundle-packer.ts';
import { KeyMaterialError, describeKeyMaterial } from '../onprem/key-material.ts';
import { formatPreflight, preflightExitCode, preflightJson, runPreflight } from '../onprem/preflight.ts';
import { discoverLocalIngest, formatResult, publishBundle, publishExitCode } from '../onprem/uploader.ts';
import { discoverStackIngest } from '../onprem/stack-target.ts';
import { readTrustFiles } from './trust-files.ts';
import { edgeCacheWaitSeconds } from '../lambda/core/publish/edge-cache-wait.ts';
import type { Receipt } from '../lambda/core/publish/receipt.ts';

/**
 * A deployed stack's POST answers may come from Lambda@Edge memory, which no invalidation reaches:
 * after an OCSP status change, wait out that memory before the change is reported served. (A
 * local repository's invalidation reaches its in-process edge, so it needs no wait.)
 */
export async function waitOutEdgeCaches(
  receipt: Pick<Receipt, 'status' | 'invalidated'>,
  options: { sleep?: (ms: number) => Promise<void>; progress?: (line: string) => void } = {},
): Promise<number> {
  const seconds = edgeCacheWaitSeconds(receipt);
  if (seconds === 0) return 0;
  options.progress?.(`an OCSP status changed: waiting ${seconds} s for edge POST caches to expire\n`);
  await (options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))))(seconds * 1000);
  return seconds;
}

export async function runPublish(options: {
  bundleDir: string;
  target: { repoUrl: string } | { stack: string; region?: string } | 'dry-run';
  /** `--trust` files: signatures are checked before sending only with them. */
  trust?: readonly string[];
  json: boolean;
  timeoutSeconds: number;
}): Promise<number> {
  const info = await stat(options.bundleDir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CliError(
      `BUNDLE_DIR ${options.bundleDir} ${info ? 'is not a directory' : 'does not exist'}: give the directory of signed artifacts to publish`,
    );
  }
  if (!Number.isFinite(options.timeoutSeconds) || options.timeoutSeconds <= 0) {
    throw new CliError('--timeout must be a positive number of seconds');
  }
  const trust =
    options.trust && options.trust.length > 0
      ? await TrustStore.fromDer(await readTrustFiles(options.trust))
      : undefined;
  if (options.target === 'dry-run') {
    const plan = await planBundle(options.bundleDir);
    const report = await runPreflight(options.bundleDir, plan, { now: new Date(), trust });
    process.stdout.write(options.json ? preflightJson(report) : formatPreflight(report));
    return preflightExitCode(report);
  }
  try {
    // The pre-flight runs inside publishBundle; the target is reached only once it has passed.
    const target = options.target;
    const {
      receipt,
      preflight: _,
      ...result
    } = await publishBundle({
      bundleDir: options.bundleDir,
      connect: () =>
        'stack' in target
          ? discoverStackIngest(target.stack, target.region)
          : discoverLocalIngest(target.repoUrl).then((ingest) => ({ ingest, repoUrl: target.repoUrl })),
      timeoutSeconds: options.timeoutSeconds,
      progress: process.stderr,
      trust,
    });
    if ('stack' in target)
      await waitOutEdgeCaches(receipt, { progress: (line) => process.stderr.write(line) });
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(formatResult(result, receipt));
    return publishExitCode(result, receipt);
  } catch (error) {
    if (!(error instanceof KeyMaterialError)) throw error;
    for (const file of error.files) process.stderr.write(`ca-repo: ${describeKeyMaterial(file)}\n`);
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ sent: false, keyMaterial: error.files.map(({ file, form }) => ({ file, form })) })}\n`,
      );
    }
    return EXIT.keyMaterial;
  }
}

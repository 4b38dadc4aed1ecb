import { stat } from 'node:fs/promises';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { discoverLocalIngest, formatResult, publishBundle, publishExitCode } from '../onprem/uploader.ts';
import { discoverStackIngest } from '../onprem/stack-target.ts';
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
  target: { repoUrl: string } | { stack: string; region?: string };
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
  const { ingest, repoUrl } =
    'stack' in options.target
      ? await discoverStackIngest(options.target.stack, options.target.region)
      : { ingest: await discoverLocalIngest(options.target.repoUrl), repoUrl: options.target.repoUrl };
  const { receipt, ...result } = await publishBundle({
    bundleDir: options.bundleDir,
    repoUrl,
    ingest,
    timeoutSeconds: options.timeoutSeconds,
    progress: process.stderr,
  });
  if ('stack' in options.target)
    await waitOutEdgeCaches(receipt, { progress: (line) => process.stderr.write(line) });
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(formatResult(result, receipt));
  return publishExitCode(result, receipt);
}

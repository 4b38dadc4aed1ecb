import { stat } from 'node:fs/promises';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { discoverLocalIngest, formatResult, publishBundle, publishExitCode } from '../onprem/uploader.ts';
import { discoverStackIngest } from '../onprem/stack-target.ts';

export async function runPublish(options: {
  bundleDir: string;
  target: { repoUrl: string } | { stack: string; region?: string };
  json: boolean;
  timeoutSeconds: number;
  /** Wait until the publish is served (default); `--no-wait` sets false. */
  wait?: boolean;
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
    wait: options.wait ?? true,
  });
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(formatResult(result, receipt));
  return publishExitCode(result, receipt);
}

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

export async function runPublish(options: {
  bundleDir: string;
  target: { repoUrl: string } | { stack: string; region?: string } | 'dry-run';
  /** `--trust` files: signatures are checked before sending only with them. */
  trust?: readonly string[];
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
      wait: options.wait ?? true,
    });
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

import { discoverLocalIngest } from '../onprem/uploader.ts';
import { discoverStackIngest } from '../onprem/stack-target.ts';
import { formatWithdrawResult, withdrawExitCode, withdrawUrls } from '../onprem/withdraw.ts';

export async function runWithdraw(options: {
  urls: string[];
  force: boolean;
  target: { repoUrl: string } | { stack: string; region?: string };
  json: boolean;
  timeoutSeconds: number;
}): Promise<number> {
  const ingest =
    'stack' in options.target
      ? (await discoverStackIngest(options.target.stack, options.target.region)).ingest
      : await discoverLocalIngest(options.target.repoUrl);
  const { receipt, ...result } = await withdrawUrls({
    urls: options.urls,
    force: options.force,
    ingest,
    timeoutSeconds: options.timeoutSeconds,
  });
  if (options.json) process.stdout.write(`${JSON.stringify({ ...result, bundleId: receipt.bundleId })}\n`);
  else process.stdout.write(formatWithdrawResult(result, receipt));
  return withdrawExitCode(result, receipt);
}

/**
 * `ca-repo withdraw URL...`: asks the publish gate to retire served objects. Like a publish it
 * only writes outward, a manifest of its own under `bundles/` (the uploader may create objects
 * there and nothing else); the gate judges each URL, deletes what it accepts (kept as a noncurrent
 * version), updates the index, invalidates the CDN and writes the receipt this polls for.
 */
import { manifestKey } from '../lambda/core/publish/bundle.ts';
import type { Receipt } from '../lambda/core/publish/receipt.ts';
import type { Withdrawal } from '../lambda/core/publish/withdrawal.ts';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { EXIT, type ExitCode } from '../lambda/core/contract/exit-codes.ts';
import type { ObjectStore } from '../lambda/storage/object-store.ts';
import { buildManifest } from './bundle-packer.ts';
import { newBundleId, waitForReceipt } from './uploader.ts';

export interface WithdrawResult {
  withdrawn: string[];
  rejected: { url: string; reason: string }[];
}

/**
 * The repository path a URL argument names: a full URL on the repository (its host is not
 * checked, a repository may have several names) or a path starting with `/`.
 */
export function withdrawalPath(argument: string): string {
  if (argument.startsWith('/')) return argument;
  let url: URL;
  try {
    url = new URL(argument);
  } catch (error) {
    throw new CliError(
      `${argument} is not a URL: give the served URL (https://repo.example/crl/ca.crl) or its path (/crl/ca.crl)`,
      { cause: error },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`${argument} is not an http(s) URL of the repository`);
  }
  return url.pathname;
}

export async function withdrawUrls(options: {
  urls: string[];
  force: boolean;
  ingest: ObjectStore;
  timeoutSeconds: number;
}): Promise<WithdrawResult & { receipt: Receipt }> {
  const withdraw: Withdrawal[] = [...new Set(options.urls.map(withdrawalPath))].map((url) => ({
    url,
    ...(options.force ? { force: true } : {}),
  }));
  const bundleId = await putWithdrawalManifest(options.ingest, newBundleId(new Date()), withdraw);
  const receipt = await waitForReceipt(options.ingest, bundleId, options.timeoutSeconds);
  const withdrawn = receipt.withdrawn ?? [];
  const rejected = receipt.rejected.map((r) => ({ url: r.file, reason: r.reason }));
  // Every URL gets an answer, even from a gate that failed the bundle or predates withdrawals.
  const answered = new Set([...withdrawn, ...rejected.map((r) => r.url)]);
  for (const { url } of withdraw) {
    if (!answered.has(url)) {
      rejected.push({
        url,
        reason:
          receipt.error ??
          'not withdrawn: the publisher did not judge it (is it older than ca-repo withdraw?)',
      });
    }
  }
  return { withdrawn, rejected, receipt };
}

/** Writes a manifest carrying only withdrawals; never replaces an object (the uploader may only create). */
export async function putWithdrawalManifest(
  ingest: ObjectStore,
  bundleId: string,
  withdraw: Withdrawal[],
): Promise<string> {
  const manifest = buildManifest({
    bundleId,
    createdAt: new Date(),
    parts: [],
    refused: [],
    withdraw,
  });
  await ingest.put(manifestKey(bundleId), Buffer.from(JSON.stringify(manifest)), {
    contentType: 'application/json',
    ifNoneMatch: '*',
  });
  return bundleId;
}

/** 0 only when every URL was withdrawn. */
export function withdrawExitCode(result: WithdrawResult, receipt: Receipt): ExitCode {
  return result.rejected.length === 0 && receipt.status === 'completed' ? EXIT.ok : EXIT.rejected;
}

export function formatWithdrawResult(result: WithdrawResult, receipt: Receipt): string {
  const lines = [
    ...result.withdrawn.map((url) => `withdrawn  ${url}`),
    ...result.rejected.map((r) => `REFUSED    ${r.url}  ${r.reason}`),
    `${result.withdrawn.length} withdrawn, ${result.rejected.length} refused (bundle ${receipt.bundleId}, ${receipt.status})`,
  ];
  if (receipt.invalidated.length > 0) lines.push(`CDN invalidated: ${receipt.invalidated.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

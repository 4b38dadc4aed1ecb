import { startLocalRepository } from '../lambda/local/local-repository.ts';
import { validateOcspPathPrefix } from '../lambda/edge/build-viewer-request.ts';
import { CliError } from './cli-error.ts';
import { readTrustFiles } from './trust-files.ts';

export async function runLocal(options: {
  trust: string[];
  port: number;
  dataDir: string;
  title?: string;
  replica?: boolean;
  ocspPathPrefix?: string;
}): Promise<number> {
  try {
    validateOcspPathPrefix(options.ocspPathPrefix ?? '/ocsp');
  } catch (error) {
    throw new CliError(`--ocsp-path: ${(error as Error).message}`);
  }
  const repository = await startLocalRepository({
    port: options.port,
    dataDir: options.dataDir,
    trust: await readTrustFiles(options.trust),
    title: options.title,
    replica: options.replica,
    ocspPathPrefix: options.ocspPathPrefix,
    onReceipt: (receipt) =>
      console.log(
        `bundle ${receipt.bundleId}: ${receipt.status}, ${receipt.accepted.length} accepted, ${receipt.rejected.length} rejected`,
      ),
  });
  console.log(
    `ca-repo local: serving ${repository.url}/ (ingest S3 at ${repository.s3.endpoint}); Ctrl-C to stop`,
  );
  await waitForSignal();
  await repository.close();
  return 0;
}

export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

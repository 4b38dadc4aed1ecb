import { startLocalRepository } from '../lambda/local/local-repository.ts';
import { readTrustFiles } from './trust-files.ts';

export async function runLocal(options: {
  trust: string[];
  port: number;
  dataDir: string;
  title?: string;
}): Promise<number> {
  const repository = await startLocalRepository({
    port: options.port,
    dataDir: options.dataDir,
    trust: await readTrustFiles(options.trust),
    title: options.title,
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

/**
 * One side of the local fan-out in a process of its own, so its peak RSS is its own (scale-bench.ts):
 *
 *   node --import tsx bench/scale-child.ts dispatch DATA_DIR CA.der BUNDLE_ID     the dispatcher handler
 *   node --import tsx bench/scale-child.ts work DATA_DIR CA.der BUNDLE_ID PART    the worker handler, one part
 *   node --import tsx bench/scale-child.ts idle DATA_DIR CA.der                   the same modules, no work
 *
 * The stores are directories (DATA_DIR/ingest, DATA_DIR/repository): the fast local store the
 * issue allows, so the figure is the handlers' memory, not an S3 server's. Prints one JSON line:
 * peak RSS (VmHWM), RSS, seconds, and what the handler did.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestKey } from '../lambda/core/publish/bundle.ts';
import { TrustStore } from '../lambda/core/pki/trust-store.ts';
import type { Receipt } from '../lambda/core/publish/receipt.ts';
import { createPublishDispatchHandler } from '../lambda/handlers/publish-dispatch-handler.ts';
import { createPublishWorkerHandler } from '../lambda/handlers/publish-worker-handler.ts';
import { serialisePartMessage } from '../lambda/core/contract/publish-work-queue.ts';
import { PublishService } from '../lambda/services/publish/publish-service.ts';
import { DirectoryObjectStore } from '../lambda/storage/directory-object-store.ts';

async function memory(): Promise<{ peakMiB: number; rssMiB: number }> {
  const status = await readFile('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
}

async function main(): Promise<void> {
  const [mode, dataDir, caPath, bundleId, part] = process.argv.slice(2);
  const ingest = new DirectoryObjectStore(join(dataDir!, 'ingest'));
  const repository = new DirectoryObjectStore(join(dataDir!, 'repository'));
  const trust = await TrustStore.fromDer([new Uint8Array(await readFile(caPath!))]);
  const service = new PublishService({ ingest, repository, trust, clock: { now: () => new Date() } });
  const receipts: Receipt[] = [];
  const start = performance.now();
  let detail: Record<string, unknown> = {};
  if (mode === 'dispatch') {
    let queued = 0;
    const dispatch = createPublishDispatchHandler({
      service,
      queue: { sendParts: async (_bundle, parts) => void (queued += parts.length) },
      onReceipt: (receipt) => receipts.push(receipt),
    });
    await dispatch({ Records: [{ s3: { object: { key: manifestKey(bundleId!) } } }] });
    detail = { partsQueued: queued };
  } else if (mode === 'work') {
    const work = createPublishWorkerHandler({ service, onReceipt: (receipt) => receipts.push(receipt) });
    const response = await work({
      Records: [
        {
          messageId: 'bench',
          body: serialisePartMessage({ bundleId: bundleId!, part: Number(part) }),
          attributes: { ApproximateReceiveCount: '1' },
        },
      ],
    });
    detail = { failedRecords: response.batchItemFailures.length };
  } else if (mode !== 'idle') {
    throw new Error(`unknown mode ${mode}`);
  }
  const seconds = (performance.now() - start) / 1000;
  const failed = receipts.find((r) => r.status === 'failed');
  process.stdout.write(
    `${JSON.stringify({ ...(await memory()), seconds, ...detail, receipts: receipts.length, error: failed?.error })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});

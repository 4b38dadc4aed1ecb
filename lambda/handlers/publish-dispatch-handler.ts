/**
 * The publish dispatcher: S3 ObjectCreated on `bundles/<id>/manifest.json` → the bundle's parts on
 * the work queue, one message each. Only the manifest (written last by the uploader) starts a
 * publish; part uploads and other keys are ignored. Without a queue the invocation publishes the
 * whole bundle itself. The Lambda (publish-lambda.ts) and the local repository run this function.
 */
import type { PartQueue } from '../core/contract/publish-work-queue.ts';
import { bundleIdOfManifestKey } from '../core/publish/bundle.ts';
import type { Receipt } from '../core/publish/receipt.ts';
import type { PublishService } from '../services/publish/publish-service.ts';
import { decodeS3EventKey } from '../adapters/s3-event.ts';
import { deadlineOf, type LambdaContextLike } from './publish-worker-handler.ts';

/** The parts of an S3 event record the dispatcher reads (a full `S3Event` fits). */
export interface S3EventLike {
  Records?: { s3: { object: { key: string } } }[];
}

export interface PublishDispatchDependencies {
  service: PublishService;
  /** Where the parts go; without a queue the whole bundle is published in this invocation. */
  queue?: PartQueue;
  /** Receipts this invocation wrote: a refused manifest, a bundle without parts, a whole publish. */
  onReceipt?: (receipt: Receipt) => void;
}

export function createPublishDispatchHandler(
  dependencies: PublishDispatchDependencies,
): (event: S3EventLike, context?: LambdaContextLike) => Promise<void> {
  const { service, queue, onReceipt } = dependencies;
  return async (event, context) => {
    for (const record of event.Records ?? []) {
      const bundleId = bundleIdOfManifestKey(decodeS3EventKey(record.s3.object.key));
      if (!bundleId) continue;
      const receipt = queue
        ? await dispatch(service, queue, bundleId)
        : await service.publishBundle(bundleId, deadlineOf(context));
      if (receipt) onReceipt?.(receipt);
    }
  };
}

/** Checks the manifest, then queues its parts; a receipt comes back only when there is no part to queue. */
async function dispatch(service: PublishService, queue: PartQueue, bundleId: string) {
  const parts: number[] = [];
  const receipt = await service.dispatchBundle(bundleId, async (part) => void parts.push(part));
  await queue.sendParts(bundleId, parts);
  return receipt;
}

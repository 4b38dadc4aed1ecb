/**
 * The publish worker: one part of a bundle per SQS record. A failed record is reported in
 * `batchItemFailures`, so the queue redelivers only it (after its visibility timeout) and moves it
 * to the dead-letter queue after the last receive. The Lambda (publish-worker-lambda.ts) and the
 * local repository's in-process queue run this function.
 */
import { parsePartMessage } from '../core/contract/publish-work-queue.ts';
import type { Receipt } from '../core/publish/receipt.ts';
import type { PublishService } from '../services/publish/publish-service.ts';

/** The parts of an SQS event record the worker reads (a full `SQSEvent` fits). */
export interface SqsEventLike {
  Records: { messageId: string; body: string; attributes?: { ApproximateReceiveCount?: string } }[];
}

/** Lambda's partial batch response (the event source reports batch item failures). */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface PublishWorkerDependencies {
  service: PublishService;
  /** The receipt, when this worker recorded the bundle's last part and finished the publish. */
  onReceipt?: (receipt: Receipt) => void;
}

export function createPublishWorkerHandler(
  dependencies: PublishWorkerDependencies,
): (event: SqsEventLike) => Promise<SqsBatchResponse> {
  const { service, onReceipt } = dependencies;
  return async (event) => {
    const batchItemFailures: SqsBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let receipt: Receipt | undefined;
      try {
        const message = parsePartMessage(record.body);
        receipt = await service.publishBundlePart(message.bundleId, message.part);
      } catch (error) {
        const receive = record.attributes?.ApproximateReceiveCount ?? '?';
        console.error(`part message ${record.messageId} ${record.body} failed on receive ${receive}:`, error);
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      if (receipt) onReceipt?.(receipt);
    }
    return { batchItemFailures };
  };
}

/**
 * The publish worker: one part of a bundle per SQS record. A failed record is reported in
 * `batchItemFailures`, so the queue redelivers only it (after its visibility timeout) and moves it
 * to the dead-letter queue after the last receive. The Lambda (publish-worker-lambda.ts) and the
 * local repository's in-process queue run this function.
 */
import { parsePartMessage, PUBLISH_WORK_QUEUE } from '../core/contract/publish-work-queue.ts';
import type { Receipt } from '../core/publish/receipt.ts';
import type { PublishService } from '../services/publish/publish-service.ts';
import { systemClock } from '../adapters/system-clock.ts';

/** The parts of an SQS event record the worker reads (a full `SQSEvent` fits). */
export interface SqsEventLike {
  Records: { messageId: string; body: string; attributes?: { ApproximateReceiveCount?: string } }[];
}

/** The part of Lambda's context the handlers read: how long the invocation has left. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

/** When the invocation must be done, from its context (none outside Lambda). */
export function deadlineOf(context: LambdaContextLike | undefined): Date | undefined {
  return context ? new Date(systemClock.now().getTime() + context.getRemainingTimeInMillis()) : undefined;
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

/** The part's failure as its files' verdict: the receipt (or null, another worker finishes), or undefined when that failed too. */
async function recordFailure(
  service: PublishService,
  body: string,
  error: unknown,
  deadline: Date | undefined,
): Promise<Receipt | null | undefined> {
  try {
    const message = parsePartMessage(body);
    const reason = error instanceof Error ? error.message : String(error);
    return (await service.failBundlePart(message.bundleId, message.part, reason, deadline)) ?? null;
  } catch (failure) {
    console.error(`could not record the failure of part message ${body}:`, failure);
    return undefined;
  }
}

export function createPublishWorkerHandler(
  dependencies: PublishWorkerDependencies,
): (event: SqsEventLike, context?: LambdaContextLike) => Promise<SqsBatchResponse> {
  const { service, onReceipt } = dependencies;
  return async (event, context) => {
    const deadline = deadlineOf(context);
    const batchItemFailures: SqsBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let receipt: Receipt | undefined;
      try {
        const message = parsePartMessage(record.body);
        receipt = await service.publishBundlePart(message.bundleId, message.part, deadline);
      } catch (error) {
        const receive = record.attributes?.ApproximateReceiveCount ?? '?';
        console.error(`part message ${record.messageId} ${record.body} failed on receive ${receive}:`, error);
        // The last receive: give the part's files this failure as their verdict, so the bundle
        // still gets a receipt; only if even that fails does the message go to the dead letters.
        const lastReceive = Number(receive) >= PUBLISH_WORK_QUEUE.maxReceiveCount;
        const failed = lastReceive ? await recordFailure(service, record.body, error, deadline) : undefined;
        if (failed === undefined) {
          batchItemFailures.push({ itemIdentifier: record.messageId });
          continue;
        }
        receipt = failed ?? undefined;
      }
      if (receipt) onReceipt?.(receipt);
    }
    return { batchItemFailures };
  };
}

/**
 * The publish work queue on SQS: the dispatcher's parts go out with SendMessageBatch, ten to a
 * request (the API's limit).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { serialisePartMessage, type PartQueue } from '../core/contract/publish-work-queue.ts';

/** SendMessageBatch takes at most ten entries. */
const SEND_BATCH_LIMIT = 10;

export class SqsPartQueue implements PartQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /**
   * Throws when SQS refuses any entry: the dispatcher's invocation then fails and is retried as a
   * whole, and the parts already queued are delivered twice, which workers tolerate.
   */
  async sendParts(bundleId: string, parts: readonly number[]): Promise<void> {
    for (let i = 0; i < parts.length; i += SEND_BATCH_LIMIT) {
      const batch = parts.slice(i, i + SEND_BATCH_LIMIT);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((part) => ({
            Id: String(part),
            MessageBody: serialisePartMessage({ bundleId, part }),
          })),
        }),
      );
      if (result.Failed?.length) {
        const reasons = result.Failed.map((f) => `part ${f.Id}: ${f.Code ?? 'error'}`).join(', ');
        throw new Error(`could not queue ${result.Failed.length} part(s) of ${bundleId} (${reasons})`);
      }
    }
  }
}

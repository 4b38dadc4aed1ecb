/**
 * Publish worker (Lambda, SQS): publishes one part of a bundle per message. Failed messages are
 * reported individually so SQS retries only them and then moves them to the dead-letter queue.
 */
import type { PartMessage } from './publish-lambda.ts';
import { createPublishService, readPublishEnvironment } from './publish-lambda-environment.ts';

const service = createPublishService(readPublishEnvironment(process.env));

interface SqsEvent {
  Records: { messageId: string; body: string }[];
}

export async function handler(event: SqsEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const publisher = await service;
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      const message = JSON.parse(record.body) as PartMessage;
      await publisher.publishBundlePart(message.bundleId, message.part);
    } catch (error) {
      console.error(`part message ${record.messageId} failed:`, error);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

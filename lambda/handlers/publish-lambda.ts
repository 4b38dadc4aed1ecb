/**
 * Publish dispatcher (Lambda, S3 ObjectCreated on `bundles/<id>/manifest.json` of the ingest
 * bucket): checks the manifest and queues one SQS message per part for the workers; without a
 * queue it publishes the whole bundle itself.
 */
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { decodeS3EventKey } from '../adapters/s3-event.ts';
import { bundleIdOfManifestKey } from '../core/publish/bundle.ts';
import type { S3EventLike } from './publish-handler.ts';
import { createPublishService, readPublishEnvironment } from './publish-lambda-environment.ts';

const environment = readPublishEnvironment(process.env);
const service = createPublishService(environment);
const sqs = new SQSClient({});

export interface PartMessage {
  bundleId: string;
  part: number;
}

export async function handler(event: S3EventLike): Promise<void> {
  for (const record of event.Records ?? []) {
    const bundleId = bundleIdOfManifestKey(decodeS3EventKey(record.s3.object.key));
    if (!bundleId) continue;
    const publisher = await service;
    if (!environment.publishQueueUrl) {
      await publisher.publishBundle(bundleId);
      continue;
    }
    const parts: number[] = [];
    await publisher.dispatchBundle(bundleId, async (part) => void parts.push(part));
    for (let i = 0; i < parts.length; i += 10) {
      const batch = parts.slice(i, i + 10);
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: environment.publishQueueUrl,
          Entries: batch.map((part) => ({
            Id: String(part),
            MessageBody: JSON.stringify({ bundleId, part } satisfies PartMessage),
          })),
        }),
      );
      if (result.Failed?.length)
        throw new Error(`could not queue ${result.Failed.length} part(s) of ${bundleId}`);
    }
  }
}

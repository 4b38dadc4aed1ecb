/**
 * Publish dispatcher (Lambda, S3 ObjectCreated on `bundles/<id>/manifest.json` of the ingest
 * bucket): wiring only; publish-dispatch-handler.ts holds what it does. Without PUBLISH_QUEUE_URL
 * it publishes each bundle itself.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsPartQueue } from '../adapters/sqs-part-queue.ts';
import { createPublishDispatchHandler } from './publish-dispatch-handler.ts';
import { createPublishService, readPublishEnvironment } from './publish-lambda-environment.ts';

const environment = readPublishEnvironment(process.env);

export const handler = createPublishDispatchHandler({
  service: await createPublishService(environment),
  queue: environment.publishQueueUrl
    ? new SqsPartQueue(new SQSClient({}), environment.publishQueueUrl)
    : undefined,
});

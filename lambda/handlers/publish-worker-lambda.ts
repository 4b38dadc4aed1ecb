/**
 * Publish worker (Lambda, SQS event source on the work queue): wiring only;
 * publish-worker-handler.ts holds what it does.
 */
import { createPublishWorkerHandler } from './publish-worker-handler.ts';
import { createPublishService, readPublishEnvironment } from './publish-lambda-environment.ts';

export const handler = createPublishWorkerHandler({
  service: await createPublishService(readPublishEnvironment(process.env)),
});

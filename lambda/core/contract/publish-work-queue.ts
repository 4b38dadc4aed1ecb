/**
 * The publish work queue between the dispatcher and its workers: the message (one bundle part),
 * the queue's delivery settings and the port the dispatcher sends through. The CDK publisher
 * configures SQS with these settings; the local repository's in-process queue runs with them, so
 * both deliver the same messages to the same worker handler under the same rules.
 */
import { isValidBundleId } from '../publish/bundle.ts';

/**
 * One message is one part of a bundle. The body is exactly `{"bundleId":…,"part":…}`: messages
 * still queued when a new worker version is deployed must parse, so the shape only ever grows.
 */
export interface PartMessage {
  bundleId: string;
  /** Index into the manifest's `parts`. */
  part: number;
}

/** Sends parts of a bundle to the workers (SQS in AWS, an in-process queue locally). */
export interface PartQueue {
  sendParts(bundleId: string, parts: readonly number[]): Promise<void>;
}

export const PUBLISH_WORK_QUEUE = {
  /**
   * How long a received message stays hidden from other workers. AWS guidance for SQS event
   * sources: at least six times the function timeout (the worker's is 5 minutes), so a running
   * worker's message is never handed to a second one; a failed part is retried after it.
   */
  visibilityTimeoutSeconds: 30 * 60,
  /** Receives before a message moves to the dead-letter queue: a part is tried three times. */
  maxReceiveCount: 3,
  /** One message per invocation: a failed part is retried alone. */
  batchSize: 1,
  /** Upper bound on concurrent workers unless the deployment sets its own. */
  maxConcurrency: 50,
} as const;

export function serialisePartMessage(message: PartMessage): string {
  return JSON.stringify({ bundleId: message.bundleId, part: message.part } satisfies PartMessage);
}

/** Parses a message body; throws when it is not a part message (such a message can only dead-letter). */
export function parsePartMessage(body: string): PartMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error('part message is not JSON');
  }
  const message = value as Partial<PartMessage> | null;
  if (typeof message?.bundleId !== 'string' || !isValidBundleId(message.bundleId)) {
    throw new Error('part message has no valid bundleId');
  }
  if (!Number.isSafeInteger(message.part) || (message.part as number) < 0) {
    throw new Error('part message has no valid part index');
  }
  return { bundleId: message.bundleId, part: message.part as number };
}

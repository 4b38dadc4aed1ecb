/**
 * CDN invalidation through the CloudFront API; the publisher's role may create and read
 * invalidations of its own distribution only (lib/constructs/publisher.ts).
 *
 * The wait polls GetInvalidation itself rather than with the SDK's waitUntilInvalidationCompleted,
 * whose 20-second minimum delay would add up to 20 s to every publish: most invalidations
 * complete in seconds, so polling starts at one second and backs off to ten (GetInvalidation is
 * cheap and free of charge; the SDK retries throttling itself).
 */
import { CreateInvalidationCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { randomUUID } from 'node:crypto';
import { systemClock } from './system-clock.ts';
import type { CdnInvalidator, Clock } from '../services/ports.ts';

/** The one method of CloudFrontClient used here, so a test can stand in for the client. */
export interface CloudFrontSend {
  send(command: CreateInvalidationCommand | GetInvalidationCommand): Promise<unknown>;
}

export interface InvalidationPolling {
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_INVALIDATION_POLLING: InvalidationPolling = { firstDelayMs: 1000, maxDelayMs: 10_000 };

/** The invalidation did not complete within the wait: one line, with the command that checks it. */
export class InvalidationTimeoutError extends Error {
  override name = 'InvalidationTimeoutError';
}

export class CloudFrontInvalidator implements CdnInvalidator {
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly polling: InvalidationPolling;

  constructor(
    private readonly client: CloudFrontSend,
    private readonly distributionId: string,
    options: { clock?: Clock; sleep?: (ms: number) => Promise<void>; polling?: InvalidationPolling } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.polling = options.polling ?? DEFAULT_INVALIDATION_POLLING;
  }

  async invalidate(paths: readonly string[]): Promise<{ id: string } | void> {
    if (paths.length === 0) return;
    const result = (await this.client.send(
      new CreateInvalidationCommand({
        DistributionId: this.distributionId,
        InvalidationBatch: {
          CallerReference: `ca-repo-${randomUUID()}`,
          Paths: { Quantity: paths.length, Items: [...paths] },
        },
      }),
    )) as { Invalidation?: { Id?: string } };
    const id = result.Invalidation?.Id;
    if (!id)
      throw new Error(`CloudFront CreateInvalidation on ${this.distributionId} answered no invalidation ID`);
    return { id };
  }

  async waitForCompletion(id: string, timeoutMs: number): Promise<Date> {
    const start = this.clock.now().getTime();
    let delay = this.polling.firstDelayMs;
    for (;;) {
      const result = (await this.client.send(
        new GetInvalidationCommand({ DistributionId: this.distributionId, Id: id }),
      )) as { Invalidation?: { Status?: string } };
      const status = result.Invalidation?.Status ?? 'unknown';
      const now = this.clock.now();
      if (status === 'Completed') return now;
      const elapsed = now.getTime() - start;
      if (elapsed >= timeoutMs) {
        throw new InvalidationTimeoutError(
          `CloudFront invalidation ${id} of distribution ${this.distributionId} was still ${status} after ${Math.round(elapsed / 1000)} s; edges may serve cached copies until it completes (aws cloudfront get-invalidation --distribution-id ${this.distributionId} --id ${id})`,
        );
      }
      await this.sleep(Math.min(delay, timeoutMs - elapsed));
      delay = Math.min(delay * 2, this.polling.maxDelayMs);
    }
  }
}

import { CreateInvalidationCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { describe, expect, it } from 'vitest';
import {
  CloudFrontInvalidator,
  InvalidationTimeoutError,
} from '../../lambda/adapters/cloudfront-invalidator.ts';

/** A CloudFront client answering GetInvalidation from a script of statuses, on a fake clock. */
function fakeCloudFront(statuses: string[]) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const calls: { command: string; input: unknown; at: number }[] = [];
  const sleeps: number[] = [];
  const client = {
    async send(command: CreateInvalidationCommand | GetInvalidationCommand) {
      calls.push({ command: command.constructor.name, input: command.input, at: now });
      if (command instanceof CreateInvalidationCommand)
        return { Invalidation: { Id: 'I2EXAMPLE', Status: 'InProgress' } };
      return { Invalidation: { Id: 'I2EXAMPLE', Status: statuses.shift() ?? 'InProgress' } };
    },
  };
  const invalidator = new CloudFrontInvalidator(client, 'EDIST', {
    clock: { now: () => new Date(now) },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    polling: { firstDelayMs: 1000, maxDelayMs: 4000 },
  });
  return { invalidator, calls, sleeps, start: now };
}

describe('CloudFront invalidation waiter', () => {
  it('creates the invalidation of exactly the paths and answers its ID', async () => {
    const { invalidator, calls } = fakeCloudFront([]);
    expect(await invalidator.invalidate(['/index.json', '/crl/root.crl'])).toEqual({ id: 'I2EXAMPLE' });
    expect(calls[0]).toMatchObject({
      command: 'CreateInvalidationCommand',
      input: {
        DistributionId: 'EDIST',
        InvalidationBatch: { Paths: { Quantity: 2, Items: ['/index.json', '/crl/root.crl'] } },
      },
    });
    expect(await invalidator.invalidate([])).toBeUndefined();
    expect(calls).toHaveLength(1);
  });

  it('polls GetInvalidation with backoff until Completed and answers when', async () => {
    const { invalidator, calls, sleeps, start } = fakeCloudFront([
      'InProgress',
      'InProgress',
      'InProgress',
      'Completed',
    ]);
    const completedAt = await invalidator.waitForCompletion('I2EXAMPLE', 60_000);
    expect(calls.map((c) => c.command)).toEqual(Array(4).fill('GetInvalidationCommand'));
    expect(calls[0]?.input).toEqual({ DistributionId: 'EDIST', Id: 'I2EXAMPLE' });
    expect(sleeps).toEqual([1000, 2000, 4000]);
    expect(completedAt.getTime() - start).toBe(7000);
  });

  it('gives up at the bound with one line naming the invalidation and how to check it', async () => {
    const { invalidator, calls, sleeps } = fakeCloudFront([]);
    const waiting = invalidator.waitForCompletion('I2EXAMPLE', 10_000);
    await expect(waiting).rejects.toBeInstanceOf(InvalidationTimeoutError);
    const error = (await invalidator
      .waitForCompletion('I2EXAMPLE', 10_000)
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      'CloudFront invalidation I2EXAMPLE of distribution EDIST was still InProgress after 10 s; edges may serve cached copies until it completes (aws cloudfront get-invalidation --distribution-id EDIST --id I2EXAMPLE)',
    );
    expect(error.message).not.toMatch(/\n/);
    // Never sleeps past the bound: 1 + 2 + 4 + 3 s, then one last look.
    expect(sleeps.slice(0, 4)).toEqual([1000, 2000, 4000, 3000]);
    expect(calls.filter((c) => c.command === 'GetInvalidationCommand')).toHaveLength(10);
  });
});

/**
 * The local repository's in-process queue keeps the SQS rules the publish workers rely on:
 * records shaped as Lambda receives them, batches and concurrency, the visibility timeout before a
 * failed message comes back, the receive count, the dead letters, and a clean stop.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  InProcessQueue,
  type InProcessQueueOptions,
  type SqsEventHandler,
  type SqsRecord,
} from '../../lambda/local/in-process-queue.ts';

const settings: InProcessQueueOptions = {
  visibilityTimeoutMs: 1000,
  maxReceiveCount: 3,
  batchSize: 1,
  concurrency: 1,
};

/** Lets every pending promise callback run (setImmediate is left real by the fake timers). */
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A handler that records every batch and answers with `respond`. */
function recording(respond: (records: SqsRecord[]) => ReturnType<SqsEventHandler>) {
  const batches: SqsRecord[][] = [];
  const handler: SqsEventHandler = (event) => {
    batches.push(event.Records);
    return respond(event.Records);
  };
  const received = () => batches.flat().map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`);
  return { handler, batches, received };
}

const fail = (records: SqsRecord[]) =>
  Promise.resolve({ batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })) });
const succeed = () => Promise.resolve({ batchItemFailures: [] });

let queues: InProcessQueue[] = [];
function queue(handler: SqsEventHandler, options: Partial<InProcessQueueOptions> = {}): InProcessQueue {
  const q = new InProcessQueue(handler, { ...settings, ...options });
  queues.push(q);
  return q;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(async () => {
  for (const q of queues) await q.stop();
  queues = [];
  vi.useRealTimers();
});

describe('InProcessQueue', () => {
  it('delivers each message as Lambda receives an SQS record, once per send (no deduplication)', async () => {
    const { handler, batches } = recording(succeed);
    const q = queue(handler, { name: 'work' });
    const ids = q.send(['{"part":0}', '{"part":0}']);
    await q.idle();
    expect(batches.flat().map((r) => r.messageId)).toEqual(ids);
    const record = batches[0]![0]!;
    expect(record).toMatchObject({
      body: '{"part":0}',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
      md5OfBody: createHash('md5').update('{"part":0}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: expect.stringMatching(/^arn:aws:sqs:[a-z0-9-]+:\d{12}:work$/),
    });
    expect(ids[0]).not.toBe(ids[1]);
    expect(q.stats()).toEqual({ sent: 2, received: 2, deleted: 2, deadLettered: 0 });
  });

  it('hands out at most batchSize records per invocation and at most `concurrency` invocations at once', async () => {
    const releases: (() => void)[] = [];
    const { handler, batches } = recording(
      () => new Promise((resolve) => releases.push(() => resolve(undefined))),
    );
    const q = queue(handler, { batchSize: 2, concurrency: 2 });
    q.send(['a', 'b', 'c', 'd', 'e']);
    await flush();
    expect(batches.map((b) => b.map((r) => r.body))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    releases.shift()!();
    await flush();
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    while (releases.length > 0) releases.shift()!();
    await q.idle();
    expect(q.depth).toBe(0);
  });

  it('redelivers a failed message once its visibility timeout, counted from the receive, has passed', async () => {
    let attempts = 0;
    const { handler, received } = recording((records) => (++attempts === 1 ? fail(records) : succeed()));
    const q = queue(handler);
    q.send(['part-1']);
    await flush();
    expect(received()).toEqual(['part-1#1']);
    await vi.advanceTimersByTimeAsync(999);
    expect(received()).toEqual(['part-1#1']); // still hidden
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(received()).toEqual(['part-1#1', 'part-1#2']);
    await q.idle();
    expect(q.stats()).toMatchObject({ received: 2, deleted: 1, deadLettered: 0 });
  });

  it('redelivers only the records a partial batch response lists', async () => {
    let first = true;
    const { handler, received } = recording((records) => {
      if (!first) return succeed();
      first = false;
      return Promise.resolve({ batchItemFailures: [{ itemIdentifier: records[1]!.messageId }] });
    });
    const q = queue(handler, { batchSize: 3 });
    q.send(['a', 'b', 'c']);
    await flush();
    await vi.advanceTimersByTimeAsync(1000);
    await q.idle();
    expect(received()).toEqual(['a#1', 'b#1', 'c#1', 'b#2']);
  });

  it('redelivers the whole batch when the handler throws, or names a record that is not in it', async () => {
    const failures: [() => ReturnType<SqsEventHandler>, reportedErrors: number][] = [
      [() => Promise.reject(new Error('worker crashed')), 1],
      [() => Promise.resolve({ batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] }), 0],
      [() => Promise.resolve({ batchItemFailures: [{}] }), 0],
    ];
    for (const [failure, reportedErrors] of failures) {
      let first = true;
      const { handler, received } = recording(() => {
        if (!first) return succeed();
        first = false;
        return failure();
      });
      const errors: unknown[] = [];
      const q = queue(handler, { batchSize: 2, onHandlerError: (error) => errors.push(error) });
      q.send(['a', 'b']);
      await flush();
      await vi.advanceTimersByTimeAsync(1000);
      await q.idle();
      expect(received()).toEqual(['a#1', 'b#1', 'a#2', 'b#2']);
      expect(errors).toHaveLength(reportedErrors);
    }
  });

  it('moves a message that failed maxReceiveCount receives to the dead letters, then is idle', async () => {
    const { handler, received } = recording(fail);
    const dead: string[] = [];
    const q = queue(handler, { onDeadLetter: (letter) => dead.push(letter.body) });
    q.send(['poison', 'fine']);
    let idle = false;
    void q.idle().then(() => (idle = true));
    for (let i = 0; i < 4; i++) {
      await flush();
      await vi.advanceTimersByTimeAsync(1000);
    }
    await flush();
    expect(received()).toEqual(['poison#1', 'fine#1', 'poison#2', 'fine#2', 'poison#3', 'fine#3']);
    expect(dead).toEqual(['poison', 'fine']);
    expect(q.deadLetters()).toMatchObject([
      { body: 'poison', receiveCount: 3 },
      { body: 'fine', receiveCount: 3 },
    ]);
    expect(idle).toBe(true);
    expect(q.stats()).toEqual({ sent: 2, received: 6, deleted: 0, deadLettered: 2 });
  });

  it('never hands out a message while its handler still runs, even past the visibility timeout', async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const { handler, received } = recording((records) => {
      if (++calls > 1) return succeed();
      return new Promise((resolve) => (release = () => resolve(fail(records))));
    });
    const q = queue(handler, { concurrency: 2 });
    q.send(['slow']);
    await flush();
    await vi.advanceTimersByTimeAsync(5000); // five visibility timeouts
    expect(received()).toEqual(['slow#1']);
    release();
    await flush(); // the timeout has long passed: visible again as soon as the handler fails it
    expect(received()).toEqual(['slow#1', 'slow#2']);
    await q.idle();
  });

  it('stop() lets running handlers finish, drops what is left, clears its timers and refuses sends', async () => {
    let release: () => void = () => undefined;
    let finished = false;
    const q = queue(
      () =>
        new Promise((resolve) => {
          release = () => {
            finished = true;
            resolve(undefined);
          };
        }),
    );
    q.send(['running', 'waiting']);
    await flush();
    const stopping = q.stop();
    let stopped: number | undefined;
    void stopping.then((dropped) => (stopped = dropped));
    await flush();
    expect(stopped).toBeUndefined(); // waits for the running handler
    release();
    expect(await stopping).toBe(1);
    expect(finished).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await q.idle();
    expect(() => q.send(['late'])).toThrow(/stopped/);
  });

  it('refuses settings SQS would not take', () => {
    expect(() => queue(succeed, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => queue(succeed, { concurrency: 1.5 })).toThrow(/concurrency/);
    expect(() => queue(succeed, { visibilityTimeoutMs: -1 })).toThrow(/visibilityTimeoutMs/);
  });
});

/**
 * An SQS queue and its Lambda event source, in process: what the local repository puts between the
 * publish dispatcher and the publish workers. It keeps the rules the workers rely on:
 *
 *   at-least-once   a message stays until its handler succeeds with it; nothing deduplicates a
 *                   message sent twice
 *   visibility      a received message is hidden for the visibility timeout (counted from the
 *                   receive); a failed one (listed in `batchItemFailures`, or its whole batch when
 *                   the handler throws) is delivered again once that timeout has passed
 *   receive count   every delivery counts (`attributes.ApproximateReceiveCount`); a message
 *                   received `maxReceiveCount` times and failed again moves to the dead letters
 *                   when it would next be received, as SQS's redrive policy does
 *   batches         up to `batchSize` records per invocation, at most `concurrency` invocations at
 *                   once (the event source's maximum concurrency)
 *
 * One difference is deliberate: a message is never visible while its handler still runs. In AWS
 * the function's timeout is shorter than the visibility timeout (the event source refuses
 * otherwise) and Lambda stops a late handler; in process nothing can stop it, so the queue waits
 * for it instead of handing the message to a second worker alongside.
 */
import { createHash, randomUUID } from 'node:crypto';

export interface InProcessQueueSettings {
  visibilityTimeoutMs: number;
  maxReceiveCount: number;
  batchSize: number;
  /** Handler invocations at once. */
  concurrency: number;
}

export interface InProcessQueueOptions extends InProcessQueueSettings {
  /** Queue name, in the records' `eventSourceARN`. */
  name?: string;
  /** A message moved to the dead letters (SQS would raise the dead-letter alarm). */
  onDeadLetter?: (message: DeadLetter) => void;
  /** The handler threw (Lambda logs the error and retries the whole batch). Default console.error. */
  onHandlerError?: (error: unknown) => void;
}

/** One record of an SQS event as Lambda's event source delivers it. */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
  };
  messageAttributes: Record<string, never>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/** A Lambda handler for SQS events with partial batch responses (`ReportBatchItemFailures`). */
export type SqsEventHandler = (event: {
  Records: SqsRecord[];
}) => Promise<{ batchItemFailures?: { itemIdentifier?: string }[] } | void>;

export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: Date;
}

export interface QueueCounts {
  sent: number;
  /** Deliveries, redeliveries included. */
  received: number;
  /** Messages a handler succeeded with. */
  deleted: number;
  deadLettered: number;
}

interface Message {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  receivedAt?: number;
  /** Hidden until this time (epoch ms); 0 when never received. */
  visibleAt: number;
  inFlight: boolean;
}

const REGION = 'us-east-1';

export class InProcessQueue {
  /** Messages neither deleted nor dead-lettered, in the order they were sent. */
  private readonly messages = new Map<string, Message>();
  private readonly dead: DeadLetter[] = [];
  private readonly counts: QueueCounts = { sent: 0, received: 0, deleted: 0, deadLettered: 0 };
  private readonly invocations = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly arn: string;

  constructor(
    private readonly handler: SqsEventHandler,
    private readonly options: InProcessQueueOptions,
  ) {
    for (const name of ['visibilityTimeoutMs', 'maxReceiveCount', 'batchSize', 'concurrency'] as const) {
      const value = options[name];
      const minimum = name === 'visibilityTimeoutMs' ? 0 : 1;
      if (!Number.isSafeInteger(value) || value < minimum) {
        throw new RangeError(`${name} must be an integer of at least ${minimum}, not ${value}`);
      }
    }
    this.arn = `arn:aws:sqs:${REGION}:000000000000:${options.name ?? 'queue'}`;
  }

  /** SendMessage, once per body; returns the message IDs. */
  send(bodies: readonly string[]): string[] {
    if (this.stopped) throw new Error(`queue ${this.arn} is stopped`);
    const ids = bodies.map((body) => {
      const id = randomUUID();
      this.messages.set(id, { id, body, sentAt: Date.now(), receiveCount: 0, visibleAt: 0, inFlight: false });
      return id;
    });
    this.counts.sent += ids.length;
    this.pump();
    return ids;
  }

  /** Messages not yet deleted or dead-lettered: waiting, hidden after a receive, or in a handler. */
  get depth(): number {
    return this.messages.size;
  }

  deadLetters(): readonly DeadLetter[] {
    return [...this.dead];
  }

  stats(): QueueCounts {
    return { ...this.counts };
  }

  /** Resolves once every message sent so far is deleted or dead-lettered (or the queue stopped). */
  idle(): Promise<void> {
    if (this.messages.size === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops delivering, waits for the handlers that are running, and drops what is left (returns how
   * many messages). Call `idle()` first to drain instead.
   */
  async stop(): Promise<number> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.invocations);
    const dropped = this.messages.size;
    this.messages.clear();
    this.wakeIdleWaiters();
    return dropped;
  }

  /** Starts as many invocations as the concurrency allows, then sets the timer for the next redelivery. */
  private pump(): void {
    if (this.stopped) return;
    const now = Date.now();
    while (this.invocations.size < this.options.concurrency) {
      const batch: Message[] = [];
      for (const message of this.messages.values()) {
        if (batch.length === this.options.batchSize) break;
        if (message.inFlight || message.visibleAt > now) continue;
        if (message.receiveCount >= this.options.maxReceiveCount) {
          this.deadLetter(message);
          continue;
        }
        message.receiveCount++;
        message.firstReceivedAt ??= now;
        message.receivedAt = now;
        message.inFlight = true;
        batch.push(message);
      }
      if (batch.length === 0) break;
      this.counts.received += batch.length;
      this.invoke(batch);
    }
    this.scheduleRedelivery(now);
    if (this.messages.size === 0) this.wakeIdleWaiters();
  }

  private invoke(batch: Message[]): void {
    const records = batch.map((message) => this.toRecord(message));
    const invocation = (async () => {
      let failed: Set<string>;
      try {
        await Promise.resolve(); // the handler starts after send() or the previous settle returns
        failed = failedIds(await this.handler({ Records: records }), batch);
      } catch (error) {
        (this.options.onHandlerError ?? defaultHandlerError)(error);
        failed = new Set(batch.map((message) => message.id));
      }
      this.settle(batch, failed);
    })();
    this.invocations.add(invocation);
    void invocation.finally(() => {
      this.invocations.delete(invocation);
      this.pump();
    });
  }

  private settle(batch: Message[], failed: Set<string>): void {
    const now = Date.now();
    for (const message of batch) {
      message.inFlight = false;
      if (failed.has(message.id)) {
        message.visibleAt = Math.max((message.receivedAt ?? now) + this.options.visibilityTimeoutMs, now);
      } else {
        this.messages.delete(message.id);
        this.counts.deleted++;
      }
    }
  }

  private deadLetter(message: Message): void {
    this.messages.delete(message.id);
    const letter: DeadLetter = {
      messageId: message.id,
      body: message.body,
      receiveCount: message.receiveCount,
      sentAt: new Date(message.sentAt),
    };
    this.dead.push(letter);
    this.counts.deadLettered++;
    try {
      this.options.onDeadLetter?.(letter);
    } catch (error) {
      console.error('in-process queue: onDeadLetter threw:', error);
    }
  }

  /** One timer, for the earliest hidden message that is not in a handler. */
  private scheduleRedelivery(now: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    let next = Infinity;
    for (const message of this.messages.values()) {
      if (!message.inFlight && message.visibleAt > now) next = Math.min(next, message.visibleAt);
    }
    if (next !== Infinity) this.timer = setTimeout(() => this.pump(), next - now);
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private toRecord(message: Message): SqsRecord {
    return {
      messageId: message.id,
      receiptHandle: randomUUID(),
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'ca-repo-local',
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: REGION,
    };
  }
}

/**
 * The records a partial batch response marks failed. As Lambda does: no response or an empty list
 * is success; an identifier that is empty, missing or names no record of the batch fails it whole.
 */
function failedIds(response: Awaited<ReturnType<SqsEventHandler>>, batch: readonly Message[]): Set<string> {
  const ids = new Set(batch.map((message) => message.id));
  const failed = new Set<string>();
  for (const failure of response?.batchItemFailures ?? []) {
    const id = failure?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return ids;
    failed.add(id);
  }
  return failed;
}

function defaultHandlerError(error: unknown): void {
  console.error('in-process queue: the handler failed; its whole batch will be delivered again:', error);
}

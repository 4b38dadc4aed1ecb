/**
 * The publish Lambda handlers translate events only: the dispatcher turns a manifest's S3 event
 * into part messages (or a whole publish without a queue), the worker turns SQS records into
 * published parts and reports each failed record alone; the SQS adapter batches the messages.
 */
import { PassThroughStore } from '../../testkit/pass-through-store.ts';
import { SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqsPartQueue } from '../../lambda/adapters/sqs-part-queue.ts';
import { encodeS3EventKey } from '../../lambda/adapters/s3-event.ts';
import {
  parsePartMessage,
  serialisePartMessage,
  type PartQueue,
} from '../../lambda/core/contract/publish-work-queue.ts';
import { manifestKey, partKey, receiptKey } from '../../lambda/core/publish/bundle.ts';
import type { Receipt } from '../../lambda/core/publish/receipt.ts';
import { createPublishDispatchHandler } from '../../lambda/handlers/publish-dispatch-handler.ts';
import {
  createPublishWorkerHandler,
  type SqsEventLike,
} from '../../lambda/handlers/publish-worker-handler.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
const files: Record<string, Uint8Array> = {};
beforeAll(async () => {
  pki = await createTestPki();
  Object.assign(files, {
    'ca/root.crt': pki.ca.cert.certDer,
    'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 5n }),
    'ocsp/good.ocsp': await pki.ca.ocspResponse(pki.leaf, { hash: 'sha256' }),
  });
});
afterAll(() => pki?.cleanup());

/** The ingest store, with GETs of chosen keys failing as S3 would when it is unreachable. */
class FaultyStore extends PassThroughStore {
  readonly failingGets = new Set<string>();
  override async get(key: string) {
    if (this.failingGets.has(key)) throw new Error(`GET ${key}: connect ECONNREFUSED`);
    return this.inner.get(key);
  }
}

let ingest: FaultyStore;
let repository: MemoryObjectStore;
let service: PublishService;
let receipts: Receipt[];
let queued: { bundleId: string; parts: number[] }[];
const queue: PartQueue = {
  sendParts: async (bundleId, parts) => void queued.push({ bundleId, parts: [...parts] }),
};

beforeEach(() => {
  ingest = new FaultyStore(new MemoryObjectStore());
  repository = new MemoryObjectStore();
  service = new PublishService({ ingest, repository, trust: pki.trust, clock: { now: () => new Date() } });
  receipts = [];
  queued = [];
});

const s3Event = (...keys: string[]) => ({
  Records: keys.map((key) => ({ s3: { object: { key: encodeS3EventKey(key) } } })),
});

const sqsEvent = (...messages: [id: string, body: string][]): SqsEventLike => ({
  Records: messages.map(([messageId, body]) => ({
    messageId,
    body,
    attributes: { ApproximateReceiveCount: '1' },
  })),
});

describe('the dispatch handler', () => {
  it("queues one message per part for a manifest's event and ignores every other key", async () => {
    const bundleId = await putBundle(ingest, files, { filesPerPart: 1 });
    const dispatch = createPublishDispatchHandler({ service, queue, onReceipt: (r) => receipts.push(r) });
    await dispatch(s3Event(partKey(bundleId, 0), manifestKey(bundleId), receiptKey(bundleId)));
    expect(queued).toEqual([{ bundleId, parts: [0, 1, 2] }]);
    expect(receipts).toEqual([]); // the workers write the receipt
    expect(await repository.get('crl/root.crl')).toBeUndefined();
  });

  it('without a queue publishes the whole bundle in the invocation', async () => {
    const bundleId = await putBundle(ingest, files, { filesPerPart: 1 });
    await createPublishDispatchHandler({ service, onReceipt: (r) => receipts.push(r) })(
      s3Event(manifestKey(bundleId)),
    );
    expect(receipts.map((r) => [r.bundleId, r.status, r.accepted.length])).toEqual([
      [bundleId, 'completed', 3],
    ]);
  });

  it('reports the failed receipt of a refused manifest and queues nothing', async () => {
    await ingest.put(manifestKey('broken'), Buffer.from('{"format":"x"}'), {
      contentType: 'application/json',
    });
    await createPublishDispatchHandler({ service, queue, onReceipt: (r) => receipts.push(r) })(
      s3Event(manifestKey('broken')),
    );
    expect(receipts).toMatchObject([{ bundleId: 'broken', status: 'failed' }]);
    expect(queued.flatMap((q) => q.parts)).toEqual([]);
  });
});

describe('the worker handler', () => {
  it('publishes one part per record; the worker of the last part reports the receipt', async () => {
    const bundleId = await putBundle(ingest, files, { filesPerPart: 1 });
    const worker = createPublishWorkerHandler({ service, onReceipt: (r) => receipts.push(r) });
    for (const part of [2, 0]) {
      expect(await worker(sqsEvent([`m${part}`, serialisePartMessage({ bundleId, part })]))).toEqual({
        batchItemFailures: [],
      });
    }
    expect(receipts).toEqual([]);
    await worker(sqsEvent(['m1', serialisePartMessage({ bundleId, part: 1 })]));
    expect(receipts.map((r) => [r.status, r.accepted.map((a) => a.file)])).toEqual([
      ['completed', ['ca/root.crt', 'crl/root.crl', 'ocsp/good.ocsp']],
    ]);
  });

  it('lists exactly the records that failed, so only they are retried', async () => {
    const bundleId = await putBundle(ingest, files, { filesPerPart: 1 });
    ingest.failingGets.add(partKey(bundleId, 1));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const response = await createPublishWorkerHandler({ service })(
        sqsEvent(
          ['ok', serialisePartMessage({ bundleId, part: 0 })],
          ['store-down', serialisePartMessage({ bundleId, part: 1 })],
          ['not-json', 'part 2 please'],
          ['bad-part', JSON.stringify({ bundleId, part: -1 })],
        ),
      );
      expect(response.batchItemFailures).toEqual([
        { itemIdentifier: 'store-down' },
        { itemIdentifier: 'not-json' },
        { itemIdentifier: 'bad-part' },
      ]);
      expect(errors.mock.calls.map((call) => String(call[0]))).toEqual([
        expect.stringMatching(/^part message store-down .* failed on receive 1/),
        expect.stringMatching(/^part message not-json /),
        expect.stringMatching(/^part message bad-part /),
      ]);
    } finally {
      errors.mockRestore();
    }
    expect(await repository.get('ca/root.crt')).toBeDefined(); // part 0 was published
  });
});

describe('the part message', () => {
  it('keeps the body the deployed workers parse, and refuses anything else', () => {
    expect(serialisePartMessage({ bundleId: 'b-1', part: 3 })).toBe('{"bundleId":"b-1","part":3}');
    expect(parsePartMessage('{"bundleId":"b-1","part":3}')).toEqual({ bundleId: 'b-1', part: 3 });
    for (const body of ['', '[]', 'null', '{"bundleId":"../x","part":0}', '{"bundleId":"b","part":1.5}']) {
      expect(() => parsePartMessage(body), body).toThrow(/part message/);
    }
  });
});

describe('SqsPartQueue', () => {
  /** A real SQS client whose SendMessageBatch calls are answered here, before any network. */
  function fakeSqs(answer: (input: SendMessageBatchCommandInput) => object) {
    const client = new SQSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const inputs: SendMessageBatchCommandInput[] = [];
    client.middlewareStack.add(
      () => async (args) => {
        const input = args.input as SendMessageBatchCommandInput;
        inputs.push(input);
        return { output: { $metadata: {}, ...answer(input) }, response: {} };
      },
      { step: 'initialize', name: 'fake-sqs' },
    );
    return { client, inputs };
  }

  it('sends ten messages per SendMessageBatch, one per part, to the queue URL', async () => {
    const { client, inputs } = fakeSqs((input) => ({
      Successful: input.Entries!.map((e) => ({ Id: e.Id, MessageId: `id-${e.Id}`, MD5OfMessageBody: '' })),
      Failed: [],
    }));
    const parts = Array.from({ length: 23 }, (_, i) => i);
    await new SqsPartQueue(client, 'https://sqs.example/work').sendParts('bundle-1', parts);
    expect(inputs.map((i) => [i.QueueUrl, i.Entries!.length])).toEqual([
      ['https://sqs.example/work', 10],
      ['https://sqs.example/work', 10],
      ['https://sqs.example/work', 3],
    ]);
    const bodies = inputs.flatMap((i) => i.Entries!.map((e) => parsePartMessage(e.MessageBody!)));
    expect(bodies).toEqual(parts.map((part) => ({ bundleId: 'bundle-1', part })));
  });

  it('throws when SQS refuses an entry, so the dispatch is retried', async () => {
    const { client } = fakeSqs((input) => ({
      Successful: [],
      Failed: [{ Id: input.Entries![0]!.Id, SenderFault: false, Code: 'InternalError' }],
    }));
    await expect(new SqsPartQueue(client, 'https://sqs.example/work').sendParts('b', [0])).rejects.toThrow(
      /could not queue 1 part\(s\) of b \(part 0: InternalError\)/,
    );
  });

  it('carries the dispatcher’s messages to the worker handler unchanged', async () => {
    const bundleId = await putBundle(ingest, files, { filesPerPart: 2 });
    const { client, inputs } = fakeSqs(() => ({ Successful: [], Failed: [] }));
    await createPublishDispatchHandler({ service, queue: new SqsPartQueue(client, 'https://sqs.example/w') })(
      s3Event(manifestKey(bundleId)),
    );
    const worker = createPublishWorkerHandler({ service, onReceipt: (r) => receipts.push(r) });
    for (const entry of inputs.flatMap((i) => i.Entries!)) {
      await worker(sqsEvent([entry.Id!, entry.MessageBody!]));
    }
    expect(receipts.map((r) => [r.bundleId, r.status, r.accepted.length])).toEqual([
      [bundleId, 'completed', 3],
    ]);
  });
});

/**
 * The two publish Lambda entry files as Lambda loads them: configuration from the environment the
 * CDK publisher sets, the SDK's default S3 and SQS clients, the pinned CA certificates from
 * TRUST_DIR. The S3 client is pointed at the embedded S3 server (whose events invoke the
 * dispatcher entry) and the SQS client at a stand-in endpoint answering SendMessageBatch, whose
 * messages an in-process queue delivers to the worker entry.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PUBLISH_WORK_QUEUE, parsePartMessage } from '../../lambda/core/contract/publish-work-queue.ts';
import { receiptKey } from '../../lambda/core/publish/bundle.ts';
import type { Receipt } from '../../lambda/core/publish/receipt.ts';
import { startEmbeddedS3, type EmbeddedS3 } from '../../lambda/local/embedded-s3.ts';
import { closeServer, listen, portOf } from '../../lambda/local/http-server.ts';
import { InProcessQueue } from '../../lambda/local/in-process-queue.ts';
import { INGEST_BUCKET, REPOSITORY_BUCKET } from '../../lambda/local/local-repository.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let work: string;
let s3: EmbeddedS3;
let sqs: Server;
let queue: InProcessQueue;
const batches: string[][] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  pki = await createTestPki();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-entries-'));
  const trustDir = join(work, 'trust');
  await mkdir(trustDir);
  await writeFile(join(trustDir, 'ca-01.der'), pki.ca.cert.certDer);
  s3 = await startEmbeddedS3({ directory: join(work, 's3'), buckets: [INGEST_BUCKET, REPOSITORY_BUCKET] });

  // SendMessageBatch in the SQS JSON protocol; the SDK checks each MD5 it gets back.
  sqs = await listen(async (request, body) => {
    if (request.headers['x-amz-target'] !== 'AmazonSQS.SendMessageBatch') {
      const refusal = Buffer.from('{"__type":"InvalidAction"}');
      return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: refusal };
    }
    const input = JSON.parse(Buffer.from(body).toString()) as {
      Entries: { Id: string; MessageBody: string }[];
    };
    batches.push(input.Entries.map((e) => e.MessageBody));
    const ids = queue.send(input.Entries.map((e) => e.MessageBody));
    const successful = input.Entries.map((entry, i) => ({
      Id: entry.Id,
      MessageId: ids[i],
      MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
    }));
    const answer = Buffer.from(JSON.stringify({ Successful: successful, Failed: [] }));
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: answer };
  }, 0);
  const sqsEndpoint = `http://127.0.0.1:${portOf(sqs)}`;

  Object.assign(process.env, {
    // What the CDK publisher sets.
    INGEST_BUCKET,
    REPOSITORY_BUCKET,
    PUBLISH_QUEUE_URL: `${sqsEndpoint}/000000000000/publish-work`,
    OCSP_URL: '/ocsp',
    TRUST_DIR: trustDir,
    // What Lambda's runtime provides, aimed at the stand-ins.
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    // s3rver stores aws-chunked framing as object bytes: send checksums only where S3 requires them.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  });
  const dispatcher = await import('../../lambda/handlers/publish-lambda.ts');
  const worker = await import('../../lambda/handlers/publish-worker-lambda.ts');
  queue = new InProcessQueue(worker.handler, {
    visibilityTimeoutMs: 200,
    maxReceiveCount: PUBLISH_WORK_QUEUE.maxReceiveCount,
    batchSize: PUBLISH_WORK_QUEUE.batchSize,
    concurrency: 2,
  });
  s3.onS3Event(async (event) => {
    const ingest = event.Records.filter(
      (r) => r.s3.bucket.name === INGEST_BUCKET && r.eventName.startsWith('ObjectCreated:'),
    );
    if (ingest.length > 0) await dispatcher.handler({ Records: ingest });
  });
});

afterAll(async () => {
  await queue?.stop();
  if (sqs) await closeServer(sqs);
  await s3?.close();
  process.env = savedEnv;
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

it('the dispatcher entry queues the parts over SQS and the worker entries publish them', async () => {
  const files = {
    'ca/root.crt': pki.ca.cert.certDer,
    'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 3n }),
    'ocsp/good.ocsp': await pki.ca.ocspResponse(pki.leaf, { hash: 'sha256' }),
  };
  const ingest = s3.store(INGEST_BUCKET);
  const bundleId = await putBundle(ingest, files, { filesPerPart: 1 });

  let receipt: Receipt | undefined;
  const deadline = Date.now() + 30_000;
  while (!receipt && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await queue.idle();
    const stored = await ingest.get(receiptKey(bundleId));
    receipt = stored && (JSON.parse(Buffer.from(stored.body).toString()) as Receipt);
  }
  expect(batches.map((batch) => batch.map((body) => parsePartMessage(body)))).toEqual([
    [0, 1, 2].map((part) => ({ bundleId, part })),
  ]);
  expect(queue.stats()).toMatchObject({ sent: 3, deleted: 3, deadLettered: 0 });
  expect(receipt).toMatchObject({ bundleId, status: 'completed', rejected: [] });
  expect(receipt!.accepted.map((a) => a.file).sort()).toEqual(Object.keys(files).sort());
  const crl = await s3.store(REPOSITORY_BUCKET).get('crl/root.crl');
  expect(Buffer.from(crl!.body).equals(Buffer.from(files['crl/root.crl']))).toBe(true);
});

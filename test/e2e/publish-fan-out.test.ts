/**
 * The AWS publish path, end to end on the local repository: the manifest's S3 event reaches the
 * dispatcher handler, one message per part goes through the in-process queue (SQS's delivery
 * rules) to the worker handler, and the worker of the last part writes the receipt.
 *
 *   part fails once        its archive cannot be read on the first delivery: the message comes
 *                          back after the visibility timeout and the receipt completes
 *   part always fails      on its last receive its files get the failure as their verdict, so
 *                          the bundle still gets a receipt; a new bundle publishes them
 *   duplicate delivery     every part delivered twice more, two at once: nothing changes
 *   single process         the option kept for comparison publishes the same bundle alike
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeBundle } from '../../bench/bench-pki.ts';
import { PUBLISH_WORK_QUEUE, serialisePartMessage } from '../../lambda/core/contract/publish-work-queue.ts';
import { manifestKey, receiptKey, type BundleManifest } from '../../lambda/core/publish/bundle.ts';
import type { Receipt } from '../../lambda/core/publish/receipt.ts';
import {
  INGEST_BUCKET,
  REPOSITORY_BUCKET,
  startLocalRepository,
  type LocalRepository,
} from '../../lambda/local/local-repository.ts';
import type { ObjectStore } from '../../lambda/storage/object-store.ts';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import { publishBundle } from '../../onprem/uploader.ts';
import { listedFiles, putBundle } from '../../testkit/bundles.ts';
import { benchSerial, signingCa, type SigningCa } from '../../testkit/ocsp-fixtures.ts';
import { UNAUTHORIZED_DER } from '../../lambda/core/ocsp/ocsp-request.ts';
import { goodResponse, postOcsp } from './ocsp-serials.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let signer: SigningCa;
let work: string;
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const UNAUTHORIZED = Buffer.from(UNAUTHORIZED_DER);
/** Short, so a retried part comes back quickly; the rules are the same at any length. */
const VISIBILITY_TIMEOUT_MS = 200;

/** The CA certificate, a CRL and ten OCSP responses: three parts of at most four files. */
const files: Record<string, Uint8Array> = {};
const MAX_PART_FILES = 4;

beforeAll(async () => {
  pki = await createTestPki();
  signer = signingCa(pki.trust.cas[0]!, pki.ca.cert.keyPem);
  work = await mkdtemp(join(tmpdir(), 'ca-repo-fan-out-'));
  files['ca/root.crt'] = pki.ca.cert.certDer;
  files['crl/root.crl'] = await pki.ca.generateCrl({ crlNumber: 7n });
  for (let i = 0; i < 10; i++) files[`ocsp/${benchSerial(i)}.ocsp`] = goodResponse(signer, i, now);
});
afterAll(async () => {
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Serials whose response file is in `paths` are served byte for byte; the others are unknown. */
async function expectServedExactly(repoUrl: string, paths: Set<string>): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const path = `ocsp/${benchSerial(i)}.ocsp`;
    const expected = paths.has(path) ? Buffer.from(files[path]!) : UNAUTHORIZED;
    expect(
      (await postOcsp(repoUrl, pki.trust.cas[0]!, i)).equals(expected),
      `${path} served: ${paths.has(path)}`,
    ).toBe(true);
  }
}

/** Makes GETs of the ingest keys `key` matches fail as with S3 unreachable, `times` times (or always). */
function failGets(client: S3Client, key: RegExp, times = Infinity): { failures: () => number } {
  let failures = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Bucket?: string; Key?: string };
      if (
        context.commandName === 'GetObjectCommand' &&
        input.Bucket === INGEST_BUCKET &&
        key.test(input.Key ?? '') &&
        failures < times
      ) {
        failures++;
        throw Object.assign(new Error(`connect ECONNREFUSED (fault injected for ${input.Key})`), {
          code: 'ECONNREFUSED',
        });
      }
      return next(args);
    },
    { step: 'initialize', name: `fan-out-fault-${Math.random()}` },
  );
  return { failures: () => failures };
}

/** Each accepted file with its kind, by file. */
function verdicts(receipt: Receipt): string[][] {
  return receipt.accepted.map((a) => [a.file, a.kind]).sort();
}

function expectedVerdicts(): string[][] {
  const kind = (path: string) =>
    path.startsWith('ca/') ? 'ca-certificate' : path.startsWith('crl/') ? 'crl' : 'ocsp-response';
  return Object.keys(files)
    .sort()
    .map((path) => [path, kind(path)]);
}

async function storedReceipt(ingest: ObjectStore, bundleId: string): Promise<Receipt | undefined> {
  const stored = await ingest.get(receiptKey(bundleId));
  return stored && (JSON.parse(Buffer.from(stored.body).toString()) as Receipt);
}

async function manifestOf(ingest: ObjectStore, bundleId: string): Promise<BundleManifest> {
  return JSON.parse(
    Buffer.from((await ingest.get(manifestKey(bundleId)))!.body).toString(),
  ) as BundleManifest;
}

/** Runs `body` with console.error captured (the worker and the queue report failures there). */
async function capturingErrors<T>(body: (errors: string[]) => Promise<T>): Promise<T> {
  const errors: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...args) => void errors.push(args.join(' ')));
  try {
    return await body(errors);
  } finally {
    spy.mockRestore();
  }
}

describe('publishing through dispatcher → queue → workers (the default)', () => {
  let repo: LocalRepository;
  let ingest: S3ObjectStore;
  let first: Receipt;
  afterAll(() => repo?.close());

  it('publishes a multi-part bundle, and a part that fails once is redelivered and completes', async () => {
    repo = await startLocalRepository({
      port: 0,
      dataDir: join(work, 'fan-out'),
      trust: [pki.ca.cert.certDer],
      // Two workers, as AWS runs many: parts are published side by side.
      workQueue: { visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS, concurrency: 2 },
    });
    ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
    const fault = failGets(repo.s3.client, /\/part-0002\.tar$/, 1);
    const result = await capturingErrors(async (errors) => {
      const published = await publishBundle({
        bundleDir: await writeBundle(join(work, 'bundle'), files),
        repoUrl: repo.url,
        ingest,
        maxPartFiles: MAX_PART_FILES,
        timeoutSeconds: 30,
      });
      await repo.idle();
      expect(errors).toEqual([
        expect.stringMatching(/^part message \S+ \{.*"part":1\} failed on receive 1:/),
      ]);
      return published;
    });
    first = result.receipt;
    expect(fault.failures()).toBe(1);
    expect((await manifestOf(ingest, first.bundleId)).parts).toHaveLength(3);
    expect(first.status).toBe('completed');
    expect(first.rejected).toEqual([]);
    expect(verdicts(first)).toEqual(expectedVerdicts());
    // Three messages, one of them received twice; none left, none dead-lettered.
    expect(repo.workQueue!.stats()).toEqual({ sent: 3, received: 4, deleted: 3, deadLettered: 0 });
    expect(repo.workQueue!.depth).toBe(0);
    await expectServedExactly(repo.url, new Set(Object.keys(files)));
    expect((await fetch(`${repo.url}/crl/root.crl`)).status).toBe(200);
  });

  it('takes every part delivered twice more, duplicates side by side, without changing anything', async () => {
    const before = repo.workQueue!.stats();
    const messages = [0, 0, 1, 1, 2, 2].map((part) =>
      serialisePartMessage({ bundleId: first.bundleId, part }),
    );
    repo.workQueue!.send(messages);
    await repo.idle();
    expect(repo.workQueue!.stats()).toEqual({
      sent: before.sent + 6,
      received: before.received + 6,
      deleted: before.deleted + 6,
      deadLettered: 0,
    });
    const receipt = (await storedReceipt(ingest, first.bundleId))!;
    expect(receipt.status).toBe('completed');
    expect(receipt.rejected).toEqual([]);
    expect(receipt.replaced).toEqual([]);
    expect(receipt.accepted.map((a) => [a.file, a.url])).toEqual(first.accepted.map((a) => [a.file, a.url]));
    await expectServedExactly(repo.url, new Set(Object.keys(files)));
  });
});

describe('a part that fails on every receive', () => {
  it("gets the failure as its files' verdict on the last receive, so the bundle still has its receipt; a new bundle publishes them", async () => {
    const repo = await startLocalRepository({
      port: 0,
      dataDir: join(work, 'last-receive'),
      trust: [pki.ca.cert.certDer],
      workQueue: { visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS },
    });
    try {
      const ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
      const receives = PUBLISH_WORK_QUEUE.maxReceiveCount;
      // The part's archive cannot be read on any of its receives, then S3 is healthy again.
      const fault = failGets(repo.s3.client, /\/part-0002\.tar$/, receives);
      let bundleId = '';
      const errors = await capturingErrors(async (errors) => {
        bundleId = await putBundle(ingest, files, { filesPerPart: MAX_PART_FILES });
        await repo.idle();
        return errors;
      });
      expect(fault.failures()).toBe(receives);
      expect(errors.filter((e) => e.includes('failed on receive'))).toHaveLength(receives);
      expect(repo.workQueue!.deadLetters()).toEqual([]);

      const listed = await listedFiles(ingest, bundleId);
      const inPart1 = listed.filter((f) => f.part === 1).map((f) => f.path);
      expect(inPart1.some((path) => path.startsWith('ocsp/'))).toBe(true);
      const receipt = (await storedReceipt(ingest, bundleId))!;
      expect(receipt.status).toBe('completed');
      expect(receipt.rejected.map((r) => r.file).sort()).toEqual([...inPart1].sort());
      for (const rejected of receipt.rejected) {
        expect(rejected.reason).toMatch(/part 1 could not be published on any attempt: .*ECONNREFUSED/);
      }
      const published = new Set(listed.filter((f) => f.part !== 1).map((f) => f.path));
      await expectServedExactly(repo.url, published);
      expect(await repo.s3.store(REPOSITORY_BUCKET).get('index.json')).toBeDefined();

      // The operator sends the bundle again: every file is now published.
      const again = await putBundle(ingest, files, { filesPerPart: MAX_PART_FILES });
      await repo.idle();
      const second = (await storedReceipt(ingest, again))!;
      expect(second.rejected).toEqual([]);
      expect(verdicts(second)).toEqual(expectedVerdicts());
      await expectServedExactly(repo.url, new Set(Object.keys(files)));
    } finally {
      await repo.close();
    }
  });
});

describe('the single-process path, kept for comparison', () => {
  it('publishes the same bundle in the dispatcher alone, with the same verdicts', async () => {
    const receipts: Receipt[] = [];
    const repo = await startLocalRepository({
      port: 0,
      dataDir: join(work, 'single-process'),
      trust: [pki.ca.cert.certDer],
      publishPath: 'single-process',
      onReceipt: (receipt) => receipts.push(receipt),
    });
    try {
      expect(repo.workQueue).toBeUndefined();
      const ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
      const { receipt } = await publishBundle({
        bundleDir: join(work, 'bundle'),
        repoUrl: repo.url,
        ingest,
        maxPartFiles: MAX_PART_FILES,
      });
      expect(receipts.map((r) => r.bundleId)).toEqual([receipt.bundleId]);
      expect(receipt.status).toBe('completed');
      expect(verdicts(receipt)).toEqual(expectedVerdicts());
      // No worker ran: no part results beside the bundle.
      const results: string[] = [];
      for await (const key of ingest.list(`results/${receipt.bundleId}/`)) results.push(key);
      expect(results).toEqual([]);
      await expectServedExactly(repo.url, new Set(Object.keys(files)));
    } finally {
      await repo.close();
    }
  });
});

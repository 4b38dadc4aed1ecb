/**
 * Memory bounded by the part, not the bundle (manifest format 2): the dispatcher reads the manifest
 * alone, a worker reads the manifest, its own part's file list and its own archive, and the worker
 * that finishes folds one part result at a time; past RECEIPT_LISTED_FILES the receipt counts
 * instead of listing, with the per-file verdicts in one NDJSON object per part. Format 1 is still read.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  manifestKey,
  partFilesKey,
  partKey,
  partResultKey,
  receiptFilesKey,
  receiptKey,
} from '../../lambda/core/publish/bundle.ts';
import { planInvalidation } from '../../lambda/core/publish/invalidation.ts';
import { InvalidationTally } from '../../lambda/core/publish/invalidation-tally.ts';
import { parsePartFiles, serialisePartFiles } from '../../lambda/core/publish/part-files.ts';
import { parseReceipt, RECEIPT_FORMAT_SUMMARISED } from '../../lambda/core/publish/receipt.ts';
import { parseReceiptFiles } from '../../lambda/core/publish/receipt-files.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { PassThroughStore } from '../../testkit/pass-through-store.ts';
import { benchSerial, buildSignedResponse, signingCa } from '../../testkit/ocsp-fixtures.ts';
import { seededRandom } from '../../testkit/seeded-random.ts';
import { createTestPki, HOUR, type TestPki } from '../../testkit/test-pki.ts';

/** The ingest store, counting the bytes each key gave out (what a worker parsed). */
class ReadCountingStore extends PassThroughStore {
  readonly bytesRead = new Map<string, number>();
  override async get(key: string) {
    const object = await this.inner.get(key);
    this.bytesRead.set(key, (this.bytesRead.get(key) ?? 0) + (object?.body.byteLength ?? 0));
    return object;
  }
  /** Keys read under the bundle's own upload prefix (what the uploader wrote). */
  bundleReads(bundleId: string): string[] {
    return [...this.bytesRead.keys()].filter((key) => key.startsWith(`bundles/${bundleId}/`)).sort();
  }
}

let pki: TestPki;
let responses: (count: number) => Record<string, Uint8Array>;
beforeAll(async () => {
  pki = await createTestPki();
  const signer = signingCa(pki.trust.cas[0]!, pki.ca.cert.keyPem);
  const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 - HOUR);
  const nextUpdate = new Date(thisUpdate.getTime() + 72 * HOUR);
  responses = (count) => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < count; i++) {
      files[`ocsp/${benchSerial(i)}.ocsp`] = buildSignedResponse(signer, {
        serialHex: benchSerial(i),
        status: 'good',
        thisUpdate,
        nextUpdate,
      });
    }
    return files;
  };
});
afterAll(() => pki?.cleanup());

let ingest: ReadCountingStore;
let service: PublishService;
beforeEach(() => {
  ingest = new ReadCountingStore(new MemoryObjectStore());
  service = new PublishService({
    ingest,
    repository: new MemoryObjectStore(),
    trust: pki.trust,
    clock: { now: () => new Date() },
    receiptListedFiles: 20,
  });
});

describe('per-part manifests (format 2)', () => {
  it('the dispatcher reads the manifest only, however many parts', async () => {
    const bundleId = await putBundle(ingest, responses(40), { filesPerPart: 5 });
    const queued: number[] = [];
    expect(await service.dispatchBundle(bundleId, async (part) => void queued.push(part))).toBeUndefined();
    expect(queued).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ingest.bundleReads(bundleId)).toEqual([manifestKey(bundleId)]);
  });

  it("a worker reads its own part's list and archive only: the same bytes in a 2-part and an 8-part bundle", async () => {
    const small = await putBundle(ingest, responses(10), { filesPerPart: 5 });
    const large = await putBundle(ingest, responses(40), { filesPerPart: 5 });
    const readFor = async (bundleId: string, part: number) => {
      ingest.bytesRead.clear();
      await service.publishBundlePart(bundleId, part);
      return ingest.bundleReads(bundleId);
    };
    const smallReads = await readFor(small, 1);
    expect(smallReads).toEqual([manifestKey(small), partFilesKey(small, 1), partKey(small, 1)].sort());
    const partBytes = (bundleId: string) =>
      (ingest.bytesRead.get(partFilesKey(bundleId, 1)) ?? 0) +
      (ingest.bytesRead.get(partKey(bundleId, 1)) ?? 0);
    const smallBytes = partBytes(small);
    const largeReads = await readFor(large, 1);
    expect(largeReads).toEqual([manifestKey(large), partFilesKey(large, 1), partKey(large, 1)].sort());
    // Same five responses in part 1 of both bundles (the lists differ only in the bundle ID).
    expect(Math.abs(partBytes(large) - smallBytes)).toBeLessThanOrEqual(
      2 * (large.length - small.length + 2),
    );
  });

  it('past the listing limit the receipt summarises, with every file in per-part NDJSON objects', async () => {
    const bundleId = await putBundle(ingest, responses(30), { filesPerPart: 10 });
    for (const part of [0, 1]) expect(await service.publishBundlePart(bundleId, part)).toBeUndefined();
    ingest.bytesRead.clear();
    const receipt = (await service.publishBundlePart(bundleId, 2))!;
    // The finishing worker read each part result once, and no other part's files.
    expect([0, 1, 2].map((part) => ingest.bytesRead.has(partResultKey(bundleId, part)))).toEqual([
      true,
      true,
      true,
    ]);
    expect(ingest.bundleReads(bundleId)).not.toContain(partFilesKey(bundleId, 0));

    const stored = parseReceipt(Buffer.from((await ingest.get(receiptKey(bundleId)))!.body).toString());
    const raw = JSON.parse(Buffer.from((await ingest.get(receiptKey(bundleId)))!.body).toString()) as object;
    expect(raw).not.toHaveProperty('accepted');
    expect(stored.format).toBe(RECEIPT_FORMAT_SUMMARISED);
    expect(receipt.summary).toEqual({
      accepted: 30,
      rejected: 0,
      byKind: { 'ocsp-response': { new: 30 } },
      replaced: 0,
      listed: false,
    });
    expect(stored.files?.keys).toEqual([0, 1, 2].map((part) => receiptFilesKey(bundleId, part)));
    const lines = [];
    for (const key of stored.files!.keys) {
      lines.push(...parseReceiptFiles(Buffer.from((await ingest.get(key))!.body).toString()));
    }
    expect(lines.map((line) => line.file).sort()).toEqual(Object.keys(responses(30)).sort());
  });

  it('lists every file while the bundle is small (format 1 receipt, with its summary)', async () => {
    const bundleId = await putBundle(ingest, responses(6), { filesPerPart: 3 });
    const receipt = await service.publishBundle(bundleId);
    expect(receipt.format).toBe('ca-repo-receipt/1');
    expect(receipt.accepted).toHaveLength(6);
    expect(receipt.summary?.listed).toBe(true);
  });

  it('still publishes a format-1 manifest', async () => {
    const bundleId = await putBundle(ingest, responses(6), { filesPerPart: 3, format: 1 });
    const receipt = await service.publishBundle(bundleId);
    expect(receipt.status).toBe('completed');
    expect(receipt.accepted).toHaveLength(6);
  });

  it('refuses a part whose list was swapped, and a list naming a path twice', async () => {
    const bundleId = await putBundle(ingest, responses(4), { filesPerPart: 2 });
    const other = serialisePartFiles(bundleId, 1, [
      { path: 'ocsp/x.ocsp', size: 1, sha256: 'ab'.repeat(32), part: 1 },
    ]);
    await ingest.put(partFilesKey(bundleId, 1), Buffer.from(other), { contentType: 'application/json' });
    const receipt = await service.publishBundle(bundleId);
    expect(receipt.rejected).toEqual([
      {
        file: partKey(bundleId, 1),
        reason: expect.stringMatching(/is \d+ bytes, the manifest says|SHA-256/),
      },
    ]);
    expect(receipt.accepted).toHaveLength(2);

    const file = { path: 'a', size: 1, sha256: 'ab'.repeat(32) };
    const twice = JSON.stringify({
      format: 'ca-repo-part-files/1',
      bundleId: 'b',
      part: 0,
      files: [file, file],
    });
    expect(() => parsePartFiles(twice, { bundleId: 'b', part: 0, count: 2 })).toThrow(/names a twice/);
  });
});

describe('InvalidationTally', () => {
  it('plans what planInvalidation plans over the same paths, fed one at a time', () => {
    const random = seededRandom(14);
    for (let round = 0; round < 200; round++) {
      const paths = Array.from({ length: Math.floor(random() * 60) }, () => {
        const depth = 1 + Math.floor(random() * 3);
        return `/${Array.from({ length: depth }, () => 'abc'[Math.floor(random() * 3)]).join('/')}`;
      });
      const max = 1 + Math.floor(random() * 20);
      const tally = new InvalidationTally(max);
      for (const path of paths) tally.add(path);
      expect(tally.plan()).toEqual(planInvalidation(paths, max));
    }
  });
});

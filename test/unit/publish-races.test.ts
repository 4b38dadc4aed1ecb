/**
 * Races of the fan-out publish (issue 13, finding 6), each shown by a test that fails without its
 * fix: a duplicate SQS delivery after the bundle completed, ...
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { receiptKey } from '../../lambda/core/publish/bundle.ts';
import type { Clock } from '../../lambda/services/ports.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let crl: Uint8Array;
beforeAll(async () => {
  pki = await createTestPki();
  crl = await pki.ca.generateCrl({ crlNumber: 1n });
});
afterAll(() => pki?.cleanup());

let now: Date;
const clock: Clock = { now: () => now };
let ingest: MemoryObjectStore;
let repository: MemoryObjectStore;
let invalidated: string[][];
let service: PublishService;
beforeEach(() => {
  now = new Date(Math.floor(Date.now() / 1000) * 1000); // on a second boundary
  ingest = new MemoryObjectStore({ clock });
  repository = new MemoryObjectStore({ clock });
  invalidated = [];
  service = new PublishService({
    ingest,
    repository,
    trust: pki.trust,
    clock,
    cdn: { invalidate: async (paths) => void invalidated.push([...paths]) },
  });
});

const later = (seconds: number) => (now = new Date(now.getTime() + seconds * 1000));

describe('a duplicate delivery after the bundle completed', () => {
  it('rewrites neither the receipt nor anything else (fan-out part, manifest event)', async () => {
    const bundleId = await putBundle(
      ingest,
      { 'certs/ca.der': pki.ca.cert.certDer, 'crl/ca.crl': crl },
      {
        filesPerPart: 1,
      },
    );
    expect(await service.dispatchBundle(bundleId, async () => undefined)).toBeUndefined();
    expect(await service.publishBundlePart(bundleId, 0)).toBeUndefined();
    const receipt = (await service.publishBundlePart(bundleId, 1))!;
    expect(receipt).toMatchObject({ status: 'completed', rejected: [] });
    const stored = await ingest.head(receiptKey(bundleId));

    later(5);
    // SQS redelivers part 0 and the S3 event is delivered again, after the uploader read the receipt.
    expect(await service.publishBundlePart(bundleId, 0)).toBeUndefined();
    expect(await service.dispatchBundle(bundleId, async () => undefined)).toEqual(receipt);
    expect(await service.publishBundle(bundleId)).toEqual(receipt);
    const after = await ingest.head(receiptKey(bundleId));
    expect(after?.etag).toBe(stored?.etag);
    expect(after?.lastModified).toEqual(stored?.lastModified);
  });
});

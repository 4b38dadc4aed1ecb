/**
 * Races of the fan-out publish (issue 13, finding 6), each shown by a test that fails without its
 * fix: a duplicate SQS delivery after the bundle completed; a write after the writer's completed
 * receipt within the same second (the store keeps whole seconds); two parts answering one CertID.
 */
import { INDEX_PATHS } from '../../lambda/services/publish/publish-service.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { receiptKey } from '../../lambda/core/publish/bundle.ts';
import { META } from '../../lambda/core/serving/cache-policy.ts';
import type { Clock } from '../../lambda/services/ports.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let crl: Uint8Array;
let crl2: Uint8Array;
beforeAll(async () => {
  pki = await createTestPki();
  crl = await pki.ca.generateCrl({ crlNumber: 1n });
  crl2 = await pki.ca.generateCrl({ crlNumber: 2n });
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

describe('a write after the writer completed, within the same second', () => {
  it('is not taken as settled by the receipt: re-sending the bytes invalidates it', async () => {
    expect((await service.publishBundle(await putBundle(ingest, { 'crl/ca.crl': crl }))).status).toBe(
      'completed',
    );
    const a = await service.publishBundle(await putBundle(ingest, { 'crl/ca.crl': crl2 }));
    expect(withoutIndex(a.invalidated)).toEqual(['/crl/ca.crl']);
    // A late duplicate delivery of A's part (its run began before A completed) writes the object
    // again after A's receipt, in the same second, and dies before finishing: its write is owed.
    const served = (await repository.get('crl/ca.crl'))!;
    await repository.put('crl/ca.crl', served.body, {
      contentType: served.contentType,
      cacheControl: served.cacheControl,
      expires: served.expires,
      metadata: { ...served.metadata, [META.run]: 'late-duplicate-run' },
    });
    expect((await repository.head('crl/ca.crl'))!.lastModified).toEqual(
      (await ingest.head(receiptKey(a.bundleId)))!.lastModified,
    );

    later(1);
    invalidated = [];
    const resent = await service.publishBundle(await putBundle(ingest, { 'crl/ca.crl': crl2 }));
    expect(resent.accepted).toMatchObject([{ file: 'crl/ca.crl', unchanged: true }]);
    expect(invalidated.map(withoutIndex)).toEqual([['/crl/ca.crl']]);
  });

  it('a completed publish still leaves nothing owed in the same second', async () => {
    await service.publishBundle(await putBundle(ingest, { 'crl/ca.crl': crl }));
    await service.publishBundle(await putBundle(ingest, { 'crl/ca.crl': crl2 }));
    invalidated = [];
    const again = await service.publishBundle(await putBundle(ingest, { 'crl/ca.crl': crl2 }));
    // Only the index it rewrote (INDEX_PATHS), never the CRL a completed publish settled.
    expect(withoutIndex(again.invalidated)).toEqual([]);
    expect(invalidated.map(withoutIndex).flat()).toEqual([]);
  });
});

describe('two parts of one bundle answering the same CertID', () => {
  it('publish one and refuse the other, naming it, whichever part runs first', async () => {
    for (const order of [
      [0, 1],
      [1, 0],
    ]) {
      const response = await pki.ca.ocspResponse(pki.leaf);
      const bundleId = await putBundle(
        ingest,
        { 'a/leaf.ocsp': response, 'b/leaf.ocsp': response },
        {
          filesPerPart: 1,
        },
      );
      expect(await service.publishBundlePart(bundleId, order[0]!)).toBeUndefined();
      const receipt = (await service.publishBundlePart(bundleId, order[1]!))!;
      const [first, second] = order.map((part) => ['a/leaf.ocsp', 'b/leaf.ocsp'][part]!);
      expect(receipt.accepted.map((a) => a.file)).toEqual([first]);
      expect(receipt.rejected).toEqual([
        {
          file: second,
          reason: expect.stringContaining(`the same CertID is also answered by ${first} in this bundle`),
        },
      ]);
      later(1);
    }
  });
});

/** The paths besides the index, which every publish that rewrites it invalidates (INDEX_PATHS). */
function withoutIndex(paths: readonly string[]): string[] {
  return paths.filter((path) => !(INDEX_PATHS as readonly string[]).includes(path));
}

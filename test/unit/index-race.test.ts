/**
 * index.json is written with a conditional PUT and merged again on conflict (issue 13, finding 6):
 * two bundles published at once, each reading the index before the other writes it, both keep
 * their entries. Without the condition the second write drops the first bundle's entry.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RepositoryIndex } from '../../lambda/core/publish/repository-index.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import type { StoredObject } from '../../lambda/storage/object-store.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

/** Holds the first `readers` reads of index.json until all of them have read it. */
class InterleavingStore extends MemoryObjectStore {
  private waiting: (() => void)[] = [];
  constructor(private readers: number) {
    super();
  }
  override async get(key: string): Promise<StoredObject | undefined> {
    const object = await super.get(key);
    if (key === 'index.json' && this.readers > 0) {
      this.readers--;
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.readers === 0) for (const release of this.waiting) release();
      });
    }
    return object;
  }
}

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.cleanup());

it('keeps the entries of two bundles whose index updates interleave', async () => {
  const ingest = new MemoryObjectStore();
  const repository = new InterleavingStore(2);
  const service = new PublishService({
    ingest,
    repository,
    trust: pki.trust,
    clock: { now: () => new Date() },
  });
  const [first, second] = [await pki.ca.generateCrl(), await pki.ca.generateCrl()];
  const bundles = [
    await putBundle(ingest, { 'crl/first.crl': first }),
    await putBundle(ingest, { 'crl/second.crl': second }),
  ];
  const receipts = await Promise.all(bundles.map((id) => service.publishBundle(id)));
  expect(receipts.map((r) => r.status)).toEqual(['completed', 'completed']);
  const index = JSON.parse(
    Buffer.from((await repository.get('index.json'))!.body).toString('utf8'),
  ) as RepositoryIndex;
  expect(index.crls.map((crl) => crl.url).sort()).toEqual(['/crl/first.crl', '/crl/second.crl']);
});

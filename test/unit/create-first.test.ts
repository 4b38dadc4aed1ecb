/**
 * A new OCSP key is written with one conditional PUT and no HEAD (create-first.ts); a refresh of
 * existing keys is judged from the shard states (ocsp-shard-state.ts; without them it stops guessing
 * after a few conflicts: publish-requests.test.ts); whatever was guessed, what is served and what is
 * refused are the same as when every key is HEADed first (revocation stays final).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PutObjectOptions } from '../../lambda/services/ports.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { PassThroughStore } from '../../testkit/pass-through-store.ts';
import { benchSerial, ocspBundleFiles, signingCa, type SigningCa } from '../../testkit/ocsp-fixtures.ts';
import { createTestPki, HOUR, type TestPki } from '../../testkit/test-pki.ts';

class CountingStore extends PassThroughStore {
  heads = 0;
  puts = 0;
  override head(key: string) {
    if (key.startsWith('_ocsp/')) this.heads++;
    return this.inner.head(key);
  }
  override put(key: string, body: Uint8Array, options: PutObjectOptions) {
    if (key.startsWith('_ocsp/')) this.puts++;
    return this.inner.put(key, body, options);
  }
}

let pki: TestPki;
let signer: SigningCa;
const base = Math.floor(Date.now() / 1000) * 1000 - 2 * HOUR;
beforeAll(async () => {
  pki = await createTestPki();
  signer = signingCa(pki.trust.cas[0]!, pki.ca.cert.keyPem);
});
afterAll(() => pki?.cleanup());

function bundle(count: number, hoursLater: number, revoked = new Set<number>()): Record<string, Uint8Array> {
  return ocspBundleFiles(signer, count, new Date(base + hoursLater * HOUR), revoked);
}

describe('create-first OCSP writes', () => {
  it('writes new keys without a HEAD, and a refresh from the shard states without one either', async () => {
    const ingest = new MemoryObjectStore();
    const repository = new CountingStore(new MemoryObjectStore());
    const service = new PublishService({
      ingest,
      repository,
      trust: pki.trust,
      clock: { now: () => new Date() },
    });
    const first = await service.publishBundle(await putBundle(ingest, bundle(60, 0)));
    expect(first.accepted).toHaveLength(60);
    expect({ heads: repository.heads, puts: repository.puts }).toEqual({ heads: 0, puts: 60 });

    repository.heads = repository.puts = 0;
    const refresh = await service.publishBundle(await putBundle(ingest, bundle(60, 1, new Set([7]))));
    expect(refresh.rejected).toEqual([]);
    expect(refresh.replaced).toHaveLength(60);
    // Each existing key: one PUT conditional on the ETag its shard's state recorded.
    expect({ heads: repository.heads, puts: repository.puts }).toEqual({ heads: 0, puts: 60 });

    // Serial 7 was revoked: a later "good" is refused whether or not its part guesses.
    const back = await service.publishBundle(await putBundle(ingest, bundle(60, 2)));
    expect(back.rejected.map((r) => r.file)).toEqual([`ocsp/${benchSerial(7)}.ocsp`]);
    expect(back.rejected[0]!.reason).toMatch(/revocation is final/);
  });
});

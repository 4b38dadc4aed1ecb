/**
 * Store requests per published OCSP response (issue 14, item 2): a first publish and a refresh of
 * existing keys each cost one PUT per response and no HEAD; the verdicts come from the shard states
 * (core/publish/ocsp-shard-state.ts), read once per shard and part. The state is a hint: one that
 * is behind what is served (a crash, another writer) costs a 412 and a HEAD, never a wrong verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCSP_SHARD_STATE_PREFIX } from '../../lambda/core/publish/ocsp-shard-state.ts';
import type { PutObjectOptions } from '../../lambda/services/ports.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { PassThroughStore } from '../../testkit/pass-through-store.ts';
import { benchSerial, ocspBundleFiles, signingCa, type SigningCa } from '../../testkit/ocsp-fixtures.ts';
import { createTestPki, HOUR, type TestPki } from '../../testkit/test-pki.ts';

type Operation = 'get' | 'head' | 'put' | 'delete' | 'list';

/** Counts every request by operation and by what it touched: OCSP objects, shard states, the rest. */
class CountingStore extends PassThroughStore {
  counts: Record<string, number> = {};
  private count(operation: Operation, key: string) {
    const what = key.startsWith('_ocsp/')
      ? 'ocsp'
      : key.startsWith(OCSP_SHARD_STATE_PREFIX)
        ? 'state'
        : 'other';
    for (const name of [operation, `${operation} ${what}`, 'all'])
      this.counts[name] = (this.counts[name] ?? 0) + 1;
  }
  override get(key: string) {
    this.count('get', key);
    return super.get(key);
  }
  override head(key: string) {
    this.count('head', key);
    return super.head(key);
  }
  override put(key: string, body: Uint8Array, options: PutObjectOptions) {
    this.count('put', key);
    return super.put(key, body, options);
  }
  override delete(key: string) {
    this.count('delete', key);
    return super.delete(key);
  }
  override list(prefix: string) {
    this.count('list', prefix);
    return super.list(prefix);
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

function setUp() {
  const ingest = new CountingStore(new MemoryObjectStore());
  const repository = new CountingStore(new MemoryObjectStore());
  const service = new PublishService({
    ingest,
    repository,
    trust: pki.trust,
    clock: { now: () => new Date() },
  });
  const publish = async (files: Record<string, Uint8Array>) => {
    const bundleId = await putBundle(ingest, files);
    ingest.counts = {};
    repository.counts = {};
    return service.publishBundle(bundleId);
  };
  return { ingest, repository, publish };
}

/** Shards a part of `count` responses touches at most: the states it reads and writes. */
const SHARDS = 256;

describe('store requests per published OCSP response', () => {
  it('a first publish and a refresh: one PUT each, no HEAD, at most a GET and a PUT per shard', async () => {
    const count = 600;
    const { ingest, repository, publish } = setUp();
    const first = await publish(bundle(count, 0));
    expect(first.accepted).toHaveLength(count);
    expect(repository.counts['put ocsp']).toBe(count);
    expect(repository.counts['head ocsp'] ?? 0).toBe(0);
    expect(repository.counts['get state'] ?? 0).toBe(0); // a new repository: one listing says so
    const firstRequests = repository.counts.all! + ingest.counts.all!;

    const refresh = await publish(bundle(count, 1, new Set([7])));
    expect(refresh.rejected).toEqual([]);
    expect(refresh.replaced).toHaveLength(count);
    // Before the shard states, each existing key cost a HEAD and a PUT (and the guesses a PUT).
    expect(repository.counts['head ocsp'] ?? 0).toBe(0);
    expect(repository.counts['put ocsp']).toBe(count);
    expect(repository.counts['get ocsp'] ?? 0).toBe(0);
    expect(repository.counts['list state']).toBe(1);
    expect(repository.counts['get state']).toBeLessThanOrEqual(SHARDS);
    expect(repository.counts['put state']).toBeLessThanOrEqual(SHARDS);
    const refreshRequests = repository.counts.all! + ingest.counts.all!;
    // Per response, a refresh costs what a first publish costs, plus a GET per shard state.
    expect(refreshRequests - firstRequests).toBeLessThanOrEqual(SHARDS);
    expect(refreshRequests / count).toBeLessThan(2);

    // Serial 7 was revoked: a later "good" is refused from the state alone (no HEAD, no write).
    const back = await publish(bundle(count, 2));
    expect(back.rejected.map((r) => r.file)).toEqual([`ocsp/${benchSerial(7)}.ocsp`]);
    expect(back.rejected[0]!.reason).toMatch(/revocation is final/);
    expect(repository.counts['head ocsp'] ?? 0).toBe(0);
  });

  it('a state behind what is served costs a HEAD, never a wrong verdict', async () => {
    const count = 20;
    const { repository, publish } = setUp();
    await publish(bundle(count, 0));
    const saved = new Map<string, Uint8Array>();
    for (const prefix of [OCSP_SHARD_STATE_PREFIX, '_revocations/'])
      for await (const key of repository.list(prefix)) saved.set(key, (await repository.get(key))!.body);
    // Serial 3 revoked, then the states and the revocation history put back as they were before
    // (a crash after the objects' writes): only the served object itself still says revoked.
    expect((await publish(bundle(count, 1, new Set([3])))).rejected).toEqual([]);
    for (const [key, body] of saved) await repository.put(key, body, { contentType: 'application/json' });

    const back = await publish(bundle(count, 2));
    expect(back.rejected.map((r) => r.file)).toEqual([`ocsp/${benchSerial(3)}.ocsp`]);
    expect(back.rejected[0]!.reason).toMatch(/revocation is final/);
    // Every recorded ETag was stale: each key lost its If-Match once and was judged by a HEAD.
    expect(repository.counts['head ocsp']).toBe(count);
    expect(back.accepted).toHaveLength(count - 1);
  });

  it('a repository without states (written before them) is judged by HEAD and gets its states', async () => {
    const count = 40;
    const { repository, publish } = setUp();
    await publish(bundle(count, 0));
    for await (const key of repository.list(OCSP_SHARD_STATE_PREFIX)) await repository.delete(key);

    const refresh = await publish(bundle(count, 1));
    expect(refresh.replaced).toHaveLength(count);
    // The create-first guesses stop after the warm-up: a HEAD and a PUT for each existing key.
    expect(repository.counts['head ocsp']).toBe(count);
    expect(repository.counts['put ocsp']! - count).toBeLessThanOrEqual(16);

    const again = await publish(bundle(count, 2));
    expect(again.replaced).toHaveLength(count);
    expect(repository.counts['head ocsp'] ?? 0).toBe(0);
    expect(repository.counts['put ocsp']).toBe(count);
  });
});

/**
 * Faults during publishing, end to end: what relying parties are served must stay consistent
 * (whole, validated objects only; a CRL never goes back), nothing accepted is lost, and sending
 * the bundle again completes.
 *
 *   S3 stops mid-publish      every S3 call of the local repository fails from the 40th PUT on
 *   process killed            `ca-repo local` SIGKILLed while it publishes, restarted on its data:
 *                             it resumes the interrupted bundle by itself
 *   bundle delivered twice    the same directory published twice; the same manifest event twice
 *   racing CRL publishes      two publish services, one CRL path, the higher number must win
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { embeddedS3Client } from '../../lambda/storage/embedded-s3-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOcspAnswer } from '../../bench/bench-context.ts';
import {
  publishDirectory,
  startLocalRepositoryProcess,
  writeBundle,
  type LocalRepositoryProcess,
} from '../../bench/bench-pki.ts';
import {
  benchSerial,
  buildOcspRequest,
  buildSignedResponse,
  signingCa,
  type SigningCa,
} from '../../testkit/ocsp-fixtures.ts';
import { discoverLocalIngest, publishBundle } from '../../onprem/uploader.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import { manifestKey, receiptKey } from '../../lambda/core/publish/bundle.ts';
import type { RepositoryIndex } from '../../lambda/core/publish/repository-index.ts';
import { crlNumberOf, parseCrl } from '../../lambda/core/crl/validate-crl.ts';
import {
  INGEST_BUCKET,
  REPOSITORY_BUCKET,
  startLocalRepository,
  type LocalRepository,
} from '../../lambda/local/local-repository.ts';
import { INGEST_DISCOVERY_PATH, type IngestDiscovery } from '../../lambda/core/contract/ingest-discovery.ts';
import type { ObjectStore, PutObjectOptions } from '../../lambda/services/ports.ts';
import { INDEX_PATHS, PublishService } from '../../lambda/services/publish/publish-service.ts';
import type { Receipt } from '../../lambda/core/publish/receipt.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';
import { seededRandom } from '../../testkit/seeded-random.ts';
import { UNAUTHORIZED_DER } from '../../lambda/core/ocsp/ocsp-request.ts';
import { goodResponse, postOcsp } from './ocsp-serials.ts';

let pki: TestPki;
let signer: SigningCa;
let work: string;
const now = new Date(Math.floor(Date.now() / 1000) * 1000);

/** CA-signed `good` responses for serials [from, to), as a bundle's files. */
function responses(from: number, to: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = from; i < to; i++) files[`ocsp/${benchSerial(i)}.ocsp`] = response(i);
  return files;
}

/** ECDSA signatures are randomised: each serial's response is made once and remembered. */
const made = new Map<number, Uint8Array>();
function response(i: number): Uint8Array {
  let der = made.get(i);
  if (!der) {
    der = sign(i);
    made.set(i, der);
  }
  return der;
}

function sign(i: number): Uint8Array {
  return goodResponse(signer, i, now);
}

function post(repoUrl: string, i: number): Promise<Buffer> {
  return postOcsp(repoUrl, pki.trust.cas[0]!, i);
}

const UNAUTHORIZED = Buffer.from(UNAUTHORIZED_DER);

/** Each response is either not served yet (unauthorized) or served whole; returns how many are served. */
async function expectWholeOrAbsent(repoUrl: string, from: number, to: number): Promise<number> {
  let served = 0;
  for (let i = from; i < to; i++) {
    const body = await post(repoUrl, i);
    if (body.equals(UNAUTHORIZED)) continue;
    expect(body.equals(Buffer.from(response(i))), `serial ${i} served other bytes`).toBe(true);
    served++;
  }
  return served;
}

async function servedCrlNumber(repoUrl: string): Promise<bigint> {
  const answer = await fetch(`${repoUrl}/crl/root.crl`);
  expect(answer.status).toBe(200);
  return crlNumberOf(parseCrl(new Uint8Array(await answer.arrayBuffer())))!;
}

/**
 * index.json as stored (the edge may keep serving an older copy for its 60 s max-age, by design)
 * parses, names only objects the CDN serves, and never a CRL newer than the one stored.
 */
async function expectConsistentIndex(repoUrl: string, repository: ObjectStore): Promise<RepositoryIndex> {
  const stored = await repository.get('index.json');
  expect(stored, 'index.json').toBeDefined();
  const index = JSON.parse(Buffer.from(stored!.body).toString()) as RepositoryIndex;
  for (const entry of [...index.caCertificates, ...index.crls]) {
    expect((await fetch(`${repoUrl}${entry.url}`)).status, entry.url).toBe(200);
  }
  for (const crl of index.crls) {
    const served = crlNumberOf(parseCrl((await repository.get(crl.url.slice(1)))!.body));
    expect(BigInt(crl.crlNumber) <= served!, `index names CRL ${crl.crlNumber}, ${served} is stored`).toBe(
      true,
    );
  }
  return index;
}

/** The repository bucket of a `ca-repo local` process, through its embedded S3 endpoint. */
async function repositoryStoreOf(repoUrl: string): Promise<{ store: ObjectStore; close: () => void }> {
  const discovery = (await (await fetch(new URL(INGEST_DISCOVERY_PATH, repoUrl))).json()) as IngestDiscovery;
  const client = embeddedS3Client(discovery);
  return { store: new S3ObjectStore({ client, bucket: REPOSITORY_BUCKET }), close: () => client.destroy() };
}

beforeAll(async () => {
  pki = await createTestPki();
  signer = signingCa(pki.trust.cas[0]!, pki.ca.cert.keyPem);
  work = await mkdtemp(join(tmpdir(), 'ca-repo-faults-'));
});
afterAll(async () => {
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('S3 stops in the middle of a publish', () => {
  let repo: LocalRepository;
  let repository: ObjectStore;
  let revoked5: Uint8Array;
  const get5 = () =>
    `${repo.url}/ocsp/${encodeURIComponent(Buffer.from(buildOcspRequest(pki.trust.cas[0]!, benchSerial(5))).toString('base64'))}`;
  afterAll(() => repo?.close());

  it('serves only whole objects meanwhile, and the re-sent bundle completes', async () => {
    repo = await startLocalRepository({
      port: 0,
      dataDir: join(work, 's3-stop'),
      trust: [pki.ca.cert.certDer],
    });
    repository = repo.s3.store(REPOSITORY_BUCKET);
    const ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
    const first = await publishBundle({
      bundleDir: await writeBundle(join(work, 's3-stop-first'), {
        'ca/root.crt': pki.ca.cert.certPem,
        'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 10n }),
        ...responses(0, 10),
      }),
      repoUrl: repo.url,
      ingest,
    });
    expect(first.receipt.status).toBe('completed');
    // Relying parties have the CRL and serial 5's `good` in the edge cache when the next publish starts.
    expect(await servedCrlNumber(repo.url)).toBe(10n);
    expect(describeOcspAnswer(new Uint8Array(await (await fetch(get5())).arrayBuffer())).status).toBe('good');

    revoked5 = buildSignedResponse(signer, {
      serialHex: benchSerial(5),
      status: 'revoked',
      revokedAt: now,
      thisUpdate: new Date(now.getTime() + 1000),
      nextUpdate: new Date(now.getTime() + 3 * 24 * 3600_000),
    });
    const files = {
      'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 11n }),
      [`ocsp/${benchSerial(5)}.ocsp`]: revoked5,
      ...responses(10, 160),
    };
    const outage = stopS3After(repo.s3.client, 40);
    const errors: unknown[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => errors.push(args); // the repository reports the failed publish
    try {
      await putBundle(ingest, files, { filesPerPart: 200 });
      await outage.tripped;
      await repo.idle();
    } finally {
      outage.restore();
      console.error = originalError;
    }
    expect(errors.length).toBeGreaterThan(0);

    // S3 is back: whatever was written is whole, the rest is absent, the CRL is 10 or 11 entire.
    expect(await expectWholeOrAbsent(repo.url, 0, 5)).toBe(5);
    const answer5 = await post(repo.url, 5);
    expect(answer5.equals(Buffer.from(response(5))) || answer5.equals(Buffer.from(revoked5))).toBe(true);
    const partly = await expectWholeOrAbsent(repo.url, 10, 160);
    expect(partly).toBeLessThan(150);
    expect([10n, 11n]).toContain(crlNumberOf(parseCrl((await repository.get('crl/root.crl'))!.body)));
    await expectConsistentIndex(repo.url, repository);

    const again = await publishBundle({
      bundleDir: await writeBundle(join(work, 's3-stop-again'), files),
      repoUrl: repo.url,
      ingest,
    });
    expect(again.receipt.status).toBe('completed');
    expect(again.rejected).toEqual([]);
    expect(await expectWholeOrAbsent(repo.url, 10, 160)).toBe(150);
    expect((await post(repo.url, 5)).equals(Buffer.from(revoked5))).toBe(true); // POST is never cached
    expect(crlNumberOf(parseCrl((await repository.get('crl/root.crl'))!.body))).toBe(11n);
    const index = await expectConsistentIndex(repo.url, repository);
    expect(index.crls.find((c) => c.url === '/crl/root.crl')?.crlNumber).toBe('11');
  });

  // The failed run wrote the new CRL and serial 5's `revoked` but died before invalidating; the
  // re-sent bundle finds the same bytes stored, yet must invalidate them (the failed run left the
  // invalidation owed), or the edge keeps the superseded CRL (up to 900 s) and `good` (up to 3,600 s).
  it('after the re-sent bundle completes, the edge no longer serves what the failed run replaced', async () => {
    expect(await servedCrlNumber(repo.url)).toBe(11n);
    expect(describeOcspAnswer(new Uint8Array(await (await fetch(get5())).arrayBuffer())).status).toBe(
      'revoked',
    );
  });
});

describe('the repository process is killed in the middle of a publish', () => {
  let server: LocalRepositoryProcess | undefined;
  let repository: { store: ObjectStore; close: () => void } | undefined;
  afterAll(async () => {
    repository?.close();
    await server?.stop();
  });

  it('restarts on its data with whole objects only, resumes the interrupted bundle itself, and a re-send is a no-op', async () => {
    const dataDir = join(work, 'kill-data');
    server = await startLocalRepositoryProcess({ trustPath: pki.ca.cert.certPath, dataDir });
    const initial = await publishDirectory(
      server.url,
      await writeBundle(join(work, 'kill-first'), {
        'ca/root.crt': pki.ca.cert.certPem,
        'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 10n }),
      }),
    );
    expect(initial.status).toBe('completed');

    const count = 1200;
    const bundleDir = await writeBundle(join(work, 'kill-bundle'), {
      'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 11n }),
      ...responses(0, count),
    });
    const abandoned = publishDirectory(server.url, bundleDir).catch(() => undefined);
    // Kill once the publish is visibly under way: some responses served, most not yet.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await post(server.url, 0)).equals(UNAUTHORIZED)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server!.child.once('exit', resolve));
    // Its receipt never comes: the event that started the publish died with the process.
    await abandoned;

    // Restarted on the same data, with nothing re-sent: it finds the manifest without a receipt
    // and publishes it again, as Lambda's retry of the S3 event would. Meanwhile each response is
    // served whole or not at all, and the CRL is 10 or 11 entire.
    server = await startLocalRepositoryProcess({ trustPath: pki.ca.cert.certPath, dataDir });
    repository = await repositoryStoreOf(server.url);
    const ingest = await discoverLocalIngest(server.url);
    await expectWholeOrAbsent(server.url, 0, count);
    expect([10n, 11n]).toContain(await servedCrlNumber(server.url));
    const bundleId = await waitUntil(() => /resuming bundle (\S+):/.exec(server!.output())?.[1], 30_000);
    const resumed = await waitUntil(async () => {
      const stored = await ingest.get(receiptKey(bundleId));
      return stored && (JSON.parse(Buffer.from(stored.body).toString()) as Receipt);
    }, 120_000);
    expect(resumed.status).toBe('completed');
    expect(resumed.rejected, JSON.stringify(resumed.rejected).slice(0, 600)).toEqual([]);
    expect(resumed.accepted).toHaveLength(count + 1);
    // The kill came mid-publish: part was already served (unchanged now), the rest was written by the resumed run.
    const alreadyServed = resumed.accepted.filter((a) => a.unchanged).length;
    expect(alreadyServed).toBeGreaterThan(0);
    expect(alreadyServed).toBeLessThan(count + 1);
    expect(await expectWholeOrAbsent(server.url, 0, count)).toBe(count);
    // Whichever run replaced CRL 10, the edge copy fetched above was invalidated.
    expect(await servedCrlNumber(server.url)).toBe(11n);
    const index = await expectConsistentIndex(server.url, repository.store);
    expect(index.crls.find((c) => c.url === '/crl/root.crl')?.crlNumber).toBe('11');

    // Sending the bundle again is still harmless: everything is accepted as already served.
    const again = await publishDirectory(server.url, bundleDir);
    expect(again.status).toBe('completed');
    expect(again.rejected).toEqual([]);
    expect(again.accepted).toHaveLength(count + 1);
    expect(again.accepted.every((a) => a.unchanged)).toBe(true);
    expect(again.replaced).toEqual([]);
    expect(again.invalidated).toEqual(INDEX_PATHS); // the index it rewrote, nothing else
    expect(await expectWholeOrAbsent(server.url, 0, count)).toBe(count);
    expect((await expectConsistentIndex(server.url, repository.store)).crls).toEqual(index.crls);
  }, 180_000);
});

describe('the same bundle delivered twice', () => {
  let repo: LocalRepository;
  afterAll(() => repo?.close());

  it('is an idempotent no-op, whether re-sent or its event redelivered', async () => {
    repo = await startLocalRepository({
      port: 0,
      dataDir: join(work, 'twice'),
      trust: [pki.ca.cert.certDer],
    });
    const repository = repo.s3.store(REPOSITORY_BUCKET);
    const ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
    const bundleDir = await writeBundle(join(work, 'twice-bundle'), {
      'ca/root.crt': pki.ca.cert.certPem,
      'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 30n }),
      ...responses(0, 20),
    });
    const first = await publishBundle({ bundleDir, repoUrl: repo.url, ingest });
    expect(first.receipt.status).toBe('completed');
    const indexBefore = await expectConsistentIndex(repo.url, repository);

    const second = await publishBundle({ bundleDir, repoUrl: repo.url, ingest });
    expect(second.receipt.status).toBe('completed');
    expect(second.rejected).toEqual([]);
    expect(second.receipt.accepted.every((a) => a.unchanged)).toBe(true);
    expect(second.receipt.replaced).toEqual([]);
    expect(second.receipt.invalidated).toEqual(INDEX_PATHS); // the index it rewrote, nothing else

    // At-least-once delivery: the first bundle's manifest lands again under the same key.
    const receipts: Receipt[] = [];
    const manifest = (await ingest.get(manifestKey(first.receipt.bundleId)))!;
    await ingest.put(manifestKey(first.receipt.bundleId), manifest.body, { contentType: 'application/json' });
    await new Promise((resolve) => setTimeout(resolve, 200)); // event delivery is asynchronous
    await repo.idle();
    const stored = await ingest.get(receiptKey(first.receipt.bundleId));
    receipts.push(JSON.parse(Buffer.from(stored!.body).toString()) as Receipt);
    const third = receipts[0]!;
    // A completed receipt is final: the redelivered event publishes nothing and rewrites nothing.
    expect(third).toEqual(first.receipt);

    expect(await expectWholeOrAbsent(repo.url, 0, 20)).toBe(20);
    expect(await servedCrlNumber(repo.url)).toBe(30n);
    const indexAfter = await expectConsistentIndex(repo.url, repository);
    expect(indexAfter.crls).toEqual(indexBefore.crls);
    expect(indexAfter.caCertificates).toEqual(indexBefore.caCertificates);
  });
});

describe('two publishes racing on one CRL path', () => {
  it('the higher CRL number wins in every interleaving, never the lower', async () => {
    const crls = {
      10: await pki.ca.generateCrl({ crlNumber: 10n }),
      20: await pki.ca.generateCrl({ crlNumber: 20n }),
      21: await pki.ca.generateCrl({ crlNumber: 21n }),
    };
    for (let round = 0; round < 12; round++) {
      const ingest = new MemoryObjectStore();
      const repository = new MemoryObjectStore();
      const setup = new PublishService({
        ingest,
        repository,
        trust: pki.trust,
        clock: { now: () => new Date() },
      });
      expect((await setup.publishBundle(await putBundle(ingest, { 'crl/root.crl': crls[10] }))).status).toBe(
        'completed',
      );
      const random = seededRandom(1000 + round);
      // Each service sees the shared stores with its own random delays, so reads and writes interleave.
      const service = () =>
        new PublishService({
          ingest,
          repository: new DelayingStore(repository, random),
          trust: pki.trust,
          clock: { now: () => new Date() },
        });
      const lower = await putBundle(ingest, { 'crl/root.crl': crls[20] });
      const higher = await putBundle(ingest, { 'crl/root.crl': crls[21] });
      const order = round % 2 === 0 ? [lower, higher] : [higher, lower];
      const [a, b] = await Promise.all(order.map((id) => service().publishBundle(id)));
      const byId = new Map([a!, b!].map((r) => [r.bundleId, r]));
      const won = byId.get(higher)!;
      expect(won.status, `round ${round}`).toBe('completed');
      expect(
        won.accepted.map((x) => x.file),
        `round ${round}: ${JSON.stringify(won.rejected)}`,
      ).toEqual(['crl/root.crl']);
      const lost = byId.get(lower)!;
      expect(lost.status).toBe('completed');
      const served = crlNumberOf(parseCrl((await repository.get('crl/root.crl'))!.body));
      expect(served, `round ${round}: CRL ${served} served`).toBe(21n);
      const index = JSON.parse(
        Buffer.from((await repository.get('index.json'))!.body).toString(),
      ) as RepositoryIndex;
      expect(index.crls.find((c) => c.url === '/crl/root.crl')?.crlNumber, `round ${round}: index`).toBe(
        '21',
      );
    }
  });
});

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
async function waitUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Makes every S3 call of the local repository fail (as with the server down) after `puts` PUTs to the repository bucket. */
function stopS3After(client: S3Client, puts: number): { tripped: Promise<void>; restore: () => void } {
  let seen = 0;
  let down = false;
  let trip: () => void = () => undefined;
  const tripped = new Promise<void>((resolve) => (trip = resolve));
  const name = `faults-stop-s3-${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Bucket?: string };
      if (
        !down &&
        context.commandName === 'PutObjectCommand' &&
        input.Bucket === REPOSITORY_BUCKET &&
        ++seen > puts
      ) {
        down = true;
        trip();
      }
      if (down)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1 (S3 server stopped)'), {
          code: 'ECONNREFUSED',
        });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { tripped, restore: () => void client.middlewareStack.remove(name) };
}

/** The shared store as one service sees it: the same objects, each call a little late. */
class DelayingStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly random: () => number,
  ) {}

  private pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.floor(this.random() * 4)));
  }

  async get(key: string) {
    await this.pause();
    return this.inner.get(key);
  }

  async head(key: string) {
    await this.pause();
    return this.inner.head(key);
  }

  async put(key: string, body: Uint8Array, options: PutObjectOptions) {
    await this.pause();
    return this.inner.put(key, body, options);
  }

  async delete(key: string) {
    await this.pause();
    return this.inner.delete(key);
  }

  list(prefix: string) {
    return this.inner.list(prefix);
  }
}

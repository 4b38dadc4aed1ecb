import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { ObjectStoreError, S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import { fixedClock } from '../../testkit/fixed-clock.ts';
import { decodeS3EventKey, encodeS3EventKey, type S3Event } from '../../lambda/adapters/s3-event.ts';
import { startEmbeddedS3, type EmbeddedS3, type ObjectCreatedEvent } from '../../lambda/local/embedded-s3.ts';
import { forEachWithConcurrency } from '../../lambda/services/concurrency.ts';
import { PreconditionFailedError, type ObjectStore } from '../../lambda/services/ports.ts';

const ALL_BYTE_VALUES = Uint8Array.from({ length: 256 }, (_, index) => index);
const EXPIRES = new Date('2031-05-06T07:08:09Z');
// Keys whose encoding differs between the path, the listing XML and event notifications.
const AWKWARD_KEYS = [
  'with space.crl',
  'plus+sign.crt',
  'unicodé-✓.pem',
  'deep/ly/nested/key.der',
  "it's (1)~*.txt",
];

async function listAll(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}

function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** The behaviour every ObjectStore adapter must share; `createEmptyStore` gives each test its own store. */
function describeObjectStoreContract(name: string, createEmptyStore: () => Promise<ObjectStore>) {
  describe(`ObjectStore contract: ${name}`, () => {
    it('round-trips every byte value with content type, cache-control, expires and metadata', async () => {
      const store = await createEmptyStore();
      await store.put('ca/root.crt', ALL_BYTE_VALUES, {
        contentType: 'application/pkix-cert',
        cacheControl: 'public, max-age=86400',
        expires: EXPIRES,
        metadata: { 'sha256-fingerprint': 'ab:cd', kind: 'ca-certificate' },
      });

      const object = await store.get('ca/root.crt');

      expect(object).toBeDefined();
      expect(Buffer.from(object!.body).equals(Buffer.from(ALL_BYTE_VALUES))).toBe(true);
      expect(object).toMatchObject({
        contentType: 'application/pkix-cert',
        cacheControl: 'public, max-age=86400',
        metadata: { 'sha256-fingerprint': 'ab:cd', kind: 'ca-certificate' },
        etag: md5Hex(ALL_BYTE_VALUES),
        size: 256,
      });
      expect(object!.expires?.toISOString()).toBe(EXPIRES.toISOString());
    });

    it('lowercases metadata keys', async () => {
      const store = await createEmptyStore();
      await store.put('k', new Uint8Array([1]), {
        contentType: 'text/plain',
        metadata: { 'X-Issuer-Hash': 'a1' },
      });

      expect((await store.head('k'))?.metadata).toEqual({ 'x-issuer-hash': 'a1' });
    });

    it('heads an object without its body', async () => {
      const store = await createEmptyStore();
      const body = randomBytes(1234);
      await store.put('crl/latest.crl', body, {
        contentType: 'application/pkix-crl',
        cacheControl: 'no-cache',
      });

      const head = await store.head('crl/latest.crl');

      expect(head).toEqual({
        contentType: 'application/pkix-crl',
        cacheControl: 'no-cache',
        expires: undefined,
        metadata: {},
        etag: md5Hex(body),
        size: 1234,
        lastModified: expect.any(Date),
      });
      expect(head).not.toHaveProperty('body');
      expect(Math.abs(head!.lastModified.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('answers undefined for a key that holds nothing', async () => {
      const store = await createEmptyStore();

      expect(await store.get('missing/key.crt')).toBeUndefined();
      expect(await store.head('missing/key.crt')).toBeUndefined();
    });

    it('round-trips an empty object and a 5 MB object exactly', async () => {
      const store = await createEmptyStore();
      const large = randomBytes(5 * 1024 * 1024);
      await store.put('empty', new Uint8Array(0), { contentType: 'application/octet-stream' });
      await store.put('large', large, { contentType: 'application/octet-stream' });

      const empty = await store.get('empty');
      const fetched = await store.get('large');

      expect(empty?.body.byteLength).toBe(0);
      expect(empty?.size).toBe(0);
      expect(fetched?.size).toBe(large.byteLength);
      expect(Buffer.from(fetched!.body).equals(large)).toBe(true);
      expect(fetched?.etag).toBe(md5Hex(large));
    });

    it('keeps stored bytes safe from callers mutating their buffers', async () => {
      const store = await createEmptyStore();
      const body = Uint8Array.of(1, 2, 3);
      await store.put('k', body, { contentType: 'application/octet-stream' });
      body[0] = 99;
      const first = await store.get('k');
      first!.body[1] = 99;

      expect([...(await store.get('k'))!.body]).toEqual([1, 2, 3]);
    });

    it('replaces body and headers on overwrite', async () => {
      const store = await createEmptyStore();
      await store.put('k', Uint8Array.of(1), {
        contentType: 'text/plain',
        cacheControl: 'max-age=1',
        expires: EXPIRES,
        metadata: { old: 'yes' },
      });
      await store.put('k', Uint8Array.of(2, 2), { contentType: 'application/json' });

      const object = await store.get('k');

      expect([...object!.body]).toEqual([2, 2]);
      expect(object).toMatchObject({ contentType: 'application/json', metadata: {}, size: 2 });
      expect(object?.cacheControl).toBeUndefined();
      expect(object?.expires).toBeUndefined();
    });

    it('replaces atomically: readers racing overwrites get one whole version with its own metadata', async () => {
      const store = await createEmptyStore();
      // Sizes differ by orders of magnitude, so a body read under another version's length shows.
      const versions = [1, 200_000, 17, 64_000].map((size, version) => ({
        body: new Uint8Array(size).fill(version + 1),
        metadata: { version: String(version) },
      }));
      await store.put('crl/root.crl', versions[0]!.body, {
        contentType: 'application/pkix-crl',
        metadata: versions[0]!.metadata,
      });
      const seen = new Set<string>();
      const writes = (async () => {
        for (let round = 0; round < 12; round++) {
          const version = versions[round % versions.length]!;
          await store.put('crl/root.crl', version.body, {
            contentType: 'application/pkix-crl',
            metadata: version.metadata,
          });
        }
      })();
      let writing = true;
      void writes.finally(() => (writing = false));
      const reads = Array.from({ length: 4 }, async () => {
        while (writing) {
          const object = await store.get('crl/root.crl');
          expect(object, 'never absent while being replaced').toBeDefined();
          const version = versions[Number(object!.metadata.version)]!;
          expect(object!.size).toBe(version.body.length);
          expect(
            Buffer.from(object!.body).equals(Buffer.from(version.body)),
            `version ${object!.metadata.version}`,
          ).toBe(true);
          seen.add(object!.metadata.version!);
        }
      });
      await Promise.all([writes, ...reads]);
      expect(seen.size).toBeGreaterThan(1);
    });

    it('honours If-None-Match: * and If-Match as S3 does (412 → PreconditionFailedError), one winner under races', async () => {
      const store = await createEmptyStore();
      await store.put('cond/a.json', Buffer.from('1'), { contentType: 'application/json', ifNoneMatch: '*' });
      await expect(
        store.put('cond/a.json', Buffer.from('2'), { contentType: 'application/json', ifNoneMatch: '*' }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      const first = await store.head('cond/a.json');
      await expect(
        store.put('cond/a.json', Buffer.from('3'), { contentType: 'application/json', ifMatch: '"0123"' }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(
        store.put('cond/missing.json', Buffer.from('3'), {
          contentType: 'application/json',
          ifMatch: first!.etag,
        }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      await store.put('cond/a.json', Buffer.from('4'), {
        contentType: 'application/json',
        ifMatch: first!.etag,
      });
      expect(Buffer.from((await store.get('cond/a.json'))!.body).toString()).toBe('4');
      // Eight writers create one key at once: exactly one wins.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          store.put('cond/race.json', Buffer.from(String(i)), {
            contentType: 'application/json',
            ifNoneMatch: '*',
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(
        outcomes.every((o) => o.status === 'fulfilled' || o.reason instanceof PreconditionFailedError),
      ).toBe(true);
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      const store = await createEmptyStore();
      await store.put('k', Uint8Array.of(1), { contentType: 'text/plain' });

      await store.delete('k');
      await store.delete('k');
      await store.delete('never-existed');

      expect(await store.get('k')).toBeUndefined();
      expect(await listAll(store, '')).toEqual([]);
    });

    it('round-trips keys with spaces, +, unicode and nested slashes', async () => {
      const store = await createEmptyStore();
      for (const key of AWKWARD_KEYS) {
        await store.put(key, new TextEncoder().encode(key), { contentType: 'text/plain' });
      }

      for (const key of AWKWARD_KEYS) {
        expect(new TextDecoder().decode((await store.get(key))?.body), key).toBe(key);
        expect((await store.head(key))?.size, key).toBe(Buffer.byteLength(key));
      }
      await store.delete(AWKWARD_KEYS[0]!);
      expect(await listAll(store, '')).toEqual(
        AWKWARD_KEYS.slice(1).sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right))),
      );
    });

    it('lists the keys under a prefix in UTF-8 byte order', async () => {
      const store = await createEmptyStore();
      // 'a/b' sorts after 'a.txt' ('/' > '.'); '😀' after '！' in UTF-8 though not in UTF-16.
      const keys = [
        'r/a',
        'r/a/b',
        'r/a.txt',
        'r/a b',
        'r/a/c/d',
        'r/a-z',
        'r/é',
        'r/😀',
        'r/！',
        'r/x+y',
        'rz',
        'q',
      ];
      for (const key of keys) await store.put(key, Uint8Array.of(1), { contentType: 'text/plain' });

      expect(await listAll(store, 'r/')).toEqual([
        'r/a',
        'r/a b',
        'r/a-z',
        'r/a.txt',
        'r/a/b',
        'r/a/c/d',
        'r/x+y',
        'r/é',
        'r/！',
        'r/😀',
      ]);
      expect(await listAll(store, 'r/a/')).toEqual(['r/a/b', 'r/a/c/d']);
      expect(await listAll(store, 'nothing-here/')).toEqual([]);
      expect(await listAll(store, '')).toHaveLength(keys.length);
    });

    it('lists past the 1,000-key page size', async () => {
      const store = await createEmptyStore();
      const keys = Array.from({ length: 1050 }, (_, index) => `ocsp/${String(index).padStart(4, '0')}.der`);
      await forEachWithConcurrency(keys, 32, (key) =>
        store.put(key, Uint8Array.of(1), { contentType: 'application/ocsp-response' }),
      );
      await store.put('ocsp.txt', Uint8Array.of(1), { contentType: 'text/plain' });

      expect(await listAll(store, 'ocsp/')).toEqual(keys);
    });
  });
}

describeObjectStoreContract('MemoryObjectStore', async () => new MemoryObjectStore());

describe('embedded S3 (s3rver driven by the AWS SDK)', () => {
  let directory: string;
  let s3: EmbeddedS3;
  let bucketCount = 0;
  const listenerErrors: unknown[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ca-repo-s3-'));
    s3 = await startEmbeddedS3({
      directory,
      buckets: ['repository'],
      port: 0,
      onListenerError: (error) => listenerErrors.push(error),
    });
  });

  afterAll(async () => {
    await s3?.close();
    await rm(directory, { recursive: true, force: true });
  });

  describeObjectStoreContract('S3ObjectStore on embedded s3rver', async () => {
    const bucket = `contract-${++bucketCount}`;
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    return s3.store(bucket);
  });

  it('listens on a free port on 127.0.0.1', () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.endpoint).not.toMatch(/:0$/);
  });

  it('notifies onObjectCreated with the decoded key after a put through the SDK', async () => {
    const key = 'events/red flower+1é.pem';
    const created = nextEvent<ObjectCreatedEvent>((listener) => s3.onObjectCreated(listener), key);
    const raw = nextEvent<S3Event>(
      (listener) => s3.onS3Event(listener),
      'events/red+flower%2B1%C3%A9.pem',
      (event) => event.Records[0]!.s3.object.key,
    );

    await s3.client.send(
      new PutObjectCommand({ Bucket: 'repository', Key: key, Body: Uint8Array.of(1, 2, 3) }),
    );

    expect(await created).toEqual({ bucket: 'repository', key, size: 3, eventName: 'ObjectCreated:Put' });
    const record = (await raw).Records[0]!;
    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'repository', arn: 'arn:aws:s3:::repository' }, object: { size: 3 } },
    });
    expect(decodeS3EventKey(record.s3.object.key)).toBe(key);
  });

  it('names Copy and CompleteMultipartUpload events as S3 does', async () => {
    const copied = nextEvent<ObjectCreatedEvent>((listener) => s3.onObjectCreated(listener), 'events/copy');
    const assembled = nextEvent<ObjectCreatedEvent>(
      (listener) => s3.onObjectCreated(listener),
      'events/multi',
    );
    await s3.store('repository').put('events/source', Uint8Array.of(1), { contentType: 'text/plain' });

    await s3.client.send(
      new CopyObjectCommand({
        Bucket: 'repository',
        Key: 'events/copy',
        CopySource: 'repository/events/source',
      }),
    );
    const upload = await s3.client.send(
      new CreateMultipartUploadCommand({ Bucket: 'repository', Key: 'events/multi' }),
    );
    const part = await s3.client.send(
      new UploadPartCommand({
        Bucket: 'repository',
        Key: 'events/multi',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: new Uint8Array(10),
      }),
    );
    await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'repository',
        Key: 'events/multi',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );

    expect((await copied).eventName).toBe('ObjectCreated:Copy');
    expect(await assembled).toMatchObject({ eventName: 'ObjectCreated:CompleteMultipartUpload', size: 10 });
  });

  it('never fails a write because a listener throws', async () => {
    const failure = new Error('handler exploded');
    const key = 'events/listener-failure';
    s3.onObjectCreated((event) => {
      if (event.key === key) throw failure;
    });

    await s3.store('repository').put(key, Uint8Array.of(1), { contentType: 'text/plain' });
    await expect.poll(() => listenerErrors).toContain(failure);
    expect((await s3.store('repository').head(key))?.size).toBe(1);
  });

  it('stores a streamed SDK upload byte for byte (no aws-chunked framing)', async () => {
    const body = randomBytes(64 * 1024);

    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'repository',
        Key: 'streamed.bin',
        Body: Readable.from([body.subarray(0, 1000), body.subarray(1000)]),
        ContentLength: body.byteLength,
      }),
    );

    const object = await s3.store('repository').get('streamed.bin');
    expect(object?.size).toBe(body.byteLength);
    expect(Buffer.from(object!.body).equals(body)).toBe(true);
  });

  it('encodes event keys as S3 notifications do', () => {
    expect(encodeS3EventKey('a b/c+d é')).toBe('a+b/c%2Bd+%C3%A9');
    for (const key of AWKWARD_KEYS) expect(decodeS3EventKey(encodeS3EventKey(key))).toBe(key);
  });

  it('wraps other failures in ObjectStoreError naming bucket, key and operation', async () => {
    const store = s3.store('no-such-bucket');

    const failures = await Promise.all([
      store.get('a/key').catch((error: unknown) => error),
      store.put('a/key', Uint8Array.of(1), { contentType: 'text/plain' }).catch((error: unknown) => error),
      listAll(store, 'a/').catch((error: unknown) => error),
    ]);

    expect(
      failures.map((error) => error instanceof ObjectStoreError && [error.operation, error.key]),
    ).toEqual([
      ['get', 'a/key'],
      ['put', 'a/key'],
      ['list', 'a/'],
    ]);
    const [failure] = failures as ObjectStoreError[];
    expect(failure).toMatchObject({ bucket: 'no-such-bucket', code: 'NoSuchBucket' });
    expect(failure!.message).toContain('s3://no-such-bucket/a/key');
    expect((failure!.cause as Error).name).toBe('NoSuchBucket');
  });

  it('does not mistake a credentials 403 on GET for a missing key', async () => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'UNKNOWN', secretAccessKey: 'UNKNOWN' },
      maxAttempts: 1,
    });
    try {
      await expect(new S3ObjectStore({ client, bucket: 'repository' }).get('k')).rejects.toMatchObject({
        name: 'ObjectStoreError',
        code: 'InvalidAccessKeyId',
      });
    } finally {
      client.destroy();
    }
  });

  it('keeps objects across a restart on the same directory', async () => {
    const restartDirectory = await mkdtemp(join(tmpdir(), 'ca-repo-s3-restart-'));
    try {
      const first = await startEmbeddedS3({ directory: restartDirectory, buckets: ['kept'] });
      await first.store('kept').put('ca/root.crt', ALL_BYTE_VALUES, { contentType: 'application/pkix-cert' });
      await first.close();
      await first.close();

      const second = await startEmbeddedS3({ directory: restartDirectory, buckets: ['kept'] });
      try {
        const object = await second.store('kept').get('ca/root.crt');
        expect(Buffer.from(object!.body).equals(Buffer.from(ALL_BYTE_VALUES))).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      await rm(restartDirectory, { recursive: true, force: true });
    }
  });
  it('finishes a write killed between its body and its metadata on restart, and drops an intent whose body never landed', async () => {
    const restartDirectory = await mkdtemp(join(tmpdir(), 'ca-repo-s3-intent-'));
    try {
      const first = await startEmbeddedS3({ directory: restartDirectory, buckets: ['kept'] });
      await first.store('kept').put('a.crl', Buffer.from('v1'), { contentType: 'application/pkix-crl' });
      await first.store('kept').put('b.crl', Buffer.from('b1'), { contentType: 'application/pkix-crl' });
      await first.close();
      const objectFile = async (name: string) =>
        (await readdir(restartDirectory, { recursive: true })).find((f) =>
          f.endsWith(`${name}._S3rver_object`),
        )!;
      // a.crl: the new body was renamed in, the kill came before its metadata (as putObject leaves it).
      const a = join(restartDirectory, await objectFile('a.crl'));
      const v2 = Buffer.from('version 2');
      await writeFile(a, v2);
      const intent = (key: string, md5: string) =>
        JSON.stringify({ bucket: 'kept', key, metadata: { 'content-type': 'application/pkix-cert' }, md5 });
      await writeFile(`${a}.0123456789abcdef.intent`, intent('a.crl', md5Hex(v2)));
      // b.crl: killed before its body's rename: the old object stays, the intent goes.
      const b = join(restartDirectory, await objectFile('b.crl'));
      await writeFile(`${b}.fedcba9876543210.intent`, intent('b.crl', md5Hex(Buffer.from('never landed'))));

      const second = await startEmbeddedS3({ directory: restartDirectory, buckets: ['kept'] });
      try {
        const repairedA = await second.store('kept').get('a.crl');
        expect(Buffer.from(repairedA!.body).toString()).toBe('version 2');
        expect(repairedA!.contentType).toBe('application/pkix-cert');
        expect(repairedA!.etag.replace(/"/g, '')).toBe(md5Hex(v2));
        const keptB = await second.store('kept').get('b.crl');
        expect(Buffer.from(keptB!.body).toString()).toBe('b1');
        expect(keptB!.contentType).toBe('application/pkix-crl');
        const left = (await readdir(restartDirectory, { recursive: true })).filter((f) =>
          f.endsWith('.intent'),
        );
        expect(left).toEqual([]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(restartDirectory, { recursive: true, force: true });
    }
  });
});

describe('S3ObjectStore on a bucket the reader may not list', () => {
  // S3 answers 403 instead of 404 for a missing key without s3:ListBucket; s3rver never does, so this
  // stands in for S3 with its documented responses (GET: AccessDenied XML; HEAD: a bodiless 403).
  let server: Server;
  let client: S3Client;

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.statusCode = 403;
      response.setHeader('content-type', 'application/xml');
      response.end(
        request.method === 'HEAD'
          ? undefined
          : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new S3Client({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client?.destroy();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('answers undefined for get and head', async () => {
    const store = new S3ObjectStore({ client, bucket: 'locked' });

    expect(await store.get('missing.crl')).toBeUndefined();
    expect(await store.head('missing.crl')).toBeUndefined();
  });
});

describe('MemoryObjectStore test hooks', () => {
  it('stamps lastModified from the injected clock, at S3 second precision', async () => {
    const store = new MemoryObjectStore({ clock: fixedClock(new Date('2030-01-02T03:04:05.678Z')) });
    await store.put('k', Uint8Array.of(1), { contentType: 'text/plain' });

    expect((await store.head('k'))?.lastModified.toISOString()).toBe('2030-01-02T03:04:05.000Z');
  });

  it('fails the next calls of an operation, then recovers', async () => {
    const store = new MemoryObjectStore();
    const outage = new Error('SlowDown');
    store.failNext('put', outage, 2);

    await expect(store.put('k', Uint8Array.of(1), { contentType: 'text/plain' })).rejects.toBe(outage);
    await expect(store.put('k', Uint8Array.of(1), { contentType: 'text/plain' })).rejects.toBe(outage);
    await store.put('k', Uint8Array.of(1), { contentType: 'text/plain' });
    expect(await store.head('k')).toBeDefined();
  });

  it('fails matching calls with an ObjectStoreError until the rule is removed', async () => {
    const store = new MemoryObjectStore();
    const stopFailing = store.failWhen((call) => call.operation === 'list' && call.key.startsWith('ocsp/'));

    await expect(listAll(store, 'ocsp/')).rejects.toMatchObject({
      name: 'ObjectStoreError',
      operation: 'list',
    });
    expect(await listAll(store, 'crl/')).toEqual([]);
    stopFailing();
    expect(await listAll(store, 'ocsp/')).toEqual([]);
  });
});

/** Resolves with the first event for `key`; subscribe before acting so the event can't be missed. */
function nextEvent<T>(
  subscribe: (listener: (event: T) => void) => void,
  key: string,
  keyOf: (event: T) => string = (event) => (event as ObjectCreatedEvent).key,
): Promise<T> {
  return new Promise((resolve) =>
    subscribe((event) => {
      if (keyOf(event) === key) resolve(event);
    }),
  );
}

/**
 * `ca-repo local --replica --ocsp-path /status` as an operator runs it (its own process, options
 * parsed by bin/ca-repo.ts): OCSP is answered under /status, and with the primary bucket gone the
 * replica bucket, filled by the asynchronous replication, serves the CRL and the OCSP responses.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { embeddedS3Client } from '../../lambda/storage/embedded-s3-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  publishDirectory,
  startLocalRepositoryProcess,
  writeBundle,
  type LocalRepositoryProcess,
} from '../../bench/bench-pki.ts';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import { REPLICA_BUCKET, REPOSITORY_BUCKET } from '../../lambda/local/local-repository.ts';
import { INGEST_DISCOVERY_PATH, type IngestDiscovery } from '../../lambda/core/contract/ingest-discovery.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let work: string;
let server: LocalRepositoryProcess | undefined;
let client: S3Client | undefined;
const responses: Record<'good' | 'revoked', Uint8Array> = {
  good: new Uint8Array(),
  revoked: new Uint8Array(),
};
const requests: Record<'good' | 'revoked', Uint8Array> = {
  good: new Uint8Array(),
  revoked: new Uint8Array(),
};

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const encoded = (request: Uint8Array) => encodeURIComponent(Buffer.from(request).toString('base64'));

async function body(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

async function keysOf(store: S3ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}

beforeAll(async () => {
  pki = await createTestPki();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-local-cli-'));
  responses.good = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  responses.revoked = await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha1' });
  requests.good = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha1' });
  requests.revoked = await pki.ca.ocspRequest(pki.revokedLeaf, { hash: 'sha1' });
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('ca-repo local --replica --ocsp-path /status', () => {
  it('answers OCSP under /status, and from the replica once the primary bucket is gone', async () => {
    server = await startLocalRepositoryProcess({
      trustPath: pki.ca.cert.certPath,
      dataDir: join(work, 'data'),
      extraArgs: ['--replica', '--ocsp-path', '/status'],
    });
    const startup = `OCSP at ${server.url}/status (GET /status/<request>, POST); replica bucket ${REPLICA_BUCKET}`;
    for (let waited = 0; !server.output().includes(startup) && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // printed just after the serving line
    }
    expect(server.output()).toContain(startup);
    const receipt = await publishDirectory(
      server.url,
      await writeBundle(join(work, 'bundle'), {
        'crl/root.crl': await pki.ca.generateCrl(),
        'ocsp/good.ocsp': responses.good,
        'ocsp/revoked.ocsp': responses.revoked,
      }),
    );
    expect(receipt.status).toBe('completed');
    expect(receipt.rejected).toEqual([]);
    expect(receipt.accepted.filter((a) => a.kind === 'ocsp-response').map((a) => a.url)).toEqual([
      '/status',
      '/status',
    ]);

    // GET and POST under /status; /ocsp is an ordinary (empty) path now.
    const get = await fetch(`${server.url}/status/${encoded(requests.good)}`);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/ocsp-response');
    expect(hex(await body(get))).toBe(hex(responses.good));
    const post = await fetch(`${server.url}/status`, { method: 'POST', body: requests.good });
    expect(hex(await body(post))).toBe(hex(responses.good));
    expect((await fetch(`${server.url}/ocsp/${encoded(requests.good)}`)).status).toBe(404);

    // The process's own S3 endpoint: wait for replication, then take the primary bucket out.
    const discovery = (await (
      await fetch(new URL(INGEST_DISCOVERY_PATH, server.url))
    ).json()) as IngestDiscovery;
    client = embeddedS3Client(discovery);
    const primary = new S3ObjectStore({ client, bucket: REPOSITORY_BUCKET });
    const replica = new S3ObjectStore({ client, bucket: REPLICA_BUCKET });
    const published = await keysOf(primary, '');
    expect(published).toContain('crl/root.crl');
    expect(published.filter((k) => k.startsWith('_ocsp/'))).toHaveLength(2);
    const deadline = Date.now() + 30_000;
    while ((await keysOf(replica, '')).length < published.length) {
      if (Date.now() > deadline) throw new Error('the replica never caught up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const key of published) await primary.delete(key);
    await client.send(new DeleteBucketCommand({ Bucket: REPOSITORY_BUCKET }));
    await expect(client.send(new HeadBucketCommand({ Bucket: REPOSITORY_BUCKET }))).rejects.toThrow();

    // Neither was fetched through the CDN before, so these come from the origin: the replica.
    const crl = await fetch(`${server.url}/crl/root.crl`);
    expect(crl.status).toBe(200);
    expect(crl.headers.get('content-type')).toBe('application/pkix-crl');
    const revoked = await fetch(`${server.url}/status/${encoded(requests.revoked)}`);
    expect(revoked.status).toBe(200);
    expect(revoked.headers.get('x-cache')).toMatch(/^Miss/);
    expect(hex(await body(revoked))).toBe(hex(responses.revoked));
    // POST is never cached: read from the replica by the origin-request handler.
    const postAfter = await fetch(`${server.url}/status`, { method: 'POST', body: requests.good });
    expect(postAfter.status).toBe(200);
    expect(hex(await body(postAfter))).toBe(hex(responses.good));
  }, 120_000);
});

/**
 * OCSP end to end on the local CDN: `openssl ocsp` (POST, with and without nonce) and curl (GET in
 * every encoding) against pre-generated responses published through the real uploader.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand as run } from '../../testkit/run-command.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import {
  INGEST_BUCKET,
  startLocalRepository,
  type LocalRepository,
} from '../../lambda/local/local-repository.ts';
import { publishBundle } from '../../onprem/uploader.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';
import { ocspRefreshDue } from '../../lambda/core/ocsp/presign-schedule.ts';
import { OCSP_EDGE_DEADLINE_MARGIN_SECONDS } from '../../lambda/core/serving/ocsp-edge-lifetime.ts';

let pki: TestPki;
let work: string;
let repo: LocalRepository;
let later: IssuedCert;
const responses: Record<string, Uint8Array> = {};

async function publish(name: string, files: Record<string, Uint8Array>) {
  const dir = join(work, name);
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  const ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
  const result = await publishBundle({ bundleDir: dir, repoUrl: repo.url, ingest });
  expect(result.rejected).toEqual([]);
  await repo.idle();
}

/** `openssl ocsp` as a relying party runs it; a digest option must come before -cert. */
async function opensslOcsp(cert: IssuedCert, ...extra: string[]) {
  const digest = extra.filter((a) => /^-sha\d+$/.test(a));
  return run('openssl', [
    'ocsp',
    '-issuer',
    pki.ca.cert.certPath,
    ...digest,
    '-cert',
    cert.certPath,
    '-url',
    `${repo.url}/ocsp`,
    '-CAfile',
    pki.ca.cert.certPath,
    ...extra.filter((a) => !digest.includes(a)),
  ]);
}

async function getOcsp(path: string) {
  const response = await fetch(`${repo.url}/ocsp/${path}`);
  return { response, body: new Uint8Array(await response.arrayBuffer()) };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const UNAUTHORIZED = '30030a0106';
const MALFORMED = '30030a0101';

beforeAll(async () => {
  pki = await createTestPki();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-ocsp-'));
  later = await pki.ca.issue({ commonName: 'later-revoked.example', profile: 'tls-server' });
  repo = await startLocalRepository({ port: 0, dataDir: join(work, 'repo'), trust: [pki.ca.cert.certDer] });
  Object.assign(responses, {
    goodSha1: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' }),
    goodSha256: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha256' }),
    revokedSha1: await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha1' }),
    laterSha1: await pki.ca.ocspResponse(later, { hash: 'sha1' }),
  });
  await publish('bundle-1', {
    'ocsp/good-sha1.der': responses.goodSha1!,
    'ocsp/good-sha256.der': responses.goodSha256!,
    'ocsp/revoked-sha1.der': responses.revokedSha1!,
    'ocsp/later-sha1.der': responses.laterSha1!,
  });
});

afterAll(async () => {
  await repo?.close();
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('openssl ocsp (POST) against the local CDN', () => {
  it('reports good with its default nonce, and the response bytes are exactly what was published', async () => {
    const out = join(work, 'good.respout');
    const result = await opensslOcsp(pki.leaf, '-respout', out);
    expect(result.stdout).toMatch(/: good/);
    expect(result.stderr).toMatch(/Response verify OK/);
    expect(result.stderr).toMatch(/WARNING: no nonce in response/);
    expect(hex(new Uint8Array(await readFile(out)))).toBe(hex(responses.goodSha1!));
  });

  it('reports revoked with -no_nonce', async () => {
    const result = await opensslOcsp(pki.revokedLeaf, '-no_nonce');
    expect(result.stdout).toMatch(/: revoked/);
    expect(result.stdout).toMatch(/Reason: keyCompromise/);
    expect(result.stderr).toMatch(/Response verify OK/);
  });

  it('answers the SHA-256 CertID with the SHA-256 response (strict CertID match)', async () => {
    const result = await opensslOcsp(pki.leaf, '-sha256', '-no_nonce');
    expect(result.stdout).toMatch(/: good/);
    expect(result.stderr).toMatch(/Response verify OK/);
  });

  it('answers unauthorized (HTTP 200) for a CertID hash with no stored response (SHA-384)', async () => {
    const result = await opensslOcsp(pki.leaf, '-sha384', '-no_nonce');
    expect(result.stdout + result.stderr).toMatch(/Responder Error: unauthorized \(6\)/);
  });

  it('answers unauthorized for an unknown serial and an unknown issuer', async () => {
    const unknownSerial = await pki.ca.issue({
      commonName: 'never-published.example',
      profile: 'tls-server',
    });
    expect((await opensslOcsp(unknownSerial, '-no_nonce')).stdout).toMatch(/unauthorized \(6\)/);
    const otherLeaf = await pki.other.issue({ commonName: 'other.example', profile: 'tls-server' });
    const result = await run('openssl', [
      'ocsp',
      '-issuer',
      pki.other.cert.certPath,
      '-cert',
      otherLeaf.certPath,
      '-url',
      `${repo.url}/ocsp`,
      '-no_nonce',
    ]);
    expect(result.stdout + result.stderr).toMatch(/unauthorized \(6\)/);
  });

  it('answers malformedRequest with HTTP 200 for a garbage body, never a 5xx', async () => {
    for (const body of [
      new Uint8Array(0),
      new Uint8Array([0x30, 0x80]),
      new Uint8Array(2_000_000).fill(0x30),
    ]) {
      const response = await fetch(`${repo.url}/ocsp`, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request' },
        body,
      });
      expect(response.status).toBe(200);
      expect(hex(new Uint8Array(await response.arrayBuffer()))).toBe(MALFORMED);
    }
  });
});

describe('GET /ocsp/<encoded request>', () => {
  let request: Uint8Array;
  beforeAll(async () => {
    request = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha1', nonce: true });
  });
  const b64 = () => Buffer.from(request).toString('base64');

  it.each([
    ['base64', () => b64()],
    ['URL-encoded', () => encodeURIComponent(b64())],
    ['%2F for / only', () => b64().replace(/\//g, '%2F')],
    ['+ as a space (%20)', () => b64().replace(/\+/g, '%20')],
    ['no padding', () => b64().replace(/=+$/, '')],
    ['base64url', () => Buffer.from(request).toString('base64url')],
    ['doubled leading slash', () => `/${b64()}`],
  ])('serves the published bytes for the %s encoding, with RFC 9919 headers', async (_name, encode) => {
    const { response, body } = await getOcsp(encode());
    expect(response.status).toBe(200);
    expect(hex(body)).toBe(hex(responses.goodSha1!));
    expect(response.headers.get('content-type')).toBe('application/ocsp-response');
    for (const header of ['last-modified', 'expires', 'etag', 'date'])
      expect(response.headers.get(header)).toBeTruthy();
    const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
    const expires = Date.parse(response.headers.get('expires')!);
    expect(maxAge).toBeGreaterThan(0);
    expect(Date.now() + maxAge * 1000).toBeLessThanOrEqual(expires + 1000);
    expect(response.headers.get('cache-control')).toMatch(/public, no-transform, must-revalidate/);
  });

  it('serves the second GET of any encoding from the edge cache (one cache entry per CertID)', async () => {
    await getOcsp(b64());
    const before = { ...repo.cdn.stats };
    const { response } = await getOcsp(Buffer.from(request).toString('base64url'));
    expect(response.headers.get('x-cache')).toBe('Hit from local-cdn');
    expect(repo.cdn.stats.originFetches).toBe(before.originFetches);
  });

  it('curl: relying parties get max-age ≤ 3600 s, the CDN s-maxage up to the BR §4.9.10 refresh deadline', async () => {
    const result = await run('curl', ['-sS', '-D', '-', '-o', '/dev/null', `${repo.url}/ocsp/${b64()}`]);
    expect(result.code, result.stderr).toBe(0);
    const header = (name: string) => new RegExp(`^${name}: (.*?)\\r?$`, 'im').exec(result.stdout)?.[1] ?? '';
    const cacheControl = header('cache-control');
    const maxAge = Number(/(?:^|[ ,])max-age=(\d+)/.exec(cacheControl)?.[1]);
    const sMaxAge = Number(/s-maxage=(\d+)/.exec(cacheControl)?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect(sMaxAge).toBeGreaterThan(maxAge);
    // Last-Modified is thisUpdate, Expires nextUpdate (RFC 9919): the CDN's copy ends before the
    // response's refresh deadline, here 4 days after thisUpdate (a 7-day validity).
    const thisUpdate = new Date(header('last-modified'));
    const nextUpdate = new Date(header('expires'));
    const deadline = ocspRefreshDue(thisUpdate, nextUpdate.getTime() - thisUpdate.getTime());
    expect(deadline.getTime() - thisUpdate.getTime()).toBe(4 * 86_400_000);
    expect(Date.parse(header('date')) + sMaxAge * 1000).toBeLessThanOrEqual(
      deadline.getTime() - OCSP_EDGE_DEADLINE_MARGIN_SECONDS * 1000,
    );
  });

  it('a SHA-256 CertID GET gets the SHA-256 response', async () => {
    const sha256Request = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha256' });
    const { body } = await getOcsp(encodeURIComponent(Buffer.from(sha256Request).toString('base64')));
    expect(hex(body)).toBe(hex(responses.goodSha256!));
  });

  it('answers unauthorized for an unknown serial, malformedRequest for garbage, both HTTP 200', async () => {
    const unknown = await pki.ca.issue({ commonName: 'unknown-get.example', profile: 'tls-server' });
    const unknownRequest = await pki.ca.ocspRequest(unknown, { hash: 'sha1' });
    const { response, body } = await getOcsp(
      encodeURIComponent(Buffer.from(unknownRequest).toString('base64')),
    );
    expect(response.status).toBe(200);
    expect(hex(body)).toBe(UNAUTHORIZED);
    expect(response.headers.get('cache-control')).toBe('max-age=60, public, no-transform');
    const garbage = await getOcsp('not-an-ocsp-request');
    expect(garbage.response.status).toBe(200);
    expect(hex(garbage.body)).toBe(MALFORMED);
  });

  it('after a revocation is published, the next GET returns revoked (the edge copy is invalidated)', async () => {
    const laterRequest = await pki.ca.ocspRequest(later, { hash: 'sha1' });
    const path = encodeURIComponent(Buffer.from(laterRequest).toString('base64'));
    expect(hex((await getOcsp(path)).body)).toBe(hex(responses.laterSha1!));
    expect((await getOcsp(path)).response.headers.get('x-cache')).toBe('Hit from local-cdn');

    await pki.ca.revoke(later, { reason: 'keyCompromise' });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a strictly later thisUpdate
    const revoked = await pki.ca.ocspResponse(later, { hash: 'sha1' });
    await publish('bundle-revocation', { 'ocsp/later-sha1.der': revoked });

    const { body, response } = await getOcsp(path);
    expect(response.headers.get('x-cache')).toBe('Miss from local-cdn');
    expect(hex(body)).toBe(hex(revoked));
    await writeFile(join(work, 'later.der'), body);
    const check = await run('openssl', [
      'ocsp',
      '-respin',
      join(work, 'later.der'),
      '-issuer',
      pki.ca.cert.certPath,
      '-cert',
      later.certPath,
      '-CAfile',
      pki.ca.cert.certPath,
    ]);
    expect(check.stdout).toMatch(/: revoked/);
  });
});

describe('second Region: origin failover', () => {
  let failover: LocalRepository;
  beforeAll(async () => {
    failover = await startLocalRepository({
      port: 0,
      dataDir: join(work, 'failover'),
      trust: [pki.ca.cert.certDer],
      replica: true,
    });
    const dir = join(work, 'bundle-failover');
    await mkdir(join(dir, 'crl'), { recursive: true });
    await writeFile(join(dir, 'crl', 'root.crl'), await pki.ca.generateCrl());
    await writeFile(join(dir, 'good.ocsp'), responses.goodSha1!);
    const ingest = new S3ObjectStore({ client: failover.s3.client, bucket: INGEST_BUCKET });
    await publishBundle({ bundleDir: dir, repoUrl: failover.url, ingest });
    await failover.idle();
  });
  afterAll(() => failover?.close());

  it('serves CRLs and OCSP (GET and POST) from the replica while the primary is down', async () => {
    failover.outage.primary.down = true;
    try {
      const crl = await fetch(`${failover.url}/crl/root.crl`);
      expect(crl.status).toBe(200);
      expect(crl.headers.get('content-type')).toBe('application/pkix-crl');
      const request = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha1' });
      const get = await fetch(
        `${failover.url}/ocsp/${encodeURIComponent(Buffer.from(request).toString('base64'))}`,
      );
      expect(hex(new Uint8Array(await get.arrayBuffer()))).toBe(hex(responses.goodSha1!));
      const post = await fetch(`${failover.url}/ocsp`, { method: 'POST', body: request });
      expect(hex(new Uint8Array(await post.arrayBuffer()))).toBe(hex(responses.goodSha1!));
    } finally {
      failover.outage.primary.down = false;
    }
  });

  it('answers tryLater (HTTP 200), not a 5xx, when both Regions are down', async () => {
    failover.outage.primary.down = true;
    failover.outage.replica!.down = true;
    try {
      const request = await pki.ca.ocspRequest(pki.revokedLeaf, { hash: 'sha256' });
      const post = await fetch(`${failover.url}/ocsp`, { method: 'POST', body: request });
      expect(post.status).toBe(200);
      expect(hex(new Uint8Array(await post.arrayBuffer()))).toBe('30030a0103');
    } finally {
      failover.outage.primary.down = false;
      failover.outage.replica!.down = false;
    }
  });
});

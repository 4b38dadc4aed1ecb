/**
 * Revocation is final on the local repository (issue finding 3): a CA database that forgets a
 * revocation (restored from backup, a buggy shard) produces, with the real `openssl`, an OCSP
 * response saying good and a higher-numbered CRL without the entry. The gate refuses both, and
 * relying parties (`openssl ocsp`, `openssl crl`) keep seeing the certificate revoked.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import {
  INGEST_BUCKET,
  startLocalRepository,
  type LocalRepository,
} from '../../lambda/local/local-repository.ts';
import { publishBundle } from '../../onprem/uploader.ts';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { runCommand as run } from '../../testkit/run-command.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let work: string;
let repo: LocalRepository;
let bundles = 0;

async function publish(files: Record<string, Uint8Array>) {
  const dir = join(work, `bundle-${bundles++}`);
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  const ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
  const result = await publishBundle({ bundleDir: dir, repoUrl: repo.url, ingest });
  await repo.idle();
  return result;
}

async function opensslOcspStatus(cert: IssuedCert): Promise<string> {
  const result = await run('openssl', [
    'ocsp',
    '-issuer',
    pki.ca.cert.certPath,
    '-cert',
    cert.certPath,
    '-url',
    `${repo.url}/ocsp`,
    '-CAfile',
    pki.ca.cert.certPath,
    '-no_nonce',
  ]);
  expect(result.stderr).toMatch(/Response verify OK/);
  return result.stdout;
}

/** `openssl crl -text` of the CRL the local CDN serves at `path`. */
async function servedCrlText(path: string): Promise<string> {
  const response = await fetch(`${repo.url}/${path}`);
  expect(response.status).toBe(200);
  const file = join(work, `served-${Date.now()}.crl`);
  await writeFile(file, new Uint8Array(await response.arrayBuffer()));
  return (await run('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-text'])).stdout;
}

const crlSerial = (serialHex: string) => new RegExp(`Serial Number: 0*${serialHex}`, 'i');

beforeAll(async () => {
  pki = await createTestPki();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-revocation-'));
  repo = await startLocalRepository({ port: 0, dataDir: join(work, 'repo'), trust: [pki.ca.cert.certDer] });
});

afterAll(async () => {
  await repo?.close();
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('revocation is final', () => {
  it('refuses an OCSP response un-revoking a certificate; openssl ocsp still reports revoked', async () => {
    const cert = await pki.ca.issue({ commonName: 'unrevoked-ocsp.example', profile: 'tls-server' });
    await pki.ca.revoke(cert, { reason: 'keyCompromise' });
    expect((await publish({ 'ocsp/r.der': await pki.ca.ocspResponse(cert) })).rejected).toEqual([]);
    expect(await opensslOcspStatus(cert)).toMatch(/: revoked[\s\S]*Reason: keyCompromise/);

    await pki.ca.reinstate(cert);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a later thisUpdate (whole seconds)
    const result = await publish({ 'ocsp/good.der': await pki.ca.ocspResponse(cert) });
    expect(result.rejected).toEqual([
      { file: 'ocsp/good.der', reason: expect.stringMatching(/says good .*revocation is final/) },
    ]);
    expect(await opensslOcspStatus(cert)).toMatch(/: revoked[\s\S]*Reason: keyCompromise/);
  });

  it('refuses a CRL dropping an unexpired entry; openssl crl still lists it', async () => {
    const cert = await pki.ca.issue({ commonName: 'dropped-crl.example', profile: 'tls-server' });
    await pki.ca.revoke(cert, { reason: 'keyCompromise' });
    expect((await publish({ 'crl/ca.crl': await pki.ca.generateCrl() })).rejected).toEqual([]);
    expect(await servedCrlText('crl/ca.crl')).toMatch(crlSerial(cert.serialHex));

    await pki.ca.reinstate(cert);
    const result = await publish({ 'crl/ca.crl': await pki.ca.generateCrl() });
    expect(result.rejected).toEqual([
      { file: 'crl/ca.crl', reason: expect.stringContaining(`omits revoked serial ${cert.serialHex}`) },
    ]);
    expect(await servedCrlText('crl/ca.crl')).toMatch(crlSerial(cert.serialHex));
  });
});

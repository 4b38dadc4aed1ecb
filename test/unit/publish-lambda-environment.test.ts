import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPublishEnvironment } from '../../lambda/handlers/publish-lambda-environment.ts';
import { readTrustDirectory } from '../../lambda/handlers/trust-directory.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.cleanup());

describe('publish Lambda environment', () => {
  it('names the missing variable', () => {
    expect(() => readPublishEnvironment({ INGEST_BUCKET: 'i' })).toThrow(
      'environment variable REPOSITORY_BUCKET is not set',
    );
    expect(readPublishEnvironment({ INGEST_BUCKET: 'i', REPOSITORY_BUCKET: 'r' })).toMatchObject({
      ocspUrl: '/ocsp',
      trustDir: 'trust',
      publishQueueUrl: undefined,
    });
  });

  it('reads the cache caps the CDK passes, naming a bad one', () => {
    const env = { INGEST_BUCKET: 'i', REPOSITORY_BUCKET: 'r' };
    expect(readPublishEnvironment({ ...env, CACHE_CAPS: '{"crlSeconds":300}' }).cacheCaps).toMatchObject({
      crlSeconds: 300,
      ocspSeconds: 3600,
    });
    expect(() => readPublishEnvironment({ ...env, CACHE_CAPS: '{"crlSeconds":-1}' })).toThrow(
      'environment variable CACHE_CAPS: cache cap crlSeconds must be a whole number of seconds, not -1',
    );
    expect(() => readPublishEnvironment({ ...env, CACHE_CAPS: '{"crl":1}' })).toThrow(
      /unknown cache cap crl/,
    );
  });

  it('reads pinned CA certificates in PEM and DER from the trust directory, ignoring other files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trust-'));
    await writeFile(join(dir, 'root.pem'), pki.ca.cert.certPem);
    await writeFile(join(dir, 'other.der'), pki.other.cert.certDer);
    await writeFile(join(dir, 'README.txt'), 'not a certificate');
    const ders = await readTrustDirectory(dir);
    expect(ders.map((d) => Buffer.from(d).toString('hex')).sort()).toEqual(
      [pki.ca.cert.certDer, pki.other.cert.certDer].map((d) => Buffer.from(d).toString('hex')).sort(),
    );
    const empty = await mkdtemp(join(tmpdir(), 'trust-'));
    await expect(readTrustDirectory(empty)).rejects.toThrow(/no pinned CA certificate/);
  });
});

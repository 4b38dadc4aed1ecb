import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { parseManifest } from '../../lambda/core/publish/bundle.ts';
import type { RepositoryIndex } from '../../lambda/core/publish/repository-index.ts';
import type { CdnInvalidator, Clock } from '../../lambda/services/ports.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { putBundle, putWithdrawal } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let crl: Uint8Array;
let ocspGood: Uint8Array;
let ocspRevoked: Uint8Array;
let goodGetUrl: string;
let revokedGetUrl: string;
const clock: Clock = { now: () => new Date() };

beforeAll(async () => {
  pki = await createTestPki();
  crl = await pki.ca.generateCrl({ crlNumber: 1n });
  ocspGood = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  ocspRevoked = await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha1' });
  const getUrl = (der: Uint8Array) => `/ocsp/${encodeURIComponent(Buffer.from(der).toString('base64'))}`;
  goodGetUrl = getUrl(await pki.ca.ocspRequest(pki.leaf));
  revokedGetUrl = getUrl(await pki.ca.ocspRequest(pki.revokedLeaf));
});
afterAll(() => pki?.cleanup());

let ingest: MemoryObjectStore;
let repository: MemoryObjectStore;
let invalidated: string[][];
let service: PublishService;
beforeEach(async () => {
  ingest = new MemoryObjectStore();
  repository = new MemoryObjectStore();
  invalidated = [];
  const cdn: CdnInvalidator = { invalidate: async (paths) => void invalidated.push([...paths]) };
  service = new PublishService({ ingest, repository, trust: pki.trust, clock, cdn });
  const receipt = await service.publishBundle(
    await putBundle(ingest, {
      'certs/ca.der': pki.ca.cert.certDer,
      'certs/old-crl.crl': crl,
      'ocsp-good.der': ocspGood,
      'ocsp-revoked.der': ocspRevoked,
    }),
  );
  expect(receipt.rejected).toEqual([]);
  invalidated = [];
});

async function withdraw(withdrawals: { url: string; force?: boolean }[]) {
  return service.publishBundle(await putWithdrawal(ingest, withdrawals));
}

async function index(): Promise<RepositoryIndex> {
  return JSON.parse(Buffer.from((await repository.get('index.json'))!.body).toString('utf8'));
}

describe('withdraw', () => {
  it('retires a served certificate: deleted, out of the index, invalidated, named in the receipt', async () => {
    expect((await index()).caCertificates.map((c) => c.url)).toEqual(['/certs/ca.der']);
    const receipt = await withdraw([{ url: '/certs/ca.der' }]);
    expect(receipt).toMatchObject({ status: 'completed', rejected: [], withdrawn: ['/certs/ca.der'] });
    expect(await repository.head('certs/ca.der')).toBeUndefined();
    expect((await index()).caCertificates).toEqual([]);
    expect(invalidated).toEqual([['/', '/certs/ca.der', '/index.html', '/index.json']]);
    expect(receipt.invalidated).toEqual(['/', '/certs/ca.der', '/index.html', '/index.json']);
  });

  it('withdraws a CRL only with force', async () => {
    const refused = await withdraw([{ url: '/certs/old-crl.crl' }]);
    expect(refused.withdrawn).toBeUndefined();
    expect(refused.rejected).toEqual([
      { file: '/certs/old-crl.crl', reason: expect.stringMatching(/is a CRL.*--force/) },
    ]);
    expect(await repository.head('certs/old-crl.crl')).toBeDefined();

    const forced = await withdraw([{ url: '/certs/old-crl.crl', force: true }]);
    expect(forced.withdrawn).toEqual(['/certs/old-crl.crl']);
    expect(await repository.head('certs/old-crl.crl')).toBeUndefined();
    expect((await index()).crls).toEqual([]);
  });

  it('never withdraws an OCSP response that answers revoked, even with force; a good one goes', async () => {
    const receipt = await withdraw([{ url: revokedGetUrl, force: true }, { url: goodGetUrl }]);
    expect(receipt.rejected).toEqual([
      { file: revokedGetUrl, reason: expect.stringMatching(/un-revoke.*RFC 5280 §3\.3/) },
    ]);
    expect(receipt.withdrawn).toEqual([goodGetUrl]);
    expect(invalidated).toHaveLength(1);
    // The withdrawn response's key, and the index it left.
    expect(invalidated[0]!.filter((path) => !['/', '/index.html', '/index.json'].includes(path))).toEqual([
      expect.stringMatching(/^\/_ocsp\//),
    ]);
  });

  it.each([
    ['/certs/missing.der', /nothing is served at \/certs\/missing\.der/],
    ['/index.json', /written by the repository itself/],
    ['/index.html', /written by the repository itself/],
    ['/_revocations/x.json', /unsafe path segment/],
    ['/ocsp/not-a-request', /not an OCSP GET URL/],
  ])('refuses to withdraw %s with a clear reason', async (url, reason) => {
    const receipt = await withdraw([{ url }]);
    expect(receipt.status).toBe('completed');
    expect(receipt.rejected).toEqual([{ file: url, reason: expect.stringMatching(reason) }]);
    expect(await repository.head('index.json')).toBeDefined();
  });

  it('keeps manifests without withdrawals valid and refuses one that mixes them with files', () => {
    const base = { format: 'ca-repo-bundle/1', bundleId: 'b1', createdAt: '2025-01-01T00:00:00Z' };
    expect(parseManifest(JSON.stringify({ ...base, parts: [], files: [] }), 'b1').withdraw).toBeUndefined();
    const mixed = {
      ...base,
      parts: [{ key: 'bundles/b1/part-0001.tar', sha256: 'a'.repeat(64), size: 1 }],
      files: [{ path: 'x.der', size: 1, sha256: 'b'.repeat(64), part: 0 }],
      withdraw: [{ url: '/x.der' }],
    };
    expect(() => parseManifest(JSON.stringify(mixed), 'b1')).toThrow(/withdraw and publish in two bundles/);
    const relative = { ...base, parts: [], files: [], withdraw: [{ url: 'x.der' }] };
    expect(() => parseManifest(JSON.stringify(relative), 'b1')).toThrow(/withdraw\[0\] is malformed/);
  });
});

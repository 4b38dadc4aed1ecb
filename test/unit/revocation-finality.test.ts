/**
 * Revocation is final at the gate (RFC 5280 §3.3, §5.3.1; BR §4.10.1): OCSP never takes back a
 * revocation, a CRL never drops an unexpired entry, except certificateHold; the CA's revocation
 * history keeps the rule across publishes and across CertID hashes and channels.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import type { Receipt } from '../../lambda/core/publish/receipt.ts';
import {
  REVOCATION_HISTORY_FORMAT,
  parseRevocationHistory,
  revocationHistoryKey,
  type RevocationHistory,
} from '../../lambda/core/publish/revocation-history.ts';
import { buildOcspResponse } from '../../testkit/ocsp-response-builder.ts';
import type { CertStatus as CertStatusName } from '../../lambda/core/ocsp/cert-id.ts';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { DAY, HOUR, createTestPki, shift, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let ingest: MemoryObjectStore;
let repository: MemoryObjectStore;
let service: PublishService;

beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.cleanup());
beforeEach(() => {
  ingest = new MemoryObjectStore();
  repository = new MemoryObjectStore();
  service = new PublishService({ ingest, repository, trust: pki.trust, clock: { now: () => new Date() } });
});

async function publish(files: Record<string, Uint8Array>): Promise<Receipt> {
  return service.publishBundle(await putBundle(ingest, files));
}

function response(
  cert: IssuedCert,
  status: CertStatusName,
  options: { thisUpdate?: Date; reason?: number; hash?: 'sha1' | 'sha256' } = {},
): Promise<Uint8Array> {
  const thisUpdate = options.thisUpdate ?? new Date(Date.now() - 60_000);
  return buildOcspResponse({
    signerCertDer: pki.ca.cert.certDer,
    signerKeyPem: pki.ca.cert.keyPem,
    producedAt: thisUpdate,
    responses: [
      {
        issuerCertDer: pki.ca.cert.certDer,
        serialHex: cert.serialHex,
        hash: options.hash ?? 'sha1',
        status,
        ...(status === 'revoked'
          ? { revokedAt: shift(thisUpdate, -HOUR), revocationReason: options.reason }
          : {}),
        thisUpdate,
        nextUpdate: shift(thisUpdate, DAY),
      },
    ],
  });
}

async function history(): Promise<RevocationHistory> {
  const stored = await repository.get(revocationHistoryKey(pki.trust.cas[0]!.fingerprints.sha256));
  return parseRevocationHistory(Buffer.from(stored!.body).toString('utf8'));
}

const reasonsOf = (receipt: Receipt) => Object.fromEntries(receipt.rejected.map((r) => [r.file, r.reason]));
const KEY_COMPROMISE = 1;
const CERTIFICATE_HOLD = 6;

describe('OCSP: revoked stays revoked', () => {
  it('refuses good and unknown after keyCompromise, and keeps serving revoked', async () => {
    const cert = await pki.ca.issue({ commonName: 'compromised.example', profile: 'tls-server' });
    const t0 = new Date(Date.now() - 10 * 60_000);
    const revoked = await response(cert, 'revoked', { reason: KEY_COMPROMISE, thisUpdate: t0 });
    expect((await publish({ 'r.der': revoked })).rejected).toEqual([]);
    const receipt = await publish({
      'good.der': await response(cert, 'good'),
      'unknown.der': await response(cert, 'unknown', { hash: 'sha256' }),
    });
    expect(receipt.accepted).toEqual([]);
    expect(reasonsOf(receipt)['good.der']).toMatch(/says good .* revoked .*keyCompromise.*RFC 5280 §3.3/);
    // The sha256 CertID was never served: the CA's history refuses it.
    expect(reasonsOf(receipt)['unknown.der']).toMatch(/says unknown .* published as revoked \(ocsp\)/);
    expect((await history()).revoked[cert.serialHex]).toMatchObject({
      reason: KEY_COMPROMISE,
      source: 'ocsp',
    });
  });

  it('lifts a certificateHold, and refuses good again once the revocation is made final', async () => {
    const cert = await pki.ca.issue({ commonName: 'held.example', profile: 'tls-server' });
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    const steps: [string, Uint8Array, boolean][] = [
      ['hold', await response(cert, 'revoked', { reason: CERTIFICATE_HOLD, thisUpdate: t(40) }), true],
      ['released', await response(cert, 'good', { thisUpdate: t(30) }), true],
      ['final', await response(cert, 'revoked', { reason: KEY_COMPROMISE, thisUpdate: t(20) }), true],
      ['good again', await response(cert, 'good', { thisUpdate: t(10) }), false],
    ];
    for (const [step, der, accepted] of steps) {
      const receipt = await publish({ [`${step.replace(' ', '-')}.der`]: der });
      expect(receipt.rejected.length === 0, step).toBe(accepted);
    }
  });

  it('refuses a different status with the same thisUpdate as the served response', async () => {
    const cert = await pki.ca.issue({ commonName: 'same-instant.example', profile: 'tls-server' });
    const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    expect((await publish({ 'good.der': await response(cert, 'good', { thisUpdate }) })).rejected).toEqual(
      [],
    );
    const receipt = await publish({
      'revoked.der': await response(cert, 'revoked', { reason: KEY_COMPROMISE, thisUpdate }),
    });
    expect(reasonsOf(receipt)['revoked.der']).toMatch(/says revoked with the same thisUpdate .* says good/);
  });

  it('refuses OCSP good for a serial a CRL revoked', async () => {
    const cert = await pki.ca.issue({ commonName: 'crl-revoked.example', profile: 'tls-server' });
    await pki.ca.revoke(cert, { reason: 'superseded' });
    expect((await publish({ 'crl/ca.crl': await pki.ca.generateCrl() })).rejected).toEqual([]);
    const receipt = await publish({ 'good.der': await response(cert, 'good') });
    expect(reasonsOf(receipt)['good.der']).toMatch(/published as revoked \(crl:\/crl\/ca.crl\), superseded/);
  });
});

describe('CRL: an entry leaves only after expiry', () => {
  it('refuses a CRL that drops an unexpired revoked serial, naming it', async () => {
    const cert = await pki.ca.issue({ commonName: 'dropped.example', profile: 'tls-server' });
    await pki.ca.revoke(cert, { reason: 'keyCompromise' });
    expect((await publish({ 'crl/ca.crl': await pki.ca.generateCrl() })).rejected).toEqual([]);
    const served = (await repository.get('crl/ca.crl'))!.body;
    await pki.ca.reinstate(cert);
    const receipt = await publish({ 'crl/ca.crl': await pki.ca.generateCrl() });
    expect(reasonsOf(receipt)['crl/ca.crl']).toMatch(
      new RegExp(
        `omits revoked serial ${cert.serialHex} listed on the CRL it replaces.*RFC 5280 §3.3, BR §4.10.1`,
      ),
    );
    expect((await repository.get('crl/ca.crl'))!.body).toEqual(served);
    await pki.ca.revoke(cert, { reason: 'keyCompromise' });
  });

  it('lets a certificateHold entry go', async () => {
    const cert = await pki.ca.issue({ commonName: 'hold-crl.example', profile: 'tls-server' });
    await pki.ca.revoke(cert, { reason: 'certificateHold' });
    expect((await publish({ 'crl/ca.crl': await pki.ca.generateCrl() })).rejected).toEqual([]);
    await pki.ca.reinstate(cert);
    expect((await publish({ 'crl/ca.crl': await pki.ca.generateCrl() })).rejected).toEqual([]);
    expect((await history()).revoked[cert.serialHex]).toBeUndefined();
  });

  it('lets an expired entry go with the certificate as evidence, which is recorded and never served', async () => {
    const expired = await pki.ca.issue({
      commonName: 'expired.example',
      profile: 'tls-server',
      notBefore: new Date(Date.now() - 10 * DAY),
      notAfter: new Date(Date.now() - 2 * DAY),
    });
    await pki.ca.revoke(expired, { reason: 'keyCompromise' });
    expect((await publish({ 'crl/ca.crl': await pki.ca.generateCrl() })).rejected).toEqual([]);
    await pki.ca.reinstate(expired);
    const next = await pki.ca.generateCrl();
    expect(reasonsOf(await publish({ 'crl/ca.crl': next }))['crl/ca.crl']).toMatch(/omits revoked serial/);
    const receipt = await publish({ 'crl/ca.crl': next, 'evidence/expired.crt': expired.certDer });
    expect(receipt.rejected).toEqual([]);
    expect(receipt.accepted).toContainEqual(
      expect.objectContaining({
        file: 'evidence/expired.crt',
        kind: 'evidence-certificate',
        url: '/crl/ca.crl',
      }),
    );
    expect(await repository.head('evidence/expired.crt')).toBeUndefined();
    expect((await history()).revoked[expired.serialHex]?.droppedAfterExpiry).toMatchObject({
      notAfter: expect.any(String),
    });
    // Still revoked: OCSP may not answer good for it.
    const good = await publish({ 'good.der': await response(expired, 'good') });
    expect(reasonsOf(good)['good.der']).toMatch(/published as revoked/);
  });

  it('refuses evidence that has not expired', async () => {
    const receipt = await publish({
      'crl/ca.crl': await pki.ca.generateCrl(),
      'evidence/leaf.crt': pki.leaf.certDer,
    });
    expect(reasonsOf(receipt)['evidence/leaf.crt']).toMatch(/not a pinned CA certificate.*has not expired/);
  });
});

describe('revocation history format', () => {
  it(`reads ${REVOCATION_HISTORY_FORMAT} and an unlabelled history, refuses a newer one`, () => {
    const body = {
      issuer: 'CN=x',
      revoked: { '01': { revokedAt: '2026-01-01T00:00:00.000Z', source: 'ocsp' } },
    };
    expect(parseRevocationHistory(JSON.stringify(body)).revoked['01']?.source).toBe('ocsp');
    expect(
      parseRevocationHistory(JSON.stringify({ ...body, format: REVOCATION_HISTORY_FORMAT })).issuer,
    ).toBe('CN=x');
    expect(() =>
      parseRevocationHistory(JSON.stringify({ ...body, format: 'ca-repo-revocations/2' })),
    ).toThrow(/format ca-repo-revocations\/2/);
  });
});

/**
 * The direct OCSP response reader (lambda/core/ocsp/ocsp-response-der.ts, with the certificates and
 * byName the rule has pkijs read) against pkijs alone: on every input the direct path takes, pkijs
 * must take it too and give the same values, so the publish gate's verdicts do not depend on which
 * reader ran. Real responses from openssl and the pkijs builder, then seeded mutations of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pkijs from 'pkijs';
import { buildOcspResponse, buildUnsuccessfulOcspResponse } from '../../testkit/ocsp-response-builder.ts';
import { OpensslCa } from '../../testkit/openssl-ca.ts';
import { parseBer } from '../../lambda/core/encoding/asn1.ts';
import { toHex } from '../../lambda/core/encoding/bytes.ts';
import { readOcspResponseDer } from '../../lambda/core/ocsp/ocsp-response-der.ts';
import { DEFAULT_POLICY } from '../../lambda/core/policy.ts';
import { validateOcspResponse } from '../../lambda/core/ocsp/validate-ocsp-response.ts';
import {
  readOcspResponseWith,
  responseNonce,
  type BasicOcspFields,
} from '../../lambda/core/ocsp/ocsp-response-fields.ts';
import { TrustStore, parseCertificate } from '../../lambda/core/pki/trust-store.ts';
import { nameDer } from '../../lambda/core/pki/x509.ts';
import { DAY, createTestPki, shift, type TestPki } from '../../testkit/test-pki.ts';
import { mutate, seededRandom } from '../../testkit/seeded-random.ts';

const SEED = 20261124;
/** 400,000 were run once while writing the reader (27,875 taken by it, none differing). */
const MUTATIONS = 5_000;

let pki: TestPki;
let rsaCa: OpensslCa;
const now = new Date();
const fixtures: Record<string, Uint8Array> = {};

beforeAll(async () => {
  pki = await createTestPki();
  rsaCa = await OpensslCa.create({
    dir: `${pki.dir}/rsa`,
    commonName: 'ca-repo Test RSA CA',
    keyType: 'rsa',
  });
  const rsaLeaf = await rsaCa.issue({ commonName: 'rsa.example', profile: 'tls-server' });
  const single = (overrides: Record<string, unknown> = {}) => ({
    issuerCertDer: pki.ca.cert.certDer,
    serialHex: pki.leaf.serialHex,
    hash: 'sha256' as const,
    status: 'good' as const,
    thisUpdate: now,
    nextUpdate: shift(now, 4 * DAY),
    ...overrides,
  });
  const caSigned = (responses: ReturnType<typeof single>[], extra: Record<string, unknown> = {}) =>
    buildOcspResponse({
      signerCertDer: pki.ca.cert.certDer,
      signerKeyPem: pki.ca.cert.keyPem,
      producedAt: now,
      responses,
      ...extra,
    });
  Object.assign(fixtures, {
    opensslSha1ByName: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' }),
    opensslSha256Revoked: await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha256' }),
    opensslSha384ByKey: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha384', responderId: 'byKey' }),
    opensslDelegated: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1', signer: pki.responder }),
    opensslRsa: await rsaCa.ocspResponse(rsaLeaf, { hash: 'sha1' }),
    builderTwoHashes: await caSigned([single({ hash: 'sha1' }), single()]),
    builderRevokedWithReason: await caSigned([
      single({ status: 'revoked', revokedAt: shift(now, -DAY), revocationReason: 1 }),
    ]),
    builderNoNextUpdate: await caSigned([single({ nextUpdate: undefined })]),
    builderSha512Signature: await caSigned([single()], { signatureHash: 'sha512', responderId: 'byKey' }),
    builderUnknown: await caSigned([single({ status: 'unknown' })]),
    // `openssl ocsp -respout` without -no_nonce copies the request's nonce (RFC 6960 §4.4.1).
    opensslWithNonce: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha256', nonce: true }),
    builderWithNonce: await caSigned([single()], { nonce: new Uint8Array(16).fill(0xa5) }),
    unsuccessful: buildUnsuccessfulOcspResponse('tryLater'),
  });
});
afterAll(() => pki?.cleanup());

/** Comparable form of a reader's fields: bytes as hex, times as milliseconds. */
function comparable(fields: BasicOcspFields) {
  const hex = (bytes: Uint8Array) => toHex(new Uint8Array(bytes));
  return {
    tbs: hex(fields.tbs),
    responderId:
      'byName' in fields.responderId
        ? { byName: hex(fields.responderId.byName) }
        : { byKey: hex(fields.responderId.byKey) },
    producedAt: fields.producedAt.getTime(),
    responses: fields.responses.map((s) => ({
      ...s,
      issuerNameHash: hex(s.issuerNameHash),
      issuerKeyHash: hex(s.issuerKeyHash),
      revokedAt: s.revokedAt?.getTime(),
      thisUpdate: s.thisUpdate.getTime(),
      nextUpdate: s.nextUpdate?.getTime(),
    })),
    signatureAlgorithm: {
      algorithmId: fields.signatureAlgorithm.algorithmId,
      parameters: fields.signatureAlgorithm.algorithmParams
        ? hex(new Uint8Array(fields.signatureAlgorithm.algorithmParams.toBER()))
        : 'absent',
    },
    signature: hex(fields.signature),
    certs: fields.certs.map((c) => hex(new Uint8Array(c.certificate.toSchema().toBER()))),
    responseExtensions: fields.responseExtensions.map((e) => ({ ...e, value: hex(e.value) })),
    nonce: responseNonce(fields) && hex(responseNonce(fields)!),
  };
}

describe('readOcspResponseDer against pkijs (RFC 6960 §4.2.1)', () => {
  it.each([
    'opensslSha1ByName',
    'opensslSha256Revoked',
    'opensslSha384ByKey',
    'opensslDelegated',
    'opensslRsa',
    'builderTwoHashes',
    'builderRevokedWithReason',
    'builderNoNextUpdate',
    'builderSha512Signature',
    'opensslWithNonce',
    'builderWithNonce',
  ])('reads %s with the values pkijs reads', (fixture) => {
    const der = fixtures[fixture]!;
    const direct = readOcspResponseWith('direct', der, pki.trust);
    expect(direct, 'the direct reader takes the usual shapes').toBeDefined();
    expect(comparable(direct!)).toEqual(comparable(readOcspResponseWith('pkijs', der, pki.trust)!));
  });

  it.each([
    ['opensslWithNonce', true],
    ['builderWithNonce', true],
    ['opensslSha1ByName', false],
    ['builderTwoHashes', false],
  ])('both readers see whether %s carries a nonce (%s)', (fixture, carries) => {
    const der = fixtures[fixture]!;
    for (const reader of ['direct', 'pkijs'] as const) {
      const fields = readOcspResponseWith(reader, der, pki.trust)!;
      expect(responseNonce(fields) !== undefined, reader).toBe(carries);
    }
    if (fixture === 'builderWithNonce') {
      // extnValue is the DER OCTET STRING around the nonce, as OpenSSL compares it (RFC 8954 §2.1).
      const nonce = responseNonce(readOcspResponseWith('direct', der, pki.trust)!)!;
      expect(toHex(nonce)).toBe(`0410${'a5'.repeat(16)}`);
    }
  });

  it.each(['builderUnknown', 'unsuccessful'])('leaves %s to pkijs', (fixture) => {
    expect(readOcspResponseDer(fixtures[fixture]!)).toBeUndefined();
  });

  it('a pinned CA or carried responder subject, re-read as the rule reads a byName ResponderID, keeps its octets', () => {
    // The rule takes a byName ResponderID equal to one of these as it is, without re-encoding it.
    const subjects = [
      pki.trust.cas[0]!.subjectDer,
      nameDer(parseCertificate(pki.responder.certDer).subject),
      nameDer(parseCertificate(rsaCa.cert.certDer).subject),
    ];
    for (const subjectDer of subjects) {
      const parsed = parseBer(subjectDer);
      if (!parsed.ok) throw new Error('subject is not DER');
      const reencoded = nameDer(new pkijs.RelativeDistinguishedNames({ schema: parsed.result }));
      expect(toHex(reencoded)).toBe(toHex(subjectDer));
    }
  });

  it('leaves a non-DER length to pkijs, and the response is still accepted through it', async () => {
    const der = fixtures.opensslSha1ByName!;
    // The outer SEQUENCE's two-octet length written with three octets (BER, not DER: X.690 §10.1).
    expect(der[1]).toBe(0x82);
    const ber = new Uint8Array([0x30, 0x83, 0x00, ...der.subarray(2)]);
    expect(readOcspResponseDer(ber)).toBeUndefined();
    const facts = await validateOcspResponse({ der: ber, trust: pki.trust, now, policy: DEFAULT_POLICY });
    expect(facts.responses.map((r) => r.status)).toEqual(['good']);
  });

  it(`${MUTATIONS} seeded mutations: whatever the direct reader takes, pkijs takes with the same values`, () => {
    const random = seededRandom(SEED);
    const seeds = Object.values(fixtures);
    let taken = 0;
    for (let i = 0; i < MUTATIONS; i++) {
      const der = mutate(seeds[Math.floor(random() * seeds.length)]!, random);
      const direct = readOcspResponseWith('direct', der, pki.trust);
      if (!direct) continue;
      let viaPkijs: BasicOcspFields | undefined;
      try {
        viaPkijs = readOcspResponseWith('pkijs', der, pki.trust);
      } catch (error) {
        throw new Error(`pkijs refuses what the direct reader took: ${toHex(der)} (${String(error)})`, {
          cause: error,
        });
      }
      expect(comparable(direct), toHex(der)).toEqual(comparable(viaPkijs!));
      taken++;
    }
    // Mutations inside serials, hashes, times and signatures keep the shape: the reader is exercised.
    expect(taken).toBeGreaterThan(MUTATIONS / 20);
  });
});

describe('TrustStore pinned keys', () => {
  it('a pinned CA carries its own key id and key', async () => {
    const trust = await TrustStore.fromDer([pki.ca.cert.certDer, rsaCa.cert.certDer]);
    for (const ca of trust.cas) {
      expect(toHex(ca.keyId)).toBe(ca.certIdHashes.sha1.keyHash);
      expect(ca.publicKey.keyObject?.asymmetricKeyType).toBe(ca === trust.cas[0] ? 'ec' : 'rsa');
    }
  });
});

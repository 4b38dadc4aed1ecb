import { createPrivateKey, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOcspResponse,
  buildUnsuccessfulOcspResponse,
  type OcspResponseSpec,
} from '../../testkit/ocsp-response-builder.ts';
import { DEFAULT_POLICY } from '../../lambda/core/policy.ts';
import {
  validateOcspResponse,
  type PreviousOcspEntry,
} from '../../lambda/core/ocsp/validate-ocsp-response.ts';
import { toArrayBuffer, toHex } from '../../lambda/core/encoding/bytes.ts';
import { TrustStore } from '../../lambda/core/pki/trust-store.ts';
import { DAY, HOUR, createTestPki, shift, type TestPki } from '../../testkit/test-pki.ts';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';

let pki: TestPki;
let responderWithoutEku: IssuedCert;
let rogueResponder: IssuedCert;
let shortLivedResponder: IssuedCert;
const now = new Date();
const responses: Record<string, Uint8Array> = {};

/** A response spec signed by the pinned CA for the good leaf, valid 7 days from now. */
function caSigned(
  overrides: Partial<OcspResponseSpec> = {},
  single: Partial<OcspResponseSpec['responses'][number]> = {},
) {
  return buildOcspResponse({
    signerCertDer: pki.ca.cert.certDer,
    signerKeyPem: pki.ca.cert.keyPem,
    producedAt: now,
    responses: [
      {
        issuerCertDer: pki.ca.cert.certDer,
        serialHex: pki.leaf.serialHex,
        hash: 'sha1',
        status: 'good',
        thisUpdate: now,
        nextUpdate: shift(now, 7 * DAY),
        ...single,
      },
    ],
    ...overrides,
  });
}

function delegated(responder: IssuedCert, producedAt = now) {
  return buildOcspResponse({
    signerCertDer: responder.certDer,
    signerKeyPem: responder.keyPem,
    includeCerts: [responder.certDer],
    producedAt,
    responses: [
      {
        issuerCertDer: pki.ca.cert.certDer,
        serialHex: pki.leaf.serialHex,
        hash: 'sha256',
        status: 'good',
        thisUpdate: producedAt,
        nextUpdate: shift(producedAt, 4 * DAY),
      },
    ],
  });
}

beforeAll(async () => {
  pki = await createTestPki();
  responderWithoutEku = await pki.ca.issue({ commonName: 'not-a-responder.example', profile: 'tls-server' });
  rogueResponder = await pki.rogue.issue({ commonName: 'Rogue responder', profile: 'ocsp-signing' });
  shortLivedResponder = await pki.ca.issue({
    commonName: 'Short-lived responder',
    profile: 'ocsp-signing',
    notBefore: shift(now, -HOUR),
    notAfter: shift(now, DAY),
  });
  Object.assign(responses, {
    opensslSha1: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' }),
    opensslSha256Revoked: await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha256' }),
    opensslDelegated: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1', signer: pki.responder }),
    builderByKey: await caSigned({ responderId: 'byKey' }),
    builderBothHashes: await buildOcspResponse({
      signerCertDer: pki.ca.cert.certDer,
      signerKeyPem: pki.ca.cert.keyPem,
      producedAt: now,
      responses: (['sha1', 'sha256'] as const).map((hash) => ({
        issuerCertDer: pki.ca.cert.certDer,
        serialHex: pki.revokedLeaf.serialHex,
        hash,
        status: 'revoked' as const,
        revokedAt: shift(now, -DAY),
        thisUpdate: now,
        nextUpdate: shift(now, 7 * DAY),
      })),
    }),
    unauthorized: buildUnsuccessfulOcspResponse('unauthorized'),
    noNextUpdate: await caSigned({}, { nextUpdate: undefined }),
    elevenDays: await caSigned({}, { nextUpdate: shift(now, 11 * DAY) }),
    futureThisUpdate: await caSigned({}, { thisUpdate: shift(now, HOUR) }),
    futureProducedAt: await caSigned({ producedAt: shift(now, HOUR) }),
    otherIssuerCertId: await caSigned({}, { issuerCertDer: pki.other.cert.certDer }),
    rogueSigned: await buildOcspResponse({
      signerCertDer: pki.rogue.cert.certDer,
      signerKeyPem: pki.rogue.cert.keyPem,
      producedAt: now,
      responses: [
        {
          issuerCertDer: pki.ca.cert.certDer,
          serialHex: pki.leaf.serialHex,
          hash: 'sha1',
          status: 'good',
          thisUpdate: now,
          nextUpdate: shift(now, DAY),
        },
      ],
    }),
    rogueSignedCarryingItsCert: await buildOcspResponse({
      signerCertDer: pki.rogue.cert.certDer,
      signerKeyPem: pki.rogue.cert.keyPem,
      includeCerts: [pki.rogue.cert.certDer],
      producedAt: now,
      responses: [
        {
          issuerCertDer: pki.ca.cert.certDer,
          serialHex: pki.leaf.serialHex,
          hash: 'sha1',
          status: 'good',
          thisUpdate: now,
          nextUpdate: shift(now, DAY),
        },
      ],
    }),
    delegatedNoEku: await delegated(responderWithoutEku),
    delegatedRogue: await delegated(rogueResponder),
    delegatedExpired: await delegated(shortLivedResponder, shift(now, 2 * DAY)),
    duplicateCertId: await buildOcspResponse({
      signerCertDer: pki.ca.cert.certDer,
      signerKeyPem: pki.ca.cert.keyPem,
      producedAt: now,
      responses: [0, 1].map(() => ({
        issuerCertDer: pki.ca.cert.certDer,
        serialHex: pki.leaf.serialHex,
        hash: 'sha1' as const,
        status: 'good' as const,
        thisUpdate: now,
        nextUpdate: shift(now, DAY),
      })),
    }),
  });
});
afterAll(() => pki?.cleanup());

describe('validateOcspResponse (RFC 6960 §4.2, RFC 9919, BR §4.9.10)', () => {
  it.each([
    ['an openssl-made response signed by the CA (SHA-1 CertID)', 'opensslSha1', ['good'], 'ca'],
    ['an openssl-made revoked response (SHA-256 CertID)', 'opensslSha256Revoked', ['revoked'], 'ca'],
    [
      'a response from a delegated responder (RFC 6960 §4.2.2.2)',
      'opensslDelegated',
      ['good'],
      'ca-repo Test OCSP Responder',
    ],
    ['a ResponderID byKey', 'builderByKey', ['good'], 'ca'],
    [
      'one response with SHA-1 and SHA-256 CertIDs (RFC 9919)',
      'builderBothHashes',
      ['revoked', 'revoked'],
      'ca',
    ],
  ])('accepts %s', async (_name, fixture, statuses, signer) => {
    const facts = await validateOcspResponse({
      der: responses[fixture]!,
      trust: pki.trust,
      now,
      policy: DEFAULT_POLICY,
    });
    expect(facts.responses.map((r) => r.status)).toEqual(statuses);
    expect(facts.signer === 'ca' ? 'ca' : facts.signer).toContain(signer);
    for (const single of facts.responses) {
      expect(single.key).toMatch(
        new RegExp(
          `^_ocsp/[0-9a-f]{2}/${single.certId.hashAlgorithm}/${single.certId.issuerNameHashHex}/${single.certId.issuerKeyHashHex}/${single.certId.serialHex}$`,
        ),
      );
      expect(single.certId.issuerKeyHashHex).toBe(
        pki.trust.cas[0]!.certIdHashes[single.certId.hashAlgorithm as 'sha1'].keyHash,
      );
    }
  });

  it('stores a two-CertID response under two keys with the two hash algorithms', async () => {
    const facts = await validateOcspResponse({
      der: responses.builderBothHashes!,
      trust: pki.trust,
      now,
      policy: DEFAULT_POLICY,
    });
    expect(facts.responses.map((r) => r.certId.hashAlgorithm)).toEqual(['sha1', 'sha256']);
    expect(new Set(facts.responses.map((r) => r.key)).size).toBe(2);
    expect(facts.responses[0]!.revokedAt?.getTime()).toBeCloseTo(shift(now, -DAY).getTime(), -4);
  });

  it.each([
    [
      'an unsuccessful response (unauthorized)',
      'unauthorized',
      /responseStatus is unauthorized, not successful/,
    ],
    ['no nextUpdate', 'noNextUpdate', /no nextUpdate/],
    ['validity beyond 10 days', 'elevenDays', /validity 11\.00 days exceeds the 10\.00-day limit/],
    ['thisUpdate in the future', 'futureThisUpdate', /thisUpdate .* is in the future/],
    ['producedAt in the future', 'futureProducedAt', /producedAt .* is in the future/],
    ['a CertID naming an unpinned issuer', 'otherIssuerCertId', /match no pinned CA/],
    ['a response signed by a rogue CA with the pinned name', 'rogueSigned', /not signed by a pinned CA/],
    [
      'a delegated responder without id-kp-OCSPSigning',
      'delegatedNoEku',
      /lacks extended key usage id-kp-OCSPSigning/,
    ],
    ['a delegated responder issued by a rogue CA', 'delegatedRogue', /not issued by a pinned CA/],
    ['the same CertID twice', 'duplicateCertId', /same CertID appears twice/],
  ])('refuses %s', async (_name, fixture, reason) => {
    await expect(
      validateOcspResponse({ der: responses[fixture]!, trust: pki.trust, now, policy: DEFAULT_POLICY }),
    ).rejects.toThrow(reason);
  });

  it('refuses a delegated responder not valid at producedAt', async () => {
    await expect(
      validateOcspResponse({
        der: responses.delegatedExpired!,
        trust: pki.trust,
        now: shift(now, 2 * DAY),
        policy: DEFAULT_POLICY,
      }),
    ).rejects.toThrow(/not valid at producedAt/);
  });

  it('refuses an expired response', async () => {
    await expect(
      validateOcspResponse({
        der: responses.opensslSha1!,
        trust: pki.trust,
        now: shift(now, 30 * DAY),
        policy: DEFAULT_POLICY,
      }),
    ).rejects.toThrow(/expired, nextUpdate/);
  });

  it('refuses a response older than the one already served for the CertID, accepts an equal one', async () => {
    const served = (thisUpdate: Date) => async (): Promise<PreviousOcspEntry> => ({ thisUpdate });
    await expect(
      validateOcspResponse({
        der: responses.opensslSha1!,
        trust: pki.trust,
        now,
        policy: DEFAULT_POLICY,
        lookupPrevious: served(shift(now, HOUR)),
      }),
    ).rejects.toThrow(/older than the response already published/);
    const facts = await validateOcspResponse({
      der: responses.builderByKey!,
      trust: pki.trust,
      now,
      policy: DEFAULT_POLICY,
      // GeneralizedTime carries whole seconds.
      lookupPrevious: served(new Date(Math.floor(now.getTime() / 1000) * 1000)),
    });
    expect(facts.responses).toHaveLength(1);
  });

  it('honours a configured shorter validity limit', async () => {
    await expect(
      validateOcspResponse({
        der: responses.opensslSha1!,
        trust: pki.trust,
        now,
        policy: { ...DEFAULT_POLICY, maxOcspValiditySeconds: 3 * 24 * 3600 },
      }),
    ).rejects.toThrow(/exceeds the 3\.00-day limit/);
  });
});

/**
 * The same certificate bytes with the signature of another key over the same TBSCertificate: same
 * subject, key, issuer name, serial and validity, so only the issuer signature tells them apart.
 */
function resignedBy(certificateDer: Uint8Array, otherKeyPem: string): Uint8Array {
  const certificate = pkijs.Certificate.fromBER(toArrayBuffer(certificateDer));
  const key = createPrivateKey(otherKeyPem);
  // ECDSA signatures vary in length by an octet or two; keep the length too, so that nothing but
  // the signature octets differs.
  for (;;) {
    const signature = sign('sha256', certificate.tbsView, key);
    certificate.signatureValue = new asn1js.BitString({ valueHex: toArrayBuffer(new Uint8Array(signature)) });
    const der = new Uint8Array(certificate.toSchema(false).toBER());
    if (der.byteLength === certificateDer.byteLength) return der;
  }
}

describe('keys and certificates remembered by the TrustStore (RFC 6960 §4.2.2.2)', () => {
  /** A fresh store, so each test decides what warmed it. */
  async function freshTrust() {
    const trust = await TrustStore.fromDer([pki.ca.cert.certDer]);
    const validate = (der: Uint8Array) => validateOcspResponse({ der, trust, now, policy: DEFAULT_POLICY });
    return { trust, validate };
  }

  it('still refuses responses signed by a rogue CA with the pinned name after genuine ones were accepted', async () => {
    const { validate } = await freshTrust();
    // Warm everything: the pinned CA's key (byName with its certificate carried, byKey), a delegate.
    for (const genuine of ['opensslSha1', 'builderByKey', 'opensslDelegated', 'builderBothHashes']) {
      await expect(validate(responses[genuine]!)).resolves.toMatchObject({ kind: 'ocsp-response' });
    }
    await expect(validate(responses.rogueSigned!)).rejects.toThrow(/not signed by a pinned CA/);
    await expect(validate(responses.rogueSignedCarryingItsCert!)).rejects.toThrow(/signed by a rogue CA/);
    await expect(validate(responses.delegatedRogue!)).rejects.toThrow(/not issued by a pinned CA/);
    // ... and the refusals did not poison the genuine entries either.
    await expect(validate(responses.opensslSha1!)).resolves.toMatchObject({ signer: 'ca' });
    await expect(validate(responses.opensslDelegated!)).resolves.toMatchObject({
      signer: expect.stringContaining('ca-repo Test OCSP Responder'),
    });
  });

  it('refuses the delegated responder certificate re-signed by another key after the genuine one was accepted', async () => {
    const { validate } = await freshTrust();
    const forged = resignedBy(pki.responder.certDer, pki.rogue.cert.keyPem);
    expect(forged.byteLength).toBe(pki.responder.certDer.byteLength);
    expect(toHex(forged)).not.toBe(toHex(pki.responder.certDer));
    const genuineTbs = pkijs.Certificate.fromBER(toArrayBuffer(pki.responder.certDer)).tbsView;
    expect(toHex(pkijs.Certificate.fromBER(toArrayBuffer(forged)).tbsView)).toBe(toHex(genuineTbs));

    const signedWith = (certificateDer: Uint8Array, responderId: 'byName' | 'byKey') =>
      buildOcspResponse({
        signerCertDer: certificateDer,
        // The responder's real key: the response signature verifies, only the certificate is forged.
        signerKeyPem: pki.responder.keyPem,
        includeCerts: [certificateDer],
        responderId,
        producedAt: now,
        responses: [
          {
            issuerCertDer: pki.ca.cert.certDer,
            serialHex: pki.leaf.serialHex,
            hash: 'sha256',
            status: 'good',
            thisUpdate: now,
            nextUpdate: shift(now, DAY),
          },
        ],
      });
    for (const responderId of ['byName', 'byKey'] as const) {
      await expect(validate(await signedWith(pki.responder.certDer, responderId))).resolves.toMatchObject({
        signer: expect.stringContaining('ca-repo Test OCSP Responder'),
      });
      await expect(validate(await signedWith(forged, responderId))).rejects.toThrow(
        /responder certificate "CN=ca-repo Test OCSP Responder" is not issued by a pinned CA/,
      );
    }
  });

  it('a CA-signed response whose signature is broken is refused after the same response verified', async () => {
    const { validate } = await freshTrust();
    const genuine = await caSigned({ responderId: 'byKey' });
    const corrupted = await caSigned({ responderId: 'byKey', corruptSignature: true });
    await expect(validate(genuine)).resolves.toMatchObject({ signer: 'ca' });
    await expect(validate(corrupted)).rejects.toThrow(/not signed by a pinned CA/);
  });
});

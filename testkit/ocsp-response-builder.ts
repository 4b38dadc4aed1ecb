/**
 * OCSP responses built field by field with pkijs, for tests that need what `openssl ocsp`
 * will not produce on request: stale or future times, several SingleResponses, byKey
 * responder IDs, foreign CertIDs, broken signatures and non-successful statuses.
 */
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { concatBytes, digest, fromHex, toArrayBuffer } from '../lambda/core/encoding/bytes.ts';
import { OID } from '../lambda/core/pki/oids.ts';
import {
  HASH_ALGORITHM_OID,
  WEBCRYPTO_HASH,
  type HashAlgorithmName,
} from '../lambda/core/pki/hash-algorithms.ts';
import type { CertStatus } from '../lambda/core/ocsp/cert-id.ts';

export interface SingleResponseSpec {
  issuerCertDer: Uint8Array;
  serialHex: string;
  hash: HashAlgorithmName;
  status: CertStatus;
  revokedAt?: Date;
  /** CRLReason code (RFC 5280 §5.3.1), only with status 'revoked'. */
  revocationReason?: number;
  thisUpdate: Date;
  nextUpdate?: Date;
}

export interface OcspResponseSpec {
  signerCertDer: Uint8Array;
  /** PKCS#8, SEC1 or PKCS#1 PEM, as openssl writes them. */
  signerKeyPem: string;
  responderId?: 'byName' | 'byKey';
  producedAt: Date;
  responses: SingleResponseSpec[];
  /** Certificates for the BasicOCSPResponse certs field, e.g. the delegated responder. */
  includeCerts?: Uint8Array[];
  /** Signature digest; default SHA-256. */
  signatureHash?: 'sha256' | 'sha384' | 'sha512';
  /**
   * A nonce extension in responseExtensions (RFC 6960 §4.4.1), its value an OCTET STRING of these
   * bytes as OpenSSL writes it (RFC 8954 §2.1): what `openssl ocsp -respout` copies from a request.
   */
  nonce?: Uint8Array;
  /** Flip a bit of the signature after signing: a well-formed response that must not verify. */
  corruptSignature?: boolean;
}

/** OCSPResponseStatus (RFC 6960 §4.2.1); 4 is unused. */
const RESPONSE_STATUS = {
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
} as const;

export type UnsuccessfulStatus = Exclude<keyof typeof RESPONSE_STATUS, 'successful'>;

const CONTEXT_SPECIFIC = 3;

function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(toArrayBuffer(der));
}

/** GeneralizedTime without fractional seconds, as RFC 5280 §4.1.2.5.2 asks of PKIX times. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** The issuer's subject Name exactly as encoded in its certificate. */
function subjectDer(certificate: pkijs.Certificate): Uint8Array {
  const raw = certificate.subject.valueBeforeDecode;
  return raw.byteLength > 0 ? new Uint8Array(raw) : new Uint8Array(certificate.subject.toSchema().toBER());
}

/** subjectPublicKey BIT STRING value without the unused-bits octet (RFC 6960 §4.1.1). */
function subjectPublicKeyBits(certificate: pkijs.Certificate): Uint8Array {
  return certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
}

/** A positive INTEGER from a hex serial: a 00 octet keeps a high first bit from reading as a sign. */
function serialInteger(serialHex: string): asn1js.Integer {
  const hex = serialHex.replace(/^0x/i, '').replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new Error(`serial ${JSON.stringify(serialHex)} is not hex`);
  const bytes = fromHex(hex.length % 2 === 0 ? hex : `0${hex}`);
  const positive = (bytes[0] ?? 0) >= 0x80 ? concatBytes([new Uint8Array([0]), bytes]) : bytes;
  return new asn1js.Integer({ valueHex: toArrayBuffer(positive) });
}

/** CertID (RFC 6960 §4.1.1): hashes of the issuer's Name and key, plus the serial. */
async function buildCertId(spec: SingleResponseSpec): Promise<pkijs.CertID> {
  const issuer = parseCertificate(spec.issuerCertDer);
  return new pkijs.CertID({
    // NULL parameters, as openssl and most responders write them for every hash.
    hashAlgorithm: new pkijs.AlgorithmIdentifier({
      algorithmId: HASH_ALGORITHM_OID[spec.hash],
      algorithmParams: new asn1js.Null(),
    }),
    issuerNameHash: new asn1js.OctetString({
      valueHex: toArrayBuffer(await digest(spec.hash, subjectDer(issuer))),
    }),
    issuerKeyHash: new asn1js.OctetString({
      valueHex: toArrayBuffer(await digest(spec.hash, subjectPublicKeyBits(issuer))),
    }),
    serialNumber: serialInteger(spec.serialHex),
  });
}

/** CertStatus CHOICE (RFC 6960 §4.2.1): good [0] NULL, revoked [1] RevokedInfo, unknown [2] NULL. */
function buildCertStatus(spec: SingleResponseSpec): asn1js.BaseBlock {
  switch (spec.status) {
    case 'good':
      return new asn1js.Primitive({ idBlock: { tagClass: CONTEXT_SPECIFIC, tagNumber: 0 } });
    case 'unknown':
      return new asn1js.Primitive({ idBlock: { tagClass: CONTEXT_SPECIFIC, tagNumber: 2 } });
    case 'revoked': {
      if (!spec.revokedAt) throw new Error('a revoked SingleResponse needs revokedAt');
      const value: asn1js.BaseBlock[] = [
        new asn1js.GeneralizedTime({ valueDate: wholeSeconds(spec.revokedAt) }),
      ];
      if (spec.revocationReason !== undefined) {
        value.push(
          new asn1js.Constructed({
            idBlock: { tagClass: CONTEXT_SPECIFIC, tagNumber: 0 },
            value: [new asn1js.Enumerated({ value: spec.revocationReason })],
          }),
        );
      }
      return new asn1js.Constructed({ idBlock: { tagClass: CONTEXT_SPECIFIC, tagNumber: 1 }, value });
    }
  }
}

/** WebCrypto key for pkijs: openssl's PEM goes through node:crypto to PKCS#8 DER first. */
async function importSigningKey(keyPem: string, hash: string): Promise<webcrypto.CryptoKey> {
  const key = createPrivateKey(keyPem);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  let algorithm: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  if (key.asymmetricKeyType === 'rsa') {
    algorithm = { name: 'RSASSA-PKCS1-v1_5', hash };
  } else if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve =
      curve === 'prime256v1'
        ? 'P-256'
        : curve === 'secp384r1'
          ? 'P-384'
          : curve === 'secp521r1'
            ? 'P-521'
            : undefined;
    if (!namedCurve) throw new Error(`unsupported EC curve ${String(curve)}`);
    algorithm = { name: 'ECDSA', namedCurve };
  } else {
    throw new Error(`unsupported signing key type ${String(key.asymmetricKeyType)}`);
  }
  return webcrypto.subtle.importKey('pkcs8', toArrayBuffer(new Uint8Array(pkcs8)), algorithm, false, [
    'sign',
  ]);
}

/** ResponderID (RFC 6960 §4.2.2.3): the signer's Name, or SHA-1 of its public key bits. */
async function buildResponderId(
  signer: pkijs.Certificate,
  kind: 'byName' | 'byKey',
): Promise<pkijs.RelativeDistinguishedNames | asn1js.OctetString> {
  if (kind === 'byName') return signer.subject;
  return new asn1js.OctetString({
    valueHex: toArrayBuffer(await digest('sha1', subjectPublicKeyBits(signer))),
  });
}

/** A successful OCSPResponse carrying a signed id-pkix-ocsp-basic response (RFC 6960 §4.2.1). */
export async function buildOcspResponse(spec: OcspResponseSpec): Promise<Uint8Array> {
  const signer = parseCertificate(spec.signerCertDer);
  const hashName = WEBCRYPTO_HASH[spec.signatureHash ?? 'sha256'];
  const basic = new pkijs.BasicOCSPResponse();
  basic.tbsResponseData.responderID = await buildResponderId(signer, spec.responderId ?? 'byName');
  basic.tbsResponseData.producedAt = wholeSeconds(spec.producedAt);
  for (const single of spec.responses) {
    const response = new pkijs.SingleResponse({
      certID: await buildCertId(single),
      certStatus: buildCertStatus(single),
      thisUpdate: wholeSeconds(single.thisUpdate),
    });
    if (single.nextUpdate) response.nextUpdate = wholeSeconds(single.nextUpdate);
    basic.tbsResponseData.responses.push(response);
  }
  if (spec.nonce) {
    basic.tbsResponseData.responseExtensions = [
      new pkijs.Extension({
        extnID: OID.ocspNonce, // id-pkix-ocsp-nonce
        extnValue: new asn1js.OctetString({ valueHex: toArrayBuffer(spec.nonce) }).toBER(false),
      }),
    ];
  }
  if (spec.includeCerts && spec.includeCerts.length > 0)
    basic.certs = spec.includeCerts.map(parseCertificate);

  const crypto = pkijs.getCrypto(true);
  await basic.sign(await importSigningKey(spec.signerKeyPem, hashName), hashName, crypto);
  if (spec.corruptSignature) {
    const signature = new Uint8Array(basic.signature.valueBlock.valueHexView);
    signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
    basic.signature = new asn1js.BitString({ valueHex: toArrayBuffer(signature) });
  }

  const response = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: RESPONSE_STATUS.successful }),
    responseBytes: new pkijs.ResponseBytes({
      responseType: OID.ocspBasic, // id-pkix-ocsp-basic
      response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }),
    }),
  });
  return new Uint8Array(response.toSchema().toBER(false));
}

/** An OCSPResponse with an error status: no responseBytes, nothing signed (RFC 6960 §4.2.1). */
export function buildUnsuccessfulOcspResponse(status: UnsuccessfulStatus): Uint8Array {
  const response = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: RESPONSE_STATUS[status] }),
  });
  return new Uint8Array(response.toSchema().toBER(false));
}

/**
 * Encodes pre-produced OCSP responses (RFC 6960 §4.2.1) octet by octet: one BasicOCSPResponse per
 * certificate, with one SingleResponse per CertID hash (RFC 9919 §2.2: a response may answer SHA-1
 * and SHA-256 CertIDs together), no nonce (a pre-produced response answers every request alike,
 * RFC 5019 §2.2.1) and no extensions. Signing is the caller's: it gets the tbsResponseData octets
 * and gives back the signature value.
 *
 * Pure and synchronous, so the pre-signer's workers and the test kit use the same encoder.
 */
import { concatBytes, digestSync } from '../encoding/bytes.ts';
import {
  DER_NULL,
  DER_TAG,
  derBitString,
  derHeaderSize,
  derEnumerated,
  derExplicit,
  derGeneralizedTime,
  derImplicitConstructed,
  derImplicitPrimitive,
  derIntegerFromHex,
  derOctetString,
  derOid,
  derSequence,
  putDerHeader,
} from '../encoding/der-writer.ts';
import { HASH_ALGORITHM_OID, type HashAlgorithmName } from '../pki/hash-algorithms.ts';
import { OID } from '../pki/oids.ts';
import type { CertStatus } from './cert-id.ts';

/** What a CertID takes from the issuer (RFC 6960 §4.1.1): its Name's DER and its key's bits. */
export interface IssuerIdentity {
  subjectDer: Uint8Array;
  publicKeyBits: Uint8Array;
}

/** CertID fields before the serial, per hash: computed once per issuer, reused per certificate. */
export interface CertIdPrefix {
  hash: HashAlgorithmName;
  /** hashAlgorithm, issuerNameHash, issuerKeyHash: the CertID's contents before serialNumber. */
  prefix: Uint8Array;
}

export function certIdPrefixes(issuer: IssuerIdentity, hashes: readonly HashAlgorithmName[]): CertIdPrefix[] {
  return hashes.map((hash) => ({
    hash,
    prefix: new Uint8Array([
      // NULL parameters, as OpenSSL writes them for every hash.
      ...derSequence(derOid(HASH_ALGORITHM_OID[hash]), DER_NULL),
      ...derOctetString(digestSync(hash, issuer.subjectDer)),
      ...derOctetString(digestSync(hash, issuer.publicKeyBits)),
    ]),
  }));
}

/** ResponderID byName [1] Name (RFC 6960 §4.2.2.3), from the signer's subject DER. */
export function responderIdByName(subjectDer: Uint8Array): Uint8Array {
  return derExplicit(1, subjectDer);
}

/** ResponderID byKey [2] KeyHash: SHA-1 of the signer's subjectPublicKey bits (RFC 6960 §4.2.2.3). */
export function responderIdByKey(publicKeyBits: Uint8Array): Uint8Array {
  return derExplicit(2, derOctetString(digestSync('sha1', publicKeyBits)));
}

/** One certificate's answer. */
export interface CertificateAnswer {
  /** Lowercase hex, minimal. */
  serialHex: string;
  status: Exclude<CertStatus, 'unknown'>;
  revokedAt?: Date;
  /** CRLReason (RFC 5280 §5.3.1); omitted when undefined (unspecified is never written, BR §7.2.2). */
  reason?: number;
  thisUpdate: Date;
  nextUpdate: Date;
}

const GOOD_STATUS = derImplicitPrimitive(0, new Uint8Array(0));

/** CertStatus (RFC 6960 §4.2.1): good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo. */
function certStatus(
  answer: Pick<CertificateAnswer, 'serialHex' | 'status' | 'revokedAt' | 'reason'>,
): Uint8Array {
  if (answer.status === 'good') return GOOD_STATUS;
  if (!answer.revokedAt) throw new Error(`serial ${answer.serialHex}: revoked without a revocation time`);
  return derImplicitConstructed(
    1,
    derGeneralizedTime(answer.revokedAt),
    ...(answer.reason === undefined ? [] : [derExplicit(0, derEnumerated(answer.reason))]),
  );
}

/** What every response of one run shares (one producedAt, thisUpdate and nextUpdate per run). */
export interface ResponseDataShared {
  responderId: Uint8Array;
  producedAt: Date;
  certIds: readonly CertIdPrefix[];
  thisUpdate: Date;
  nextUpdate: Date;
}

/**
 * tbsResponseData (RFC 6960 §4.2.1) for many certificates of one run: ResponderID, producedAt, the
 * CertID issuer hashes and a good answer's status and times are encoded once, so each certificate
 * costs its serial and the few SEQUENCE headers around it.
 */
export function responseDataEncoder(
  shared: ResponseDataShared,
): (answer: Pick<CertificateAnswer, 'serialHex' | 'status' | 'revokedAt' | 'reason'>) => Uint8Array {
  const head = concatBytes([shared.responderId, derGeneralizedTime(shared.producedAt)]);
  const times = concatBytes([
    derGeneralizedTime(shared.thisUpdate),
    derExplicit(0, derGeneralizedTime(shared.nextUpdate)),
  ]);
  const goodTail = concatBytes([GOOD_STATUS, times]);
  const prefixes = shared.certIds.map(({ prefix }) => prefix);
  // Sized first and written into one buffer: a million responses, each without a dozen
  // intermediate arrays for the collector.
  return (answer) => {
    const serial = derIntegerFromHex(answer.serialHex);
    const tail = answer.status === 'good' ? goodTail : concatBytes([certStatus(answer), times]);
    let singlesLength = 0;
    for (const prefix of prefixes) {
      const certId = prefix.byteLength + serial.byteLength;
      const single = derHeaderSize(certId) + certId + tail.byteLength;
      singlesLength += derHeaderSize(single) + single;
    }
    // version v1 is the DEFAULT and so absent in DER.
    const tbsLength = head.byteLength + derHeaderSize(singlesLength) + singlesLength;
    const out = new Uint8Array(derHeaderSize(tbsLength) + tbsLength);
    let at = putDerHeader(out, 0, DER_TAG.sequence, tbsLength);
    out.set(head, at);
    at = putDerHeader(out, at + head.byteLength, DER_TAG.sequence, singlesLength);
    for (const prefix of prefixes) {
      const certId = prefix.byteLength + serial.byteLength;
      at = putDerHeader(out, at, DER_TAG.sequence, derHeaderSize(certId) + certId + tail.byteLength);
      at = putDerHeader(out, at, DER_TAG.sequence, certId);
      out.set(prefix, at);
      out.set(serial, (at += prefix.byteLength));
      out.set(tail, (at += serial.byteLength));
      at += tail.byteLength;
    }
    return out;
  };
}

/** The ResponseData (tbsResponseData) for one certificate, one SingleResponse per CertID hash. */
export function encodeTbsResponseData(input: {
  responderId: Uint8Array;
  producedAt: Date;
  certIds: readonly CertIdPrefix[];
  answer: CertificateAnswer;
}): Uint8Array {
  const { answer } = input;
  return responseDataEncoder({ ...input, thisUpdate: answer.thisUpdate, nextUpdate: answer.nextUpdate })(
    answer,
  );
}

/**
 * OCSPResponse { successful, id-pkix-ocsp-basic, BasicOCSPResponse } around a signed
 * tbsResponseData; `certs` carries a delegated responder's certificate (RFC 6960 §4.2.2.2).
 */
export function encodeOcspResponse(input: {
  tbs: Uint8Array;
  signatureAlgorithm: Uint8Array;
  signature: Uint8Array;
  certs?: readonly Uint8Array[];
}): Uint8Array {
  const parts = responseFrameParts(input);
  const basic = derSequence(input.tbs, parts.signatureAlgorithm, derBitString(input.signature), parts.certs);
  return derSequence(
    parts.successful,
    derExplicit(0, derSequence(parts.responseType, derOctetString(basic))),
  );
}

/**
 * The octets every OCSPResponse of one signer shares, encoded: responseStatus successful, the
 * responseType id-pkix-ocsp-basic, the signatureAlgorithm and the `[0] EXPLICIT certs` field (empty
 * without certificates). The pre-signer's worker threads frame each signature with them.
 */
export function responseFrameParts(input: {
  signatureAlgorithm: Uint8Array;
  certs?: readonly Uint8Array[];
}): {
  successful: Uint8Array;
  responseType: Uint8Array;
  signatureAlgorithm: Uint8Array;
  certs: Uint8Array;
} {
  return {
    successful: derEnumerated(0),
    responseType: derOid(OID.ocspBasic),
    signatureAlgorithm: input.signatureAlgorithm,
    certs: input.certs?.length ? derExplicit(0, derSequence(...input.certs)) : new Uint8Array(0),
  };
}

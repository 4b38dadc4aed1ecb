/**
 * OCSP response rule (RFC 6960 §4.2, RFC 9919): a successful BasicOCSPResponse signed by a pinned
 * CA or by its delegated responder (§4.2.2.2: issued by that CA, id-kp-OCSPSigning, valid at
 * producedAt); every SingleResponse names a pinned CA for its own hash algorithm, has a nextUpdate
 * in the future and a validity interval within policy (CA/B Forum BR §4.9.10), and never goes back
 * in time against the response already served for the same CertID.
 */
import * as pkijs from 'pkijs';
import { bytesEqual, toHex } from '../bytes.ts';
import { HASH_NAME_BY_OID, OID, type HashAlgorithmName } from '../oids.ts';
import { ocspObjectKey, type CertIdKey } from '../ocsp-object-key.ts';
import { isoTime, type ValidationPolicy } from '../policy.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import { formatName, type PinnedCa, type TrustStore } from '../trust-store.ts';
import {
  decodeDer,
  extendedKeyUsages,
  isIssuedBy,
  isValidAt,
  keyIdOf,
  nameDer,
  serialHexOf,
  verifySignature,
} from '../x509.ts';

export type CertStatus = 'good' | 'revoked' | 'unknown';

export interface SingleResponseFacts {
  certId: CertIdKey;
  /** Object key in the OCSP store. */
  key: string;
  status: CertStatus;
  revokedAt?: Date;
  thisUpdate: Date;
  nextUpdate: Date;
}

export interface OcspResponseFacts {
  kind: 'ocsp-response';
  issuer: PinnedCa;
  producedAt: Date;
  /** 'ca' when the CA signed it, else the delegated responder's subject. */
  signer: 'ca' | string;
  responses: SingleResponseFacts[];
}

/** What is already served for one CertID, read from the store's metadata. */
export interface PreviousOcspEntry {
  thisUpdate: Date;
}

export interface ValidateOcspResponseInput {
  der: Uint8Array;
  trust: TrustStore;
  now: Date;
  policy: ValidationPolicy;
  /** What is served now under an OCSP store key (a port: the service reads it from the store). */
  lookupPrevious?: (key: string) => Promise<PreviousOcspEntry | undefined>;
}

const RESPONSE_STATUS_NAMES = [
  'successful',
  'malformedRequest',
  'internalError',
  'tryLater',
  'unused(4)',
  'sigRequired',
  'unauthorized',
];

/** Parses an OCSPResponse down to its BasicOCSPResponse (RFC 6960 §4.2.1). */
export function parseBasicOcspResponse(der: Uint8Array): pkijs.BasicOCSPResponse {
  const response = decodeDer(der, 'OCSP response', (schema) => new pkijs.OCSPResponse({ schema }));
  const status = response.responseStatus.valueBlock.valueDec;
  requireThat(
    status === 0,
    `OCSP responseStatus is ${RESPONSE_STATUS_NAMES[status] ?? status}, not successful: only signed answers are published`,
  );
  requireThat(response.responseBytes, 'successful OCSP response without responseBytes');
  requireThat(
    response.responseBytes.responseType === OID.ocspBasic,
    `OCSP responseType ${response.responseBytes.responseType} is not id-pkix-ocsp-basic`,
  );
  return decodeDer(
    new Uint8Array(response.responseBytes.response.valueBlock.valueHexView),
    'BasicOCSPResponse',
    (schema) => new pkijs.BasicOCSPResponse({ schema }),
  );
}

/** Status of a SingleResponse: good [0], revoked [1], unknown [2] (RFC 6960 §4.2.1). */
function readCertStatus(single: pkijs.SingleResponse): { status: CertStatus; revokedAt?: Date } {
  const tag = single.certStatus?.idBlock?.tagNumber;
  if (tag === 0) return { status: 'good' };
  if (tag === 2) return { status: 'unknown' };
  if (tag === 1) {
    const revocationTime = single.certStatus.valueBlock?.value?.[0];
    const revokedAt = typeof revocationTime?.toDate === 'function' ? revocationTime.toDate() : undefined;
    return { status: 'revoked', revokedAt };
  }
  throw new RejectedError('SingleResponse has an unrecognised certStatus');
}

/** Does the ResponderID name this certificate (RFC 6960 §4.2.2.3)? */
async function responderIdMatches(basic: pkijs.BasicOCSPResponse, certificate: pkijs.Certificate) {
  const responderId = basic.tbsResponseData.responderID;
  if (responderId instanceof pkijs.RelativeDistinguishedNames) {
    return bytesEqual(nameDer(responderId), nameDer(certificate.subject));
  }
  const keyHash = new Uint8Array(responderId?.valueBlock?.valueHexView ?? []);
  return bytesEqual(keyHash, await keyIdOf(certificate));
}

async function signedBy(basic: pkijs.BasicOCSPResponse, certificate: pkijs.Certificate): Promise<boolean> {
  return verifySignature({
    signedBytes: basic.tbsResponseData.tbsView,
    signature: basic.signature,
    algorithm: basic.signatureAlgorithm,
    signer: certificate,
  });
}

/** Finds who signed the response: a pinned CA itself, or a delegated responder it authorised. */
async function identifySigner(
  basic: pkijs.BasicOCSPResponse,
  trust: TrustStore,
): Promise<{ ca: PinnedCa; delegate?: pkijs.Certificate }> {
  for (const ca of trust.cas) {
    if ((await responderIdMatches(basic, ca.certificate)) && (await signedBy(basic, ca.certificate)))
      return { ca };
  }
  const producedAt = basic.tbsResponseData.producedAt;
  const reasons: string[] = [];
  for (const delegate of basic.certs ?? []) {
    if (!(await responderIdMatches(basic, delegate))) continue;
    const name = formatName(delegate.subject);
    if (
      trust.findBySubject(nameDer(delegate.subject)).length > 0 &&
      !trust.findByDer(delegateDer(delegate))
    ) {
      reasons.push(
        `signed by a rogue CA: a certificate named "${name}" like a pinned CA, but not the pinned one`,
      );
      continue;
    }
    const ca = await findIssuingCa(delegate, trust);
    if (!ca) {
      reasons.push(`responder certificate "${name}" is not issued by a pinned CA`);
      continue;
    }
    if (!(extendedKeyUsages(delegate) ?? []).includes(OID.kpOcspSigning)) {
      reasons.push(`responder certificate "${name}" lacks extended key usage id-kp-OCSPSigning`);
      continue;
    }
    if (!isValidAt(delegate, producedAt)) {
      reasons.push(`responder certificate "${name}" is not valid at producedAt ${isoTime(producedAt)}`);
      continue;
    }
    if (!(await signedBy(basic, delegate))) {
      reasons.push(`signature does not verify with responder certificate "${name}"`);
      continue;
    }
    return { ca, delegate };
  }
  throw new RejectedError(
    reasons[0] ?? 'OCSP response is not signed by a pinned CA or by a responder certificate it carries',
  );
}

function delegateDer(certificate: pkijs.Certificate): Uint8Array {
  return new Uint8Array(certificate.toSchema().toBER());
}

async function findIssuingCa(
  certificate: pkijs.Certificate,
  trust: TrustStore,
): Promise<PinnedCa | undefined> {
  for (const ca of trust.findBySubject(nameDer(certificate.issuer))) {
    if (await isIssuedBy(certificate, ca.certificate)) return ca;
  }
  return undefined;
}

function readCertId(single: pkijs.SingleResponse): CertIdKey {
  const hashAlgorithm: HashAlgorithmName | undefined =
    HASH_NAME_BY_OID[single.certID.hashAlgorithm.algorithmId];
  requireThat(
    hashAlgorithm,
    `CertID hash algorithm ${single.certID.hashAlgorithm.algorithmId} is not SHA-1, SHA-256, SHA-384 or SHA-512`,
  );
  return {
    hashAlgorithm,
    issuerNameHashHex: toHex(new Uint8Array(single.certID.issuerNameHash.valueBlock.valueHexView)),
    issuerKeyHashHex: toHex(new Uint8Array(single.certID.issuerKeyHash.valueBlock.valueHexView)),
    serialHex: serialHexOf(single.certID.serialNumber),
  };
}

export async function validateOcspResponse(input: ValidateOcspResponseInput): Promise<OcspResponseFacts> {
  const { der, trust, now, policy, lookupPrevious } = input;
  const basic = parseBasicOcspResponse(der);
  const { ca: signingCa, delegate } = await identifySigner(basic, trust);
  const producedAt = basic.tbsResponseData.producedAt;
  const skewMs = policy.clockSkewSeconds * 1000;
  requireThat(
    producedAt.getTime() <= now.getTime() + skewMs,
    `OCSP producedAt ${isoTime(producedAt)} is in the future`,
  );
  requireThat(basic.tbsResponseData.responses.length > 0, 'OCSP response holds no SingleResponse');

  const responses: SingleResponseFacts[] = [];
  const seenKeys = new Set<string>();
  for (const single of basic.tbsResponseData.responses) {
    const certId = readCertId(single);
    const serial = certId.serialHex;
    const named = trust.findByCertId(
      certId.hashAlgorithm as HashAlgorithmName,
      certId.issuerNameHashHex,
      certId.issuerKeyHashHex,
    );
    requireThat(named, `serial ${serial}: CertID issuer hashes (${certId.hashAlgorithm}) match no pinned CA`);
    // A delegated responder may only answer for the CA that authorised it (RFC 6960 §4.2.2.2).
    requireThat(
      named === signingCa,
      `serial ${serial}: CertID names "${named.subject}" but the response is signed for "${signingCa.subject}"`,
    );
    const { status, revokedAt } = readCertStatus(single);
    const thisUpdate = single.thisUpdate;
    requireThat(
      thisUpdate.getTime() <= now.getTime() + skewMs,
      `serial ${serial}: thisUpdate ${isoTime(thisUpdate)} is in the future`,
    );
    requireThat(single.nextUpdate, `serial ${serial}: no nextUpdate (pre-produced responses must expire)`);
    const nextUpdate = single.nextUpdate;
    requireThat(nextUpdate > now, `serial ${serial}: expired, nextUpdate ${isoTime(nextUpdate)} has passed`);
    const validitySeconds = (nextUpdate.getTime() - thisUpdate.getTime()) / 1000;
    requireThat(validitySeconds > 0, `serial ${serial}: nextUpdate is not after thisUpdate`);
    requireThat(
      validitySeconds <= policy.maxOcspValiditySeconds,
      `serial ${serial}: validity ${(validitySeconds / 86400).toFixed(2)} days exceeds the ${(
        policy.maxOcspValiditySeconds / 86400
      ).toFixed(2)}-day limit`,
    );
    const key = ocspObjectKey(certId);
    requireThat(!seenKeys.has(key), `serial ${serial}: the same CertID appears twice`);
    seenKeys.add(key);
    const before = await lookupPrevious?.(key);
    requireThat(
      !before || thisUpdate >= before.thisUpdate,
      `serial ${serial}: thisUpdate ${isoTime(thisUpdate)} is older than the response already published (${isoTime(
        before?.thisUpdate ?? thisUpdate,
      )})`,
    );
    responses.push({ certId, key, status, revokedAt, thisUpdate, nextUpdate });
  }

  return {
    kind: 'ocsp-response',
    issuer: signingCa,
    producedAt,
    signer: delegate ? formatName(delegate.subject) : 'ca',
    responses,
  };
}

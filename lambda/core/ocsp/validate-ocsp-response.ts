/**
 * OCSP response rule (RFC 6960 §4.2, RFC 9919): a successful BasicOCSPResponse signed by a pinned
 * CA or by its delegated responder (§4.2.2.2: issued by that CA, id-kp-OCSPSigning, valid at
 * producedAt); every SingleResponse names a pinned CA for its own hash algorithm, has a nextUpdate
 * in the future and a validity interval within policy (CA/B Forum BR §4.9.10), and never goes back
 * in time against the response already served for the same CertID.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseBer } from '../encoding/asn1.ts';
import { bytesEqual, digestSync, toHex } from '../encoding/bytes.ts';
import { HASH_NAME_BY_OID, OID, type HashAlgorithmName } from '../pki/oids.ts';
import { ocspObjectKey, type CertIdKey } from './ocsp-object-key.ts';
import { readOcspResponseDer } from './ocsp-response-der.ts';
import { isoTime, type ValidationPolicy } from '../policy.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import { formatName, parseCertificate, type PinnedCa, type TrustStore } from '../pki/trust-store.ts';
import {
  decodeDer,
  extendedKeyUsages,
  isIssuedBy,
  isValidAt,
  nameDer,
  publicKeyBits,
  publicKeyOf,
  serialHexOf,
  verifySignature,
  type PublicKey,
} from '../pki/x509.ts';

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

/**
 * What the rule reads of a BasicOCSPResponse (RFC 6960 §4.2.1), whichever reader decoded it: the
 * direct DER reader (lambda/core/ocsp/ocsp-response-der.ts) for the usual shapes, pkijs for the rest.
 */
export interface BasicOcspFields {
  /** tbsResponseData exactly as received: the bytes the signature covers (RFC 6960 §4.2.1). */
  tbs: Uint8Array;
  /** ResponderID (§4.2.2.3): byName as the Name DER `nameDer` gives, byKey as the SHA-1 key hash. */
  responderId: { byName: Uint8Array } | { byKey: Uint8Array };
  producedAt: Date;
  responses: SingleFields[];
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
  /** The signature BIT STRING's bits. */
  signature: Uint8Array;
  certs: CarriedCertificate[];
}

export interface SingleFields {
  hashAlgorithmId: string;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  serialHex: string;
  /** CertStatus CHOICE tag: good [0], revoked [1], unknown [2]. */
  statusTag: number | undefined;
  revokedAt?: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
}

/**
 * A certificate carried in a response (`certs`, RFC 6960 §4.2.1) and what the rules learn about it.
 * Everything here follows from the certificate's bytes and the TrustStore alone, so a delegated
 * responder's certificate, carried by every response it signs, is parsed, chained to its pinned CA
 * and read into a key once per store (see `carriedCertificate`), not once per response.
 */
export class CarriedCertificate {
  readonly name: string;
  /** Subject Name DER, for ResponderID byName. */
  readonly subjectDer: Uint8Array;
  /** SHA-1 of the subjectPublicKey bits, for ResponderID byKey (§4.2.2.3). */
  readonly keyId: Uint8Array;
  private key?: PublicKey;
  private authorisation?: Promise<{ ca: PinnedCa } | { refusal: string }>;

  constructor(readonly certificate: pkijs.Certificate) {
    this.name = formatName(certificate.subject);
    this.subjectDer = nameDer(certificate.subject);
    this.keyId = digestSync('sha1', publicKeyBits(certificate));
  }

  get publicKey(): PublicKey {
    this.key ??= publicKeyOf(this.certificate);
    return this.key;
  }

  /**
   * The pinned CA that authorised this certificate as its OCSP responder (§4.2.2.2: issued by that
   * CA, id-kp-OCSPSigning), or why it cannot be one. Validity at producedAt and the signature over a
   * response are checked per response by the caller.
   */
  authorisedBy(trust: TrustStore): Promise<{ ca: PinnedCa } | { refusal: string }> {
    this.authorisation ??= this.authorise(trust);
    return this.authorisation;
  }

  private async authorise(trust: TrustStore): Promise<{ ca: PinnedCa } | { refusal: string }> {
    const { certificate, name } = this;
    if (trust.findBySubject(this.subjectDer).length > 0 && !trust.findByDer(delegateDer(certificate))) {
      return {
        refusal: `signed by a rogue CA: a certificate named "${name}" like a pinned CA, but not the pinned one`,
      };
    }
    const ca = await findIssuingCa(certificate, trust);
    if (!ca) return { refusal: `responder certificate "${name}" is not issued by a pinned CA` };
    if (!(extendedKeyUsages(certificate) ?? []).includes(OID.kpOcspSigning)) {
      return { refusal: `responder certificate "${name}" lacks extended key usage id-kp-OCSPSigning` };
    }
    return { ca };
  }
}

/** Distinct carried certificates remembered per TrustStore; past this the memory starts again. */
const MAX_REMEMBERED_CERTIFICATES = 256;
const rememberedCertificates = new WeakMap<TrustStore, Map<string, CarriedCertificate>>();

/**
 * The CarriedCertificate for these exact DER octets, remembered for this TrustStore (immutable, so
 * what was learnt against it stays true). The key is every octet of the certificate: one that
 * differs anywhere (another key, another issuer's signature, another validity) is parsed and judged
 * afresh. Undefined when the octets are not a certificate pkijs reads.
 */
function carriedCertificate(der: Uint8Array, trust: TrustStore): CarriedCertificate | undefined {
  let remembered = rememberedCertificates.get(trust);
  if (!remembered) {
    remembered = new Map();
    rememberedCertificates.set(trust, remembered);
  }
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
  let carried = remembered.get(key);
  if (!carried) {
    try {
      carried = new CarriedCertificate(parseCertificate(der));
    } catch {
      return undefined;
    }
    if (remembered.size >= MAX_REMEMBERED_CERTIFICATES) remembered.clear();
    remembered.set(key, carried);
  }
  return carried;
}

/**
 * The direct reader's fields, with the certificates and a ResponderID byName read by pkijs; undefined
 * when the reader leaves the response to pkijs or pkijs would not read one of those.
 */
function fieldsFromDer(der: Uint8Array, trust: TrustStore): BasicOcspFields | undefined {
  const read = readOcspResponseDer(der);
  if (!read) return undefined;
  const certs: CarriedCertificate[] = [];
  for (const certificateDer of read.certs) {
    const carried = carriedCertificate(certificateDer, trust);
    if (!carried) return undefined;
    certs.push(carried);
  }
  let responderId: BasicOcspFields['responderId'];
  if ('byKey' in read.responderId) {
    responderId = read.responderId;
  } else {
    const raw = read.responderId.byName;
    if (trust.findBySubject(raw).length > 0 || certs.some((carried) => bytesEqual(carried.subjectDer, raw))) {
      // The very octets of a subject Name as nameDer gave it (a pinned CA's, a carried responder's):
      // a Name pkijs reads, and one nameDer gives back unchanged.
      responderId = read.responderId;
    } else {
      const name = parseBer(raw);
      if (!name.ok) return undefined;
      try {
        responderId = { byName: nameDer(new pkijs.RelativeDistinguishedNames({ schema: name.result })) };
      } catch {
        return undefined;
      }
    }
  }
  const { algorithmId, nullParameters } = read.signatureAlgorithm;
  return {
    tbs: read.tbs,
    responderId,
    producedAt: read.producedAt,
    responses: read.responses,
    // pkijs leaves algorithmParams unset when absent (and would default it to Any if passed undefined).
    signatureAlgorithm: new pkijs.AlgorithmIdentifier(
      nullParameters ? { algorithmId, algorithmParams: new asn1js.Null() } : { algorithmId },
    ),
    signature: read.signature,
    certs,
  };
}

/** The fields of a BasicOCSPResponse pkijs decoded (any shape pkijs accepts). */
function fieldsFromPkijs(basic: pkijs.BasicOCSPResponse): BasicOcspFields {
  const data = basic.tbsResponseData;
  const responderId = data.responderID;
  return {
    tbs: data.tbsView,
    responderId:
      responderId instanceof pkijs.RelativeDistinguishedNames
        ? { byName: nameDer(responderId) }
        : { byKey: new Uint8Array(responderId?.valueBlock?.valueHexView ?? []) },
    producedAt: data.producedAt,
    responses: data.responses.map((single) => {
      const statusTag: number | undefined = single.certStatus?.idBlock?.tagNumber;
      let revokedAt: Date | undefined;
      if (statusTag === 1) {
        const revocationTime = single.certStatus.valueBlock?.value?.[0];
        revokedAt = typeof revocationTime?.toDate === 'function' ? revocationTime.toDate() : undefined;
      }
      return {
        hashAlgorithmId: single.certID.hashAlgorithm.algorithmId,
        issuerNameHash: new Uint8Array(single.certID.issuerNameHash.valueBlock.valueHexView),
        issuerKeyHash: new Uint8Array(single.certID.issuerKeyHash.valueBlock.valueHexView),
        serialHex: serialHexOf(single.certID.serialNumber),
        statusTag,
        revokedAt,
        thisUpdate: single.thisUpdate,
        nextUpdate: single.nextUpdate,
      };
    }),
    signatureAlgorithm: basic.signatureAlgorithm,
    signature: basic.signature.valueBlock.valueHexView,
    certs: (basic.certs ?? []).map((certificate) => new CarriedCertificate(certificate as pkijs.Certificate)),
  };
}

/** The rule's view of an OCSP response: the direct reader, or pkijs for what it leaves (or refuses). */
function readOcspResponse(der: Uint8Array, trust: TrustStore): BasicOcspFields {
  return fieldsFromDer(der, trust) ?? fieldsFromPkijs(parseBasicOcspResponse(der));
}

/**
 * One reader's fields, for the test that holds the two readers to the same values
 * (test/unit/ocsp-response-der.test.ts): 'direct' answers undefined for what it leaves to pkijs,
 * 'pkijs' throws what pkijs refuses.
 */
export function readOcspResponseWith(
  reader: 'direct' | 'pkijs',
  der: Uint8Array,
  trust: TrustStore,
): BasicOcspFields | undefined {
  return reader === 'direct' ? fieldsFromDer(der, trust) : fieldsFromPkijs(parseBasicOcspResponse(der));
}

/** Status of a SingleResponse: good [0], revoked [1], unknown [2] (RFC 6960 §4.2.1). */
function readCertStatus(single: SingleFields): { status: CertStatus; revokedAt?: Date } {
  if (single.statusTag === 0) return { status: 'good' };
  if (single.statusTag === 2) return { status: 'unknown' };
  if (single.statusTag === 1) return { status: 'revoked', revokedAt: single.revokedAt };
  throw new RejectedError('SingleResponse has an unrecognised certStatus');
}

/** Does the ResponderID name this certificate, by its subject or its key hash (RFC 6960 §4.2.2.3)? */
function responderIdNames(fields: BasicOcspFields, subjectDer: Uint8Array, keyId: Uint8Array): boolean {
  const responderId = fields.responderId;
  return 'byName' in responderId
    ? bytesEqual(responderId.byName, subjectDer)
    : bytesEqual(responderId.byKey, keyId);
}

function signedBy(fields: BasicOcspFields, key: PublicKey): Promise<boolean> {
  return verifySignature({
    signedBytes: fields.tbs,
    signature: fields.signature,
    algorithm: fields.signatureAlgorithm,
    signer: key,
  });
}

/** Finds who signed the response: a pinned CA itself, or a delegated responder it authorised. */
async function identifySigner(
  fields: BasicOcspFields,
  trust: TrustStore,
): Promise<{ ca: PinnedCa; delegate?: CarriedCertificate }> {
  for (const ca of trust.cas) {
    // The CA's own name, key hash and key, computed when it was pinned (PinnedCa).
    if (responderIdNames(fields, ca.subjectDer, ca.keyId) && (await signedBy(fields, ca.publicKey)))
      return { ca };
  }
  const producedAt = fields.producedAt;
  const reasons: string[] = [];
  for (const delegate of fields.certs) {
    if (!responderIdNames(fields, delegate.subjectDer, delegate.keyId)) continue;
    const authorisation = await delegate.authorisedBy(trust);
    if ('refusal' in authorisation) {
      reasons.push(authorisation.refusal);
      continue;
    }
    const name = delegate.name;
    if (!isValidAt(delegate.certificate, producedAt)) {
      reasons.push(`responder certificate "${name}" is not valid at producedAt ${isoTime(producedAt)}`);
      continue;
    }
    if (!(await signedBy(fields, delegate.publicKey))) {
      reasons.push(`signature does not verify with responder certificate "${name}"`);
      continue;
    }
    return { ca: authorisation.ca, delegate };
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
    if (await isIssuedBy(certificate, ca)) return ca;
  }
  return undefined;
}

function readCertId(single: SingleFields): CertIdKey {
  const hashAlgorithm: HashAlgorithmName | undefined = HASH_NAME_BY_OID[single.hashAlgorithmId];
  requireThat(
    hashAlgorithm,
    `CertID hash algorithm ${single.hashAlgorithmId} is not SHA-1, SHA-256, SHA-384 or SHA-512`,
  );
  return {
    hashAlgorithm,
    issuerNameHashHex: toHex(single.issuerNameHash),
    issuerKeyHashHex: toHex(single.issuerKeyHash),
    serialHex: single.serialHex,
  };
}

export async function validateOcspResponse(input: ValidateOcspResponseInput): Promise<OcspResponseFacts> {
  const { der, trust, now, policy, lookupPrevious } = input;
  const fields = readOcspResponse(der, trust);
  const { ca: signingCa, delegate } = await identifySigner(fields, trust);
  const producedAt = fields.producedAt;
  const skewMs = policy.clockSkewSeconds * 1000;
  requireThat(
    producedAt.getTime() <= now.getTime() + skewMs,
    `OCSP producedAt ${isoTime(producedAt)} is in the future`,
  );
  requireThat(fields.responses.length > 0, 'OCSP response holds no SingleResponse');

  const responses: SingleResponseFacts[] = [];
  const seenKeys = new Set<string>();
  for (const single of fields.responses) {
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
    signer: delegate ? delegate.name : 'ca',
    responses,
  };
}

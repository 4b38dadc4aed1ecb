/**
 * What the OCSP response rule reads of a response (RFC 6960 §4.2.1), whichever reader decoded it:
 * the direct DER reader (ocsp-response-der.ts) for the usual shapes, pkijs for the rest and for
 * every refusal, so a refusal keeps pkijs's reason.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseBer } from '../encoding/asn1.ts';
import { bytesEqual } from '../encoding/bytes.ts';
import { OID } from '../pki/oids.ts';
import { requireThat } from '../rejection.ts';
import type { TrustStore } from '../pki/trust-store.ts';
import { decodeDer, nameDer, serialHexOf } from '../pki/x509.ts';
import { readOcspResponseDer, type ResponseExtension } from './ocsp-response-der.ts';
import { CarriedCertificate, carriedCertificate, type SignedResponseFields } from './ocsp-response-signer.ts';

/** A BasicOCSPResponse as the rule reads it: what its signer check reads, and the SingleResponses. */
export interface BasicOcspFields extends SignedResponseFields {
  responses: SingleFields[];
  /** responseExtensions (RFC 6960 §4.2.1): a nonce (§4.4.1) is one of them. */
  responseExtensions: ResponseExtension[];
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
    responseExtensions: read.responseExtensions,
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
    responseExtensions: (data.responseExtensions ?? []).map((extension) => ({
      id: extension.extnID,
      critical: extension.critical,
      value: new Uint8Array(extension.extnValue.valueBlock.valueHexView),
    })),
  };
}

/**
 * The nonce a response carries (RFC 6960 §4.4.1, RFC 8954): its extnValue octets, which is what
 * OpenSSL compares with the request's (OCSP_check_nonce), or undefined when it carries none.
 */
export function responseNonce(fields: Pick<BasicOcspFields, 'responseExtensions'>): Uint8Array | undefined {
  return fields.responseExtensions.find((extension) => extension.id === OID.ocspNonce)?.value;
}

/**
 * What can be read of an OCSP response without pinned CAs (times, SingleResponses, extensions):
 * the direct reader's fields, or pkijs's for what it leaves (and its reason for what it refuses).
 */
export function readOcspResponseUnpinned(
  der: Uint8Array,
): Pick<BasicOcspFields, 'producedAt' | 'responses' | 'responseExtensions'> {
  return readOcspResponseDer(der) ?? fieldsFromPkijs(parseBasicOcspResponse(der));
}

/** The rule's view of an OCSP response: the direct reader, or pkijs for what it leaves (or refuses). */
export function readOcspResponse(der: Uint8Array, trust: TrustStore): BasicOcspFields {
  return fieldsFromDer(der, trust) ?? fieldsFromPkijs(parseBasicOcspResponse(der));
}

/**
 * One reader's fields: 'direct' answers undefined for what it leaves to pkijs, 'pkijs' throws what
 * pkijs refuses. Exported for the one test that holds the two readers to the same values
 * (test/unit/ocsp-response-der.test.ts): two production readers compared with each other cannot be
 * reached through `readOcspResponse`, which picks one.
 */
export function readOcspResponseWith(
  reader: 'direct' | 'pkijs',
  der: Uint8Array,
  trust: TrustStore,
): BasicOcspFields | undefined {
  return reader === 'direct' ? fieldsFromDer(der, trust) : fieldsFromPkijs(parseBasicOcspResponse(der));
}

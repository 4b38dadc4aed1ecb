/**
 * A direct DER reader for the usual OCSP response (RFC 6960 §4.2.1): a successful OCSPResponse
 * whose BasicOCSPResponse answers good or revoked for each CertID.
 *
 * The publish gate reads every response it publishes, 100,000 at a time in an OCSP refresh. pkijs
 * builds a fresh asn1js schema tree for each structure it decodes and matches the input against it,
 * and asn1js checks the type of every buffer it touches: for a 300-byte response that cost several
 * times the signature check. This reader walks the octets once with the bounded reader of
 * ber-reader.ts.
 *
 * It is deliberately narrow. It takes DER only (definite, minimal lengths; low tag numbers;
 * primitive strings), exactly the elements the ASN.1 allows, and answers `undefined` for anything
 * else: an unsuccessful responseStatus, another responseType, an unknown [2] status, algorithm
 * parameters other than absent or NULL, a time not in the YYYYMMDDHHMMSSZ form (RFC 5280
 * §4.1.2.5.2), more elements than asn1js would decode. The caller then decodes with pkijs, so every
 * refusal keeps pkijs's reason, and what this reader takes is a shape pkijs takes, with the same
 * values (test/unit/ocsp-response-der.test.ts compares the two on fixtures and fuzzed inputs).
 * Certificates and a ResponderID byName come back as their octets: the caller has pkijs read them.
 */
import { TAG_CLASS, UNIVERSAL, oidOf, readElement, type Asn1Element } from '../encoding/ber-reader.ts';
import { normaliseSerialHex } from '../pki/x509.ts';
import { toHex } from '../encoding/bytes.ts';
import { OID } from '../pki/oids.ts';

export interface SingleResponseDer {
  hashAlgorithmId: string;
  issuerNameHash: Uint8Array;
  issuerKeyHash: Uint8Array;
  serialHex: string;
  /** CertStatus tag: good [0], revoked [1]. */
  statusTag: 0 | 1;
  revokedAt?: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
}

export interface OcspResponseDer {
  /** tbsResponseData as received: the octets the signature covers. */
  tbs: Uint8Array;
  /** ResponderID (RFC 6960 §4.2.2.3): byName as the Name's octets, byKey as the KeyHash. */
  responderId: { byName: Uint8Array } | { byKey: Uint8Array };
  producedAt: Date;
  responses: SingleResponseDer[];
  signatureAlgorithm: { algorithmId: string; nullParameters: boolean };
  /** The signature BIT STRING's bits (no unused bits). */
  signature: Uint8Array;
  /** Each carried Certificate's octets. */
  certs: Uint8Array[];
  /** responseExtensions (RFC 6960 §4.2.1), in order; empty when absent. */
  responseExtensions: ResponseExtension[];
}

/** One Extension (RFC 5280 §4.1): its OID and the octets of its extnValue OCTET STRING. */
export interface ResponseExtension {
  id: string;
  critical: boolean;
  value: Uint8Array;
}

/** Beyond these the response goes to pkijs, whose asn1js decoder bounds its nodes (10,000). */
const MAX_SINGLE_RESPONSES = 256;
const MAX_CERTS = 16;
const MAX_EXTENSIONS = 32;

type El = Asn1Element;

/** One DER element at `offset` within `limit`: definite minimal length, a low tag number. */
function derElement(bytes: Uint8Array, offset: number, limit: number): El | undefined {
  const element = readElement(bytes, offset, limit);
  if (!element || element.indefinite || element.truncated || element.tagNumber >= 31) return undefined;
  const length = element.contentEnd - element.contentStart;
  const header = length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : length < 0x1000000 ? 5 : 6;
  return element.contentStart - element.start === header ? element : undefined;
}

/** Every element inside a constructed one, exactly filling it; undefined past `max`. */
function itemsOf(bytes: Uint8Array, parent: El | undefined, max: number): El[] | undefined {
  if (!parent?.constructed) return undefined;
  const items: El[] = [];
  let at = parent.contentStart;
  while (at < parent.contentEnd) {
    const item = derElement(bytes, at, parent.contentEnd);
    if (!item || items.length === max) return undefined;
    items.push(item);
    at = item.end;
  }
  return items;
}

function isUniversalTag(element: El | undefined, tag: number, constructed: boolean): element is El {
  return (
    element?.tagClass === TAG_CLASS.universal &&
    element.tagNumber === tag &&
    element.constructed === constructed
  );
}

function sequenceItems(bytes: Uint8Array, element: El | undefined, max: number): El[] | undefined {
  return isUniversalTag(element, UNIVERSAL.sequence, true) ? itemsOf(bytes, element, max) : undefined;
}

/** The elements inside a constructed context-specific [tag]. */
function taggedItems(bytes: Uint8Array, element: El | undefined, tag: number, max: number): El[] | undefined {
  return element?.tagClass === TAG_CLASS.context && element.tagNumber === tag && element.constructed
    ? itemsOf(bytes, element, max)
    : undefined;
}

function contents(bytes: Uint8Array, element: El): Uint8Array {
  return bytes.subarray(element.contentStart, element.contentEnd);
}

function whole(bytes: Uint8Array, element: El): Uint8Array {
  return bytes.subarray(element.start, element.end);
}

function octetString(bytes: Uint8Array, element: El | undefined): Uint8Array | undefined {
  return isUniversalTag(element, UNIVERSAL.octetString, false) ? contents(bytes, element) : undefined;
}

function isInteger(element: El | undefined): element is El {
  return isUniversalTag(element, UNIVERSAL.integer, false) && element.contentEnd > element.contentStart;
}

function isEnumerated(element: El | undefined): element is El {
  return isUniversalTag(element, UNIVERSAL.enumerated, false) && element.contentEnd > element.contentStart;
}

/**
 * GeneralizedTime as YYYYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.2, the form RFC 6960 responses use), to
 * the same instant asn1js computes for it (Date.UTC of the fields); undefined for any other form.
 */
function generalizedTime(bytes: Uint8Array, element: El | undefined): Date | undefined {
  if (!isUniversalTag(element, UNIVERSAL.generalizedTime, false)) return undefined;
  const text = contents(bytes, element);
  if (text.byteLength !== 15 || text[14] !== 0x5a /* Z */) return undefined;
  const digits: number[] = [];
  for (let i = 0; i < 14; i++) {
    const d = (text[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) return undefined;
    digits.push(d);
  }
  const number = (from: number, count: number) =>
    digits.slice(from, from + count).reduce((value, d) => value * 10 + d, 0);
  return new Date(
    Date.UTC(number(0, 4), number(4, 2) - 1, number(6, 2), number(8, 2), number(10, 2), number(12, 2), 0),
  );
}

/** AlgorithmIdentifier (RFC 5280 §4.1.1.2) with parameters absent or NULL; undefined otherwise. */
function algorithm(
  bytes: Uint8Array,
  element: El | undefined,
): { algorithmId: string; nullParameters: boolean } | undefined {
  const items = sequenceItems(bytes, element, 2);
  const algorithmId = oidOf(bytes, items?.[0]);
  if (!items || !algorithmId) return undefined;
  if (items.length === 1) return { algorithmId, nullParameters: false };
  const parameters = items[1];
  const isNull =
    isUniversalTag(parameters, 5 /* NULL */, false) && parameters.contentEnd === parameters.contentStart;
  return isNull ? { algorithmId, nullParameters: true } : undefined;
}

/** [tag] EXPLICIT Extensions (RFC 5280 §4.1): SEQUENCE SIZE (1..MAX) OF Extension; undefined if not one. */
function extensionsOf(
  bytes: Uint8Array,
  element: El | undefined,
  tag: number,
): ResponseExtension[] | undefined {
  const wrapped = taggedItems(bytes, element, tag, 1);
  const extensions = wrapped?.length === 1 ? sequenceItems(bytes, wrapped[0], MAX_EXTENSIONS) : undefined;
  if (!extensions || extensions.length === 0) return undefined;
  const read: ResponseExtension[] = [];
  for (const extension of extensions) {
    // Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const fields = sequenceItems(bytes, extension, 3);
    const id = oidOf(bytes, fields?.[0]);
    if (!fields || fields.length < 2 || !id) return undefined;
    let critical = false;
    if (fields.length === 3) {
      const flag = fields[1];
      if (!isUniversalTag(flag, 1 /* BOOLEAN */, false) || flag.contentEnd - flag.contentStart !== 1)
        return undefined;
      critical = bytes[flag.contentStart] !== 0;
    }
    const value = octetString(bytes, fields[fields.length - 1]);
    if (!value) return undefined;
    read.push({ id, critical, value });
  }
  return read;
}

/** SingleResponse (RFC 6960 §4.2.1) answering good or revoked. */
function singleResponse(bytes: Uint8Array, element: El): SingleResponseDer | undefined {
  const items = sequenceItems(bytes, element, 5);
  if (!items || items.length < 3) return undefined;
  // CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING, serialNumber INTEGER }
  const certId = sequenceItems(bytes, items[0], 4);
  if (!certId || certId.length !== 4) return undefined;
  const hashAlgorithm = algorithm(bytes, certId[0]);
  const issuerNameHash = octetString(bytes, certId[1]);
  const issuerKeyHash = octetString(bytes, certId[2]);
  const serial = certId[3];
  if (!hashAlgorithm || !issuerNameHash || !issuerKeyHash || !isInteger(serial)) return undefined;

  // CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] ... }
  const status = items[1];
  let statusTag: 0 | 1;
  let revokedAt: Date | undefined;
  if (status?.tagClass !== TAG_CLASS.context) return undefined;
  if (status.tagNumber === 0 && !status.constructed && status.contentEnd === status.contentStart) {
    statusTag = 0;
  } else if (status.tagNumber === 1 && status.constructed) {
    // RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
    const revoked = itemsOf(bytes, status, 2);
    revokedAt = generalizedTime(bytes, revoked?.[0]);
    if (!revoked || !revokedAt) return undefined;
    if (revoked.length === 2) {
      const reason = taggedItems(bytes, revoked[1], 0, 1);
      if (reason?.length !== 1 || !isEnumerated(reason[0])) return undefined;
    }
    statusTag = 1;
  } else {
    return undefined;
  }

  const thisUpdate = generalizedTime(bytes, items[2]);
  if (!thisUpdate) return undefined;
  let at = 3;
  let nextUpdate: Date | undefined;
  const next = taggedItems(bytes, items[at], 0, 1);
  if (next) {
    nextUpdate = next.length === 1 ? generalizedTime(bytes, next[0]) : undefined;
    if (!nextUpdate) return undefined;
    at++;
  }
  if (at < items.length && extensionsOf(bytes, items[at], 1)) at++;
  if (at !== items.length) return undefined;
  return {
    hashAlgorithmId: hashAlgorithm.algorithmId,
    issuerNameHash,
    issuerKeyHash,
    // As serialHexOf reads an asn1js Integer: its content octets, minimal and lowercase.
    serialHex: normaliseSerialHex(toHex(contents(bytes, serial))),
    statusTag,
    revokedAt,
    thisUpdate,
    nextUpdate,
  };
}

/** One whole DER element filling `bytes`, or undefined. */
function root(bytes: Uint8Array): El | undefined {
  const element = derElement(bytes, 0, bytes.byteLength);
  return element?.end === bytes.byteLength ? element : undefined;
}

const OCSP_BASIC_OID = OID.ocspBasic;

/** The usual OCSP response read directly, or undefined for pkijs to decode (see above). */
export function readOcspResponseDer(der: Uint8Array): OcspResponseDer | undefined {
  // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
  const response = sequenceItems(der, root(der), 2);
  if (response?.length !== 2) return undefined;
  const status = response[0];
  if (
    !isEnumerated(status) ||
    status.contentEnd - status.contentStart !== 1 ||
    der[status.contentStart] !== 0
  )
    return undefined;
  const wrapped = taggedItems(der, response[1], 0, 1);
  // ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }
  const responseBytes = wrapped?.length === 1 ? sequenceItems(der, wrapped[0], 2) : undefined;
  if (responseBytes?.length !== 2 || oidOf(der, responseBytes[0]) !== OCSP_BASIC_OID) return undefined;
  const bytes = octetString(der, responseBytes[1]);
  if (!bytes) return undefined;

  // BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm, signature BIT STRING,
  //                                  certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
  const basic = sequenceItems(bytes, root(bytes), 4);
  if (!basic || basic.length < 3) return undefined;
  const [tbsElement, algorithmElement, signatureElement] = basic as [El, El, El];
  const signatureAlgorithm = algorithm(bytes, algorithmElement);
  if (!signatureAlgorithm || !isUniversalTag(signatureElement, UNIVERSAL.bitString, false)) return undefined;
  const signatureBits = contents(bytes, signatureElement);
  if (signatureBits.byteLength < 2 || signatureBits[0] !== 0) return undefined; // unused bits: none
  const certs: Uint8Array[] = [];
  if (basic.length === 4) {
    const wrappedCerts = taggedItems(bytes, basic[3], 0, 1);
    const list = wrappedCerts?.length === 1 ? sequenceItems(bytes, wrappedCerts[0], MAX_CERTS) : undefined;
    if (!list || list.length === 0) return undefined;
    for (const certificate of list) {
      if (!isUniversalTag(certificate, UNIVERSAL.sequence, true)) return undefined;
      certs.push(whole(bytes, certificate));
    }
  }

  // ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, responderID ResponderID,
  //   producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT OPTIONAL }
  const data = sequenceItems(bytes, tbsElement, 5);
  if (!data) return undefined;
  let at = 0;
  const version = taggedItems(bytes, data[at], 0, 1);
  if (version) {
    if (version.length !== 1 || !isInteger(version[0])) return undefined;
    at++;
  }
  // ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }
  let responderId: OcspResponseDer['responderId'];
  const byName = taggedItems(bytes, data[at], 1, 1);
  const byKey = taggedItems(bytes, data[at], 2, 1);
  if (byName?.length === 1 && isUniversalTag(byName[0], UNIVERSAL.sequence, true)) {
    responderId = { byName: whole(bytes, byName[0]) };
  } else if (byKey?.length === 1) {
    const keyHash = octetString(bytes, byKey[0]);
    if (!keyHash) return undefined;
    responderId = { byKey: keyHash };
  } else {
    return undefined;
  }
  at++;
  const producedAt = generalizedTime(bytes, data[at++]);
  const list = sequenceItems(bytes, data[at++], MAX_SINGLE_RESPONSES);
  if (!producedAt || !list || list.length === 0) return undefined;
  const responses: SingleResponseDer[] = [];
  for (const element of list) {
    const single = singleResponse(bytes, element);
    if (!single) return undefined;
    responses.push(single);
  }
  let responseExtensions: ResponseExtension[] = [];
  const extensions = at < data.length ? extensionsOf(bytes, data[at], 1) : undefined;
  if (extensions) {
    responseExtensions = extensions;
    at++;
  }
  if (at !== data.length) return undefined;

  return {
    tbs: whole(bytes, tbsElement),
    responderId,
    producedAt,
    responses,
    signatureAlgorithm,
    signature: signatureBits.subarray(1),
    certs,
    responseExtensions,
  };
}

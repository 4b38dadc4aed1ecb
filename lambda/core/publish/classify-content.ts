/**
 * What a pushed file is, decided from its bytes alone: a file name or a PEM label is a claim that
 * the content must back up. Key material is looked for first and wins over everything else, so a
 * certificate with its key appended is refused as a key, never published as a certificate.
 *
 * The structure checks stop at the shape that tells the artifact types apart; the rules
 * (rules/validate-*.ts, cms.ts) then decode and verify the artifact in full.
 */
import { toLatin1 } from '../encoding/bytes.ts';
import {
  algorithmOidOf,
  childrenOf,
  isContextTag,
  isSequence,
  isUniversal,
  MAX_DEPTH,
  oidOf,
  readElement,
  smallIntegerOf,
  UNIVERSAL,
  type Asn1Element,
} from '../encoding/ber-reader.ts';
import { detectPrivateKey } from './detect-private-key.ts';
import { OID } from '../pki/oids.ts';
import { isPdf } from '../documents/pdf-signature.ts';
import { looksLikePem, parsePemBlocks } from '../encoding/pem.ts';

export type ContentClass =
  | { type: 'certificate'; der: Uint8Array; encoding: 'PEM' | 'DER' }
  | { type: 'crl'; der: Uint8Array; encoding: 'PEM' | 'DER' }
  | { type: 'ocsp-response'; der: Uint8Array }
  | { type: 'cms-signature'; der: Uint8Array; encoding: 'PEM' | 'DER' }
  | { type: 'pdf' }
  | { type: 'private-key'; form: string }
  | { type: 'unrecognised'; reason: string };

type DerKind = 'certificate' | 'crl' | 'ocsp-response' | 'cms-signature';

const NOT_AN_ARTIFACT = 'not a certificate, CRL, OCSP response, CMS signature or PDF';

const DESCRIPTION: Readonly<Record<DerKind, string>> = {
  certificate: 'a certificate',
  crl: 'a CRL',
  'ocsp-response': 'an OCSP response',
  'cms-signature': 'a CMS signature',
};

/** PEM labels we publish (RFC 7468 §5, §6 "X509 CERTIFICATE", §7 "X509 CRL", §9 "CMS"/"PKCS7"). */
const KIND_BY_PEM_LABEL: Readonly<Record<string, DerKind>> = {
  CERTIFICATE: 'certificate',
  'X509 CERTIFICATE': 'certificate',
  'X509 CRL': 'crl',
  CMS: 'cms-signature',
  PKCS7: 'cms-signature',
};

/** Enough to say how many blocks a bundle file holds; counting further is wasted work. */
const MAX_PEM_BLOCKS = 100;

function unrecognised(reason: string): ContentClass {
  return { type: 'unrecognised', reason };
}

/** Classifies any byte input. Never throws: input that breaks a check is `unrecognised`. */
export function classifyContent(bytes: Uint8Array): ContentClass {
  try {
    return classifyBytes(bytes);
  } catch (error) {
    return unrecognised(`${NOT_AN_ARTIFACT} (could not be parsed: ${(error as Error).message})`);
  }
}

function classifyBytes(bytes: Uint8Array): ContentClass {
  const keyForm = detectPrivateKey(bytes);
  if (keyForm !== undefined) return { type: 'private-key', form: keyForm };
  if (bytes.byteLength === 0) return unrecognised(`empty file: ${NOT_AN_ARTIFACT}`);
  if (isPdf(bytes)) return { type: 'pdf' };

  // Every artifact we take in DER is a SEQUENCE (0x30), and DER's length octets are never all text.
  if (bytes[0] !== 0x30 || looksLikeText(bytes)) {
    const text = toLatin1(bytes);
    if (looksLikePem(text)) return classifyPem(text);
    return unrecognised(describeNonAsn1(bytes));
  }
  const identified = identifyDer(bytes);
  if ('reason' in identified) return unrecognised(identified.reason);
  return withEncoding(identified.kind, bytes, 'DER');
}

function withEncoding(kind: DerKind, der: Uint8Array, encoding: 'PEM' | 'DER'): ContentClass {
  switch (kind) {
    case 'certificate':
      return { type: 'certificate', der, encoding };
    case 'crl':
      return { type: 'crl', der, encoding };
    case 'cms-signature':
      return { type: 'cms-signature', der, encoding };
    case 'ocsp-response':
      // Only reached for DER: no PEM label maps to an OCSP response (RFC 6960 defines none).
      return { type: 'ocsp-response', der };
  }
}

/** One PEM block whose label names an artifact we publish and whose content is that artifact. */
function classifyPem(text: string): ContentClass {
  const blocks = parsePemBlocks(text, MAX_PEM_BLOCKS);
  if (blocks.length === 0) {
    return unrecognised('PEM "-----BEGIN" line without a matching "-----END" line: the block is incomplete');
  }
  if (blocks.length > 1) {
    const count = blocks.length < MAX_PEM_BLOCKS ? `${blocks.length}` : `${MAX_PEM_BLOCKS} or more`;
    return unrecognised(`${count} PEM blocks: publish one artifact per file`);
  }
  const [block] = blocks;
  if (!block) return unrecognised('no PEM block');
  if (block.label === 'TRUSTED CERTIFICATE') {
    // OpenSSL appends trust settings after the certificate (an "X509_AUX" structure).
    return unrecognised('OpenSSL TRUSTED CERTIFICATE is not a plain certificate');
  }
  const expected = KIND_BY_PEM_LABEL[block.label];
  if (!expected) {
    return unrecognised(`PEM label "${block.label}": ${NOT_AN_ARTIFACT}`);
  }
  const identified = identifyDer(block.der);
  if ('reason' in identified) return unrecognised(`PEM "${block.label}" block: ${identified.reason}`);
  if (identified.kind !== expected) {
    return unrecognised(`PEM label "${block.label}" but the content is ${DESCRIPTION[identified.kind]}`);
  }
  return withEncoding(identified.kind, block.der, 'PEM');
}

// ---------------------------------------------------------------------------------------------
// DER: one complete element, then its shape
// ---------------------------------------------------------------------------------------------

type Identified = { kind: DerKind } | { reason: string };

function identifyDer(der: Uint8Array): Identified {
  if (der.byteLength === 0) return { reason: 'no content' };
  const top = readElement(der, 0, der.byteLength);
  if (!top) {
    const partial = readElement(der, 0, der.byteLength, { lenient: true });
    return {
      reason: partial?.truncated
        ? `truncated DER: the element is cut short after ${der.byteLength} bytes`
        : `not DER: the bytes do not form an ASN.1 element`,
    };
  }
  if (top.end !== der.byteLength) {
    return { reason: `${der.byteLength - top.end} trailing bytes after the DER element` };
  }
  const walk = walkElement(der, top, 0);
  if (walk.malformed) return { reason: `malformed DER: ${walk.malformed}` };

  const kind = shapeOf(der, top);
  if (typeof kind !== 'string') return kind;
  if (walk.indefinite && kind !== 'cms-signature') {
    // RFC 5280 §4.1 and RFC 6960 §4.2.1 sign DER; only CMS allows BER (RFC 5652 §2).
    return { reason: `${DESCRIPTION[kind]} in indefinite-length BER: it must be DER` };
  }
  return { kind };
}

interface WalkResult {
  malformed?: string;
  indefinite: boolean;
}

/**
 * Checks that every constructed element's contents are exactly a sequence of elements, down to
 * MAX_DEPTH, so "one complete element" holds throughout and not just at the top.
 */
function walkElement(bytes: Uint8Array, element: Asn1Element, depth: number): WalkResult {
  let indefinite = element.indefinite;
  if (!element.constructed) return { indefinite };
  if (depth >= MAX_DEPTH) return { malformed: `nested deeper than ${MAX_DEPTH} levels`, indefinite };
  let pos = element.contentStart;
  while (pos < element.contentEnd) {
    const child = readElement(bytes, pos, element.contentEnd);
    if (!child) return { malformed: `no valid element at offset ${pos}`, indefinite };
    const inner = walkElement(bytes, child, depth + 1);
    if (inner.malformed) return inner;
    indefinite ||= inner.indefinite;
    pos = child.end;
  }
  return { indefinite };
}

function shapeOf(bytes: Uint8Array, top: Asn1Element): DerKind | { reason: string } {
  if (!isSequence(top)) return { reason: `ASN.1 but ${NOT_AN_ARTIFACT}` };
  const fields = childrenOf(bytes, top, 4);
  const [first, second] = fields;

  // Certificate and CertificateList share the outer shape (RFC 5280 §4.1, §5.1):
  // SEQUENCE { tbs SEQUENCE, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }.
  if (fields.length === 3 && isSequence(first) && isSignedEnvelope(bytes, fields)) {
    if (isTbsCertificate(bytes, first)) return 'certificate';
    if (isTbsCertList(bytes, first)) return 'crl';
    return { reason: `a signed ASN.1 structure that is ${NOT_AN_ARTIFACT} (a certificate request?)` };
  }

  // RFC 6960 §4.2.1 OCSPResponse: SEQUENCE { responseStatus ENUMERATED, [0] EXPLICIT ResponseBytes? }.
  if (isUniversal(first, UNIVERSAL.enumerated)) {
    return isOcspResponse(bytes, fields) ? 'ocsp-response' : { reason: 'malformed OCSP response' };
  }

  // RFC 5652 §3 ContentInfo: SEQUENCE { contentType OBJECT IDENTIFIER, [0] EXPLICIT content }.
  const contentType = oidOf(bytes, first);
  if (contentType !== undefined && fields.length === 2 && isContextTag(second, 0)) {
    if (contentType !== OID.cmsSignedData) {
      return { reason: `CMS ContentInfo of type ${contentType}, not id-signedData (${OID.cmsSignedData})` };
    }
    return isSignedData(bytes, childrenOf(bytes, second, 2))
      ? 'cms-signature'
      : { reason: 'malformed CMS SignedData' };
  }
  return { reason: `ASN.1 but ${NOT_AN_ARTIFACT}` };
}

function isSignedEnvelope(bytes: Uint8Array, [, algorithm, signature]: Asn1Element[]): boolean {
  return algorithmOidOf(bytes, algorithm) !== undefined && isUniversal(signature, UNIVERSAL.bitString);
}

function isTime(element: Asn1Element | undefined): boolean {
  return isUniversal(element, UNIVERSAL.utcTime) || isUniversal(element, UNIVERSAL.generalizedTime);
}

/**
 * RFC 5280 §4.1 TBSCertificate: SEQUENCE { [0] EXPLICIT version?, serialNumber INTEGER, signature
 * AlgorithmIdentifier, issuer Name, validity SEQUENCE { Time, Time }, subject Name,
 * subjectPublicKeyInfo SEQUENCE, ... }.
 */
function isTbsCertificate(bytes: Uint8Array, tbs: Asn1Element): boolean {
  const fields = childrenOf(bytes, tbs, 8);
  const rest = isContextTag(fields[0], 0) ? fields.slice(1) : fields;
  const [serial, signature, issuer, validity, subject, publicKeyInfo] = rest;
  const times = childrenOf(bytes, validity, 3);
  return (
    isUniversal(serial, UNIVERSAL.integer) &&
    algorithmOidOf(bytes, signature) !== undefined &&
    isSequence(issuer) &&
    isSequence(validity) &&
    times.length === 2 &&
    times.every(isTime) &&
    isSequence(subject) &&
    isSequence(publicKeyInfo)
  );
}

/**
 * RFC 5280 §5.1 TBSCertList: SEQUENCE { version INTEGER?, signature AlgorithmIdentifier,
 * issuer Name, thisUpdate Time, nextUpdate Time?, revokedCertificates?, [0] crlExtensions? }.
 */
function isTbsCertList(bytes: Uint8Array, tbs: Asn1Element): boolean {
  const fields = childrenOf(bytes, tbs, 5);
  const rest = isUniversal(fields[0], UNIVERSAL.integer) ? fields.slice(1) : fields;
  const [signature, issuer, thisUpdate] = rest;
  return algorithmOidOf(bytes, signature) !== undefined && isSequence(issuer) && isTime(thisUpdate);
}

/** responseStatus values (RFC 6960 §4.2.1); 4 is unused. */
const OCSP_RESPONSE_STATUSES: ReadonlySet<number> = new Set([0, 1, 2, 3, 5, 6]);

function isOcspResponse(bytes: Uint8Array, fields: Asn1Element[]): boolean {
  const [status, explicitBytes] = fields;
  const statusValue = smallIntegerOf(bytes, status);
  if (statusValue === undefined || !OCSP_RESPONSE_STATUSES.has(statusValue) || fields.length > 2)
    return false;
  // Only a successful response carries ResponseBytes (RFC 6960 §4.2.1), and it must.
  if (!explicitBytes) return statusValue !== 0;
  if (!isContextTag(explicitBytes, 0)) return false;
  const responseBytes = childrenOf(bytes, explicitBytes, 2);
  // ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }
  const [responseType, response] = childrenOf(bytes, responseBytes[0], 3);
  return (
    responseBytes.length === 1 &&
    oidOf(bytes, responseType) !== undefined &&
    isUniversal(response, UNIVERSAL.octetString)
  );
}

/**
 * RFC 5652 §5.1 SignedData: SEQUENCE { version INTEGER, digestAlgorithms SET,
 * encapContentInfo SEQUENCE { eContentType OBJECT IDENTIFIER, ... }, ... }.
 */
function isSignedData(bytes: Uint8Array, explicitContent: Asn1Element[]): boolean {
  const [signedData] = explicitContent;
  if (explicitContent.length !== 1 || !isSequence(signedData)) return false;
  const [version, digestAlgorithms, encapContentInfo] = childrenOf(bytes, signedData, 3);
  return (
    isUniversal(version, UNIVERSAL.integer) &&
    isUniversal(digestAlgorithms, UNIVERSAL.set) &&
    isSequence(encapContentInfo) &&
    oidOf(bytes, childrenOf(bytes, encapContentInfo, 1)[0]) !== undefined
  );
}

// ---------------------------------------------------------------------------------------------
// Reasons for files that are not ASN.1 at all
// ---------------------------------------------------------------------------------------------

/** Text: no control characters other than tab, line feed, carriage return in the first 4 KiB. */
function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 4096);
  return sample.every((octet) => octet >= 0x20 || octet === 0x09 || octet === 0x0a || octet === 0x0d);
}

/** The operator's most likely mistake, so the refusal says what the file looks like instead. */
function describeNonAsn1(bytes: Uint8Array): string {
  if (!looksLikeText(bytes)) return `unknown binary format: ${NOT_AN_ARTIFACT}`;
  const head = toLatin1(bytes.subarray(0, 4096));
  const start = head.replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, '').trimStart();
  if (/^<(!doctype html|html|head|body)\b/i.test(start) || /<html[\s>]/i.test(head)) {
    return `an HTML page (an error page saved in place of the file?): ${NOT_AN_ARTIFACT}`;
  }
  if (start.length === 0) return `only whitespace: ${NOT_AN_ARTIFACT}`;
  const lines = start.trimEnd().split(/\r?\n/);
  if (start.length >= 32 && lines.every((line) => /^[A-Za-z0-9+/]+={0,2}$/.test(line))) {
    return `base64 text without PEM "-----BEGIN" / "-----END" lines: ${NOT_AN_ARTIFACT}`;
  }
  return `a text file: ${NOT_AN_ARTIFACT}`;
}

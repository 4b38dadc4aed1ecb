/**
 * Private key detection. A public repository must never serve key material, and an operator who
 * copies the wrong file (or a PEM file holding a certificate *and* its key) must be stopped before
 * publication. So the whole file is searched, by content only: text markers anywhere in it (PEM,
 * PGP armour, PuTTY, OpenSSH), and binary key containers at the top level, recognised by their
 * ASN.1 shape or magic number rather than by any name or label.
 *
 * This module also holds the small BER reader (X.690 §8.1) that classify-content.ts shares: it
 * reads headers only, never throws, never recurses further than MAX_DEPTH, and can read a
 * truncated element leniently (a key cut short is still key material).
 */
import { concatBytes, toLatin1 } from './bytes.ts';
import type { PemBlock } from './pem.ts';
import { OID } from './oids.ts';

// ---------------------------------------------------------------------------------------------
// Minimal BER reader (X.690 §8.1)
// ---------------------------------------------------------------------------------------------

/** Identifier octet classes (X.690 §8.1.2.2). */
export const TAG_CLASS = { universal: 0, application: 1, context: 2, private: 3 } as const;

/** Universal tag numbers we look at (X.680 §8.4, Table 1). */
export const UNIVERSAL = {
  integer: 2,
  bitString: 3,
  octetString: 4,
  objectIdentifier: 6,
  enumerated: 10,
  sequence: 16,
  set: 17,
  utcTime: 23,
  generalizedTime: 24,
} as const;

/** Deeper than any certificate, CRL, OCSP response or CMS signature nests; bounds the recursion. */
export const MAX_DEPTH = 32;

/** One element, located but not decoded. Offsets index the byte array it was read from. */
export interface Asn1Element {
  tagClass: number;
  constructed: boolean;
  tagNumber: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the contents (before the end-of-contents octets of the indefinite form). */
  contentEnd: number;
  /** Offset just past the whole element. */
  end: number;
  /** Indefinite length form (X.690 §8.1.3.6): BER, never DER. */
  indefinite: boolean;
  /** Lenient reads only: the element runs past the available bytes and was cut at the limit. */
  truncated: boolean;
}

export interface ReadOptions {
  /** Accept an element that runs past `limit`, marked `truncated`, instead of refusing it. */
  lenient?: boolean;
}

/**
 * Reads the element at `offset` (not past `limit`). Undefined when the octets are not a BER
 * element, or when it runs past `limit` and the read is not lenient.
 */
export function readElement(
  bytes: Uint8Array,
  offset: number,
  limit: number = bytes.byteLength,
  options: ReadOptions = {},
  depth = 0,
): Asn1Element | undefined {
  if (depth > MAX_DEPTH || offset >= limit) return undefined;
  let pos = offset;
  const identifier = bytes[pos++] ?? 0;
  let tagNumber = identifier & 0x1f;
  if (tagNumber === 0x1f) {
    // High tag number form (X.690 §8.1.2.4): base-128 digits; four are more than any real tag.
    tagNumber = 0;
    for (let digits = 0; ; digits++) {
      if (digits === 4 || pos >= limit) return undefined;
      const octet = bytes[pos++] ?? 0;
      tagNumber = tagNumber * 128 + (octet & 0x7f);
      if ((octet & 0x80) === 0) break;
    }
  }
  if (pos >= limit) return undefined;
  const lengthOctet = bytes[pos++] ?? 0;
  const lenient = options.lenient === true;
  const header: ElementHeader = { identifier, tagNumber, start: offset };

  if (lengthOctet === 0x80) {
    // Indefinite form (X.690 §8.1.3.6): constructed only; the contents end at 00 00.
    if ((identifier & 0x20) === 0) return undefined;
    const contentStart = pos;
    while (pos < limit) {
      if (pos + 1 < limit && bytes[pos] === 0 && bytes[pos + 1] === 0) {
        return makeElement(header, contentStart, pos, pos + 2, true, false);
      }
      const child = readElement(bytes, pos, limit, options, depth + 1);
      if (!child) break;
      pos = child.end;
      if (child.truncated) break;
    }
    return lenient ? makeElement(header, contentStart, limit, limit, true, true) : undefined;
  }

  let length = lengthOctet;
  if (lengthOctet & 0x80) {
    // Long form (X.690 §8.1.3.5). 0xff is reserved; more than four octets is no file we handle.
    const count = lengthOctet & 0x7f;
    if (count > 4 || lengthOctet === 0xff || pos + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[pos++] ?? 0);
  }
  const contentStart = pos;
  const declaredEnd = contentStart + length;
  if (declaredEnd <= limit) return makeElement(header, contentStart, declaredEnd, declaredEnd, false, false);
  return lenient ? makeElement(header, contentStart, limit, limit, false, true) : undefined;
}

interface ElementHeader {
  identifier: number;
  tagNumber: number;
  start: number;
}

/** Builds every element with one object shape (a spread of a shared header made V8 ~50x slower). */
function makeElement(
  header: ElementHeader,
  contentStart: number,
  contentEnd: number,
  end: number,
  indefinite: boolean,
  truncated: boolean,
): Asn1Element {
  return {
    tagClass: header.identifier >> 6,
    constructed: (header.identifier & 0x20) !== 0,
    tagNumber: header.tagNumber,
    start: header.start,
    contentStart,
    contentEnd,
    end,
    indefinite,
    truncated,
  };
}

/**
 * The first `max` children of a constructed element. Stops early at octets that are not an
 * element, and after a truncated child (nothing can follow it).
 */
export function childrenOf(
  bytes: Uint8Array,
  parent: Asn1Element | undefined,
  max = 16,
  options: ReadOptions = {},
): Asn1Element[] {
  const children: Asn1Element[] = [];
  if (!parent?.constructed) return children;
  let pos = parent.contentStart;
  while (pos < parent.contentEnd && children.length < max) {
    const child = readElement(bytes, pos, parent.contentEnd, options);
    if (!child) break;
    children.push(child);
    if (child.truncated) break;
    pos = child.end;
  }
  return children;
}

export function isUniversal(element: Asn1Element | undefined, tagNumber: number): element is Asn1Element {
  return element?.tagClass === TAG_CLASS.universal && element.tagNumber === tagNumber;
}

export function isSequence(element: Asn1Element | undefined): element is Asn1Element {
  return isUniversal(element, UNIVERSAL.sequence) && element.constructed;
}

export function isContextTag(element: Asn1Element | undefined, tagNumber: number): element is Asn1Element {
  return element?.tagClass === TAG_CLASS.context && element.tagNumber === tagNumber;
}

export function contentOf(bytes: Uint8Array, element: Asn1Element): Uint8Array {
  return bytes.subarray(element.contentStart, element.contentEnd);
}

/** A small non-negative INTEGER or ENUMERATED value (X.690 §8.3), undefined when larger or negative. */
export function smallIntegerOf(bytes: Uint8Array, element: Asn1Element | undefined): number | undefined {
  if (!element || element.constructed) return undefined;
  if (!isUniversal(element, UNIVERSAL.integer) && !isUniversal(element, UNIVERSAL.enumerated))
    return undefined;
  const content = contentOf(bytes, element);
  if (content.byteLength === 0 || content.byteLength > 4 || (content[0] ?? 0) & 0x80) return undefined;
  return content.reduce((value, octet) => value * 256 + octet, 0);
}

/** Dotted form of an OBJECT IDENTIFIER (X.690 §8.19), undefined when malformed. */
export function oidOf(bytes: Uint8Array, element: Asn1Element | undefined): string | undefined {
  if (!isUniversal(element, UNIVERSAL.objectIdentifier) || element.constructed) return undefined;
  const content = contentOf(bytes, element);
  if (content.byteLength === 0 || content.byteLength > 128) return undefined;
  const arcs: number[] = [];
  let value = 0;
  let digits = 0;
  for (const octet of content) {
    // Seven digits (49 bits) stay exact in a double; no real arc is longer.
    if (digits === 0 && octet === 0x80) return undefined;
    if (++digits > 7) return undefined;
    value = value * 128 + (octet & 0x7f);
    if ((octet & 0x80) === 0) {
      arcs.push(value);
      value = 0;
      digits = 0;
    }
  }
  if (digits !== 0) return undefined;
  const first = arcs[0] ?? 0;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** AlgorithmIdentifier (RFC 5280 §4.1.1.2): SEQUENCE { OBJECT IDENTIFIER, parameters ANY OPTIONAL }. */
export function algorithmOidOf(bytes: Uint8Array, element: Asn1Element | undefined): string | undefined {
  if (!isSequence(element)) return undefined;
  return oidOf(bytes, childrenOf(bytes, element, 1, { lenient: true })[0]);
}

// ---------------------------------------------------------------------------------------------
// PEM blocks, found in linear time
// ---------------------------------------------------------------------------------------------

/** RFC 7468 §3 pre-encapsulation boundary, label bounded so each attempt costs O(1). */
const PEM_BEGIN_LINE = /-----BEGIN ([A-Z0-9 #/_-]{1,80}?)-----\r?\n/g;
/** Distinct labels whose END boundary we look for: each look-up may scan the rest of the text. */
const MAX_PEM_LABELS = 16;

/**
 * The PEM blocks of `text` (at most `max`), decoded as pem.ts `parsePemBlocks` decodes them, but
 * in time linear in the text: that function's backtracking regular expression is quadratic on
 * hostile input (thousands of "-----BEGIN " on one line), and the classifier must bound its work.
 */
export function findPemBlocks(text: string, max = 64): PemBlock[] {
  const blocks: PemBlock[] = [];
  const nextEndByLabel = new Map<string, number>();
  PEM_BEGIN_LINE.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (blocks.length < max && (match = PEM_BEGIN_LINE.exec(text)) !== null) {
    const label = match[1] ?? '';
    const bodyStart = PEM_BEGIN_LINE.lastIndex;
    const endLine = `-----END ${label}-----`;
    let end = nextEndByLabel.get(label);
    if (end === undefined || (end !== -1 && end < bodyStart)) {
      if (end === undefined && nextEndByLabel.size >= MAX_PEM_LABELS) break;
      end = text.indexOf(endLine, bodyStart);
      nextEndByLabel.set(label, end);
    }
    if (end === -1) continue;
    // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED") are not base64: skip them as pem.ts does.
    const body = text
      .slice(bodyStart, end)
      .split(/\r?\n/)
      .filter((line) => !line.includes(':'))
      .join('')
      .replace(/\s+/g, '');
    blocks.push({ label, der: new Uint8Array(Buffer.from(body, 'base64')) });
    PEM_BEGIN_LINE.lastIndex = end + endLine.length;
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Key containers recognised by ASN.1 shape
// ---------------------------------------------------------------------------------------------

/** EncryptedPrivateKeyInfo encryption schemes (RFC 5958 §3; RFC 8018 §6.1, §6.2; RFC 7292 App. C). */
const KEY_ENCRYPTION_SCHEMES: ReadonlySet<string> = new Set([
  OID.pkcs5Pbes2,
  OID.pkcs5PbeWithMd2AndDesCbc,
  OID.pkcs5PbeWithMd5AndDesCbc,
  OID.pkcs5PbeWithMd2AndRc2Cbc,
  OID.pkcs5PbeWithMd5AndRc2Cbc,
  OID.pkcs5PbeWithSha1AndDesCbc,
  OID.pkcs5PbeWithSha1AndRc2Cbc,
  OID.pkcs12PbeShaAnd128BitRc4,
  OID.pkcs12PbeShaAnd40BitRc4,
  OID.pkcs12PbeShaAnd3KeyTripleDesCbc,
  OID.pkcs12PbeShaAnd2KeyTripleDesCbc,
  OID.pkcs12PbeShaAnd128BitRc2Cbc,
  OID.pkcs12PbeShaAnd40BitRc2Cbc,
]);

/** Nesting of "key inside a container inside ..." we follow (PEM block, base64, CMS content). */
const MAX_NESTING = 2;

/**
 * The key form of a top-level BER element, read leniently so a truncated key is still caught.
 * Each test matches the distinguishing prefix of one structure, which no certificate, CRL, OCSP
 * response or CMS ContentInfo has (those start SEQUENCE { SEQUENCE | ENUMERATED | OID }).
 */
function detectDerKey(bytes: Uint8Array, nesting: number): string | undefined {
  const lenient = { lenient: true };
  const top = readElement(bytes, 0, bytes.byteLength, lenient);
  if (!isSequence(top)) return undefined;
  const fields = childrenOf(bytes, top, 12, lenient);
  const [first, second, third] = fields;
  const version = smallIntegerOf(bytes, first);

  // RFC 5958 §2 OneAsymmetricKey (PKCS#8 PrivateKeyInfo is version 0 of it, RFC 5208 §5):
  // SEQUENCE { INTEGER 0|1, AlgorithmIdentifier, OCTET STRING privateKey, ... }
  if (
    (version === 0 || version === 1) &&
    algorithmOidOf(bytes, second) !== undefined &&
    isUniversal(third, UNIVERSAL.octetString)
  ) {
    return version === 0 ? 'PKCS#8 PrivateKeyInfo (DER)' : 'PKCS#8 OneAsymmetricKey (DER)';
  }

  // RFC 5958 §3 EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }. The same
  // shape is a DigestInfo (RFC 8017 §9.2), so the algorithm must be a key encryption scheme.
  const scheme = algorithmOidOf(bytes, first);
  if (
    scheme !== undefined &&
    KEY_ENCRYPTION_SCHEMES.has(scheme) &&
    isUniversal(second, UNIVERSAL.octetString)
  ) {
    return 'PKCS#8 EncryptedPrivateKeyInfo (DER)';
  }

  // RFC 8017 A.1.2 RSAPrivateKey: SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv, otherPrimeInfos? }
  // and OpenSSL's traditional DSA key ("DSA PRIVATE KEY"): SEQUENCE { 0, p, q, g, y, x }.
  const firstNonInteger = fields.findIndex((field) => !isUniversal(field, UNIVERSAL.integer));
  const leadingIntegers = firstNonInteger === -1 ? fields.length : firstNonInteger;
  if (version === 0 || version === 1) {
    if (leadingIntegers >= 9) return 'PKCS#1 RSAPrivateKey (DER)';
    if (version === 0 && !top.truncated && leadingIntegers === 6 && fields.length === 6)
      return 'OpenSSL DSA private key (DER)';
    // Cut short after the public values, what remains of the private ones is still a leak.
    if (top.truncated && leadingIntegers >= 4) return 'truncated PKCS#1 RSA or OpenSSL DSA private key (DER)';
  }

  // RFC 5915 §3 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING, [0] parameters?, [1] publicKey? }
  if (
    version === 1 &&
    isUniversal(second, UNIVERSAL.octetString) &&
    fields.length <= 4 &&
    fields.slice(2).every((field) => isContextTag(field, 0) || isContextTag(field, 1))
  ) {
    return 'SEC1 ECPrivateKey (DER)';
  }

  // RFC 7292 §4 PFX: SEQUENCE { INTEGER 3, ContentInfo authSafe (data or signedData), MacData? }.
  // Encrypted or not, a PFX is a key container; a certificate-only one is not a repository artifact.
  const authSafeType = isSequence(second)
    ? oidOf(bytes, childrenOf(bytes, second, 1, lenient)[0])
    : undefined;
  if (version === 3 && (authSafeType === OID.cmsData || authSafeType === OID.cmsSignedData)) {
    return 'PKCS#12 PFX';
  }

  // RFC 5652 §3 ContentInfo: SEQUENCE { contentType, [0] EXPLICIT content }.
  const contentType = oidOf(bytes, first);
  if (contentType === OID.ctAsymmetricKeyPackage) return 'CMS asymmetric key package (RFC 5958 §4)';
  if (contentType === OID.cmsSignedData && nesting < MAX_NESTING) {
    return detectInSignedDataContent(bytes, second, nesting);
  }
  return undefined;
}

/**
 * A SignedData that encapsulates its content (RFC 5652 §5.2 eContent) can carry a key file, and
 * a key package is signed this way (RFC 5958 §4): look inside it.
 */
function detectInSignedDataContent(
  bytes: Uint8Array,
  explicitContent: Asn1Element | undefined,
  nesting: number,
): string | undefined {
  const lenient = { lenient: true };
  if (!isContextTag(explicitContent, 0)) return undefined;
  const signedData = childrenOf(bytes, explicitContent, 1, lenient)[0];
  const encapContentInfo = childrenOf(bytes, signedData, 3, lenient)[2];
  const [eContentType, explicitEContent] = childrenOf(bytes, encapContentInfo, 2, lenient);
  if (oidOf(bytes, eContentType) === OID.ctAsymmetricKeyPackage) {
    return 'CMS asymmetric key package (RFC 5958 §4) in SignedData';
  }
  if (!isContextTag(explicitEContent, 0)) return undefined;
  const eContent = childrenOf(bytes, explicitEContent, 1, lenient)[0];
  if (!isUniversal(eContent, UNIVERSAL.octetString)) return undefined;
  // BER may split the OCTET STRING into primitive segments (X.690 §8.7.3): join them.
  const segments = eContent.constructed ? childrenOf(bytes, eContent, 10_000, lenient) : [eContent];
  const inner = detectKey(concatBytes(segments.map((segment) => contentOf(bytes, segment))), nesting + 1);
  return inner && `${inner} in CMS SignedData content`;
}

// ---------------------------------------------------------------------------------------------
// Key containers recognised by magic numbers and text markers
// ---------------------------------------------------------------------------------------------

/** OpenPGP public-key algorithm IDs (RFC 9580 §9.1), to tell a secret-key packet from noise. */
const PGP_KEY_ALGORITHMS: ReadonlySet<number> = new Set([1, 2, 3, 16, 17, 18, 19, 20, 22, 25, 26, 27, 28]);

/**
 * An OpenPGP Secret-Key (tag 5) or Secret-Subkey (tag 7) packet at offset 0 (RFC 9580 §5.5.1.3),
 * in the OpenPGP (new) or legacy (old) packet format (§4.2), with a plausible version and algorithm.
 */
function isPgpSecretKeyPacket(bytes: Uint8Array): boolean {
  const tagOctet = bytes[0] ?? 0;
  if ((tagOctet & 0x80) === 0) return false;
  let tag: number;
  let headerLength: number;
  if (tagOctet & 0x40) {
    tag = tagOctet & 0x3f;
    const first = bytes[1] ?? 0;
    headerLength = first < 192 ? 2 : first < 224 ? 3 : first === 255 ? 6 : 2;
  } else {
    tag = (tagOctet >> 2) & 0x0f;
    headerLength = [2, 3, 5, 1][tagOctet & 0x03] ?? 1;
  }
  if (tag !== 5 && tag !== 7) return false;
  const body = bytes.subarray(headerLength);
  const version = body[0] ?? 0;
  // Version 2/3 keys carry a two-octet validity period before the algorithm (RFC 9580 §5.5.2.1).
  const algorithm =
    version === 2 || version === 3 ? body[7] : version >= 4 && version <= 6 ? body[5] : undefined;
  return algorithm !== undefined && PGP_KEY_ALGORITHMS.has(algorithm);
}

/** Key stores and key files recognised by their leading magic number. */
function detectMagic(bytes: Uint8Array): string | undefined {
  if (bytes.byteLength >= 4) {
    const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
    // Java KeyStore formats (JDK sun.security.provider.JavaKeyStore, com.sun.crypto.provider.JceKeyStore).
    if (magic === 0xfeedfeed) return 'Java KeyStore (JKS)';
    if (magic === 0xcececece) return 'Java KeyStore (JCEKS)';
    // Microsoft PVK file: the little-endian magic 0xb0b5f11e.
    if (magic === 0x1ef1b5b0) return 'Microsoft PVK private key';
  }
  return isPgpSecretKeyPacket(bytes) ? 'PGP secret key (binary)' : undefined;
}

/**
 * Encapsulation boundaries of RFC 7468 §2 (five dashes) and of the SSH2 key format (four dashes and
 * a space). Bounded label length keeps the scan linear on arbitrary input.
 */
const BEGIN_BOUNDARY = /-{4,5} ?BEGIN ([^\r\n-][^\r\n]{0,80}?) ?-{4,5}/g;
const SECRET_LABEL = /PRIVATE KEY|SECRET KEY/i;
const BASE64_ONLY = /^[A-Za-z0-9+/=\s]+$/;

/** Key material marked in text, found anywhere in the file (including inside a PDF or a binary). */
function detectTextMarker(text: string): string | undefined {
  for (const match of text.matchAll(BEGIN_BOUNDARY)) {
    const label = match[1] ?? '';
    if (!SECRET_LABEL.test(label)) continue;
    // RFC 9580 §6.2 ASCII armour: "PGP PRIVATE KEY BLOCK" (and PGP 2's "SECRET KEY BLOCK").
    if (label.startsWith('PGP ')) return 'PGP secret key (ASCII armour)';
    // The SSH.com key format frames its base64 with four dashes and spaces.
    if (match[0].startsWith('---- ')) return `SSH2 "${label}" key file`;
    return `PEM "${label}" block`;
  }
  // PuTTY .ppk files start "PuTTY-User-Key-File-2:" or "-3:".
  if (text.includes('PuTTY-User-Key-File-')) return 'PuTTY private key';
  // OpenSSH's own format (PROTOCOL.key), binary or already base64-decoded.
  if (text.includes('openssh-key-v1\u0000')) return 'OpenSSH private key';
  // RFC 7517 §4 / RFC 7518 §6: a JWK with "d" (RSA, EC, OKP private part) or "k" (symmetric key).
  if (/"kty"\s*:\s*"/.test(text) && /"[dk]"\s*:\s*"/.test(text)) return 'JWK private key (JSON)';
  return undefined;
}

function detectKey(bytes: Uint8Array, nesting: number): string | undefined {
  const text = toLatin1(bytes);
  const marked = detectTextMarker(text) ?? detectMagic(bytes) ?? detectDerKey(bytes, nesting);
  if (marked || nesting >= MAX_NESTING) return marked;

  // A key's DER under a harmless PEM label ("CERTIFICATE"): judge the content, not the label.
  for (const block of findPemBlocks(text)) {
    const inner = detectKey(block.der, nesting + 1);
    if (inner) return `${inner} inside PEM "${block.label}" block`;
  }
  // A key's DER base64-encoded without PEM boundaries.
  const trimmed = text.trim();
  if (trimmed.length >= 32 && BASE64_ONLY.test(trimmed)) {
    const inner = detectKey(new Uint8Array(Buffer.from(trimmed, 'base64')), nesting + 1);
    if (inner) return `${inner} as unarmoured base64`;
  }
  return undefined;
}

/**
 * Describes the private key material found anywhere in `bytes` (e.g. `PEM "EC PRIVATE KEY" block`,
 * `PKCS#12 PFX`), or undefined when there is none that we recognise. Never throws.
 */
export function detectPrivateKey(bytes: Uint8Array): string | undefined {
  try {
    return detectKey(bytes, 0);
  } catch (error) {
    // Fail closed: input that cannot be scanned may hold a key, so it is refused as one.
    return `content that could not be scanned for keys (${(error as Error).message})`;
  }
}

/**
 * Private key detection. A public repository must never serve key material, and an operator who
 * copies the wrong file (or a PEM file holding a certificate *and* its key) must be stopped before
 * publication. So the whole file is searched, by content only: text markers anywhere in it (PEM,
 * PGP armour, PuTTY, OpenSSH), and binary key containers at the top level, recognised by their
 * ASN.1 shape or magic number rather than by any name or label.
 */
import { concatBytes, toLatin1 } from '../encoding/bytes.ts';
import {
  algorithmOidOf,
  childrenOf,
  contentOf,
  isContextTag,
  isSequence,
  isUniversal,
  oidOf,
  readElement,
  smallIntegerOf,
  UNIVERSAL,
  type Asn1Element,
} from '../encoding/ber-reader.ts';
import { parsePemBlocks } from '../encoding/pem.ts';
import { OID } from '../pki/oids.ts';

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
  for (const block of parsePemBlocks(text)) {
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

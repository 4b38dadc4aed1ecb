/**
 * Signature verification with node:crypto on a public key read once.
 *
 * pkijs verifies through WebCrypto, which imports the signer's SubjectPublicKeyInfo again for every
 * signature (`crypto.subtle.importKey`, the largest single cost of validating an OCSP response in a
 * CPU profile) and then runs the check as an asynchronous job. A pinned CA's key is fixed for the
 * life of a TrustStore, so it is read into a KeyObject once (PinnedCa.publicKey) and each signature
 * costs one synchronous `crypto.verify`.
 *
 * Only the algorithms a CA repository meets are handled here: ECDSA on P-256, P-384 and P-521 and
 * RSASSA-PKCS1-v1_5, each with SHA-1 or SHA-2. For anything else `verifyWithPublicKey` answers
 * `undefined` and the caller asks pkijs, as before (RSASSA-PSS keeps working that way). Where this
 * path decides, it is never more lenient than pkijs was:
 * - the signature algorithm must belong to the key's type (RFC 5280 §4.1.1.2: the algorithm the CA
 *   used); pkijs picked the scheme from the key alone, so an RSA signature labelled ecdsa-with-SHA256
 *   verified there and is refused here;
 * - an ECDSA signature must be the DER Ecdsa-Sig-Value (RFC 5758 §3.2, RFC 5480 §2.2); OpenSSL refuses
 *   other encodings of (r, s), which a BER reader took.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { OID } from './oids.ts';
import type { HashAlgorithmName } from './hash-algorithms.ts';

interface SignatureScheme {
  keyType: 'ec' | 'rsa';
  hash: HashAlgorithmName;
}

const SCHEMES: Readonly<Record<string, SignatureScheme>> = {
  // RFC 5758 §3.2 (SHA-2), RFC 3279 §2.2.3 (SHA-1): parameters absent.
  [OID.ecdsaWithSha1]: { keyType: 'ec', hash: 'sha1' },
  [OID.ecdsaWithSha256]: { keyType: 'ec', hash: 'sha256' },
  [OID.ecdsaWithSha384]: { keyType: 'ec', hash: 'sha384' },
  [OID.ecdsaWithSha512]: { keyType: 'ec', hash: 'sha512' },
  // RFC 4055 §5 (SHA-2), RFC 3279 §2.2.1 (SHA-1): parameters NULL.
  [OID.sha1WithRsaEncryption]: { keyType: 'rsa', hash: 'sha1' },
  [OID.sha256WithRsaEncryption]: { keyType: 'rsa', hash: 'sha256' },
  [OID.sha384WithRsaEncryption]: { keyType: 'rsa', hash: 'sha384' },
  [OID.sha512WithRsaEncryption]: { keyType: 'rsa', hash: 'sha512' },
};

/** The named curves WebCrypto, and so pkijs, verifies on (RFC 5480 §2.1.1.1): OpenSSL's names. */
const CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** The parts of an AlgorithmIdentifier (RFC 5280 §4.1.1.2) the choice depends on; pkijs's shape. */
export interface SignatureAlgorithm {
  algorithmId: string;
  algorithmParams?: unknown;
}

/**
 * Reads a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) into a KeyObject; undefined when OpenSSL
 * cannot read it (the caller then leaves the verification to pkijs).
 */
export function readPublicKey(spkiDer: Uint8Array): KeyObject | undefined {
  try {
    return createPublicKey({
      key: Buffer.from(spkiDer.buffer, spkiDer.byteOffset, spkiDer.byteLength),
      format: 'der',
      type: 'spki',
    });
  } catch {
    return undefined;
  }
}

/**
 * Verifies `signature` over `signedBytes` with `key`: true or false when this path decided,
 * undefined when the algorithm, its parameters or the key are not ones it handles.
 */
export function verifyWithPublicKey(options: {
  key: KeyObject | undefined;
  algorithm: SignatureAlgorithm;
  signedBytes: Uint8Array;
  signature: Uint8Array;
}): boolean | undefined {
  const { key, algorithm } = options;
  const scheme = SCHEMES[algorithm.algorithmId];
  if (!key || !scheme) return undefined;
  const parameters = algorithm.algorithmParams;
  if (scheme.keyType === 'ec' ? parameters !== undefined : !isAbsentOrNull(parameters)) return undefined;
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa') return undefined;
  if (key.asymmetricKeyType !== scheme.keyType) return false;
  if (scheme.keyType === 'ec' && !CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '')) return undefined;
  try {
    // ECDSA: dsaEncoding 'der' (the default) is the X.509 form; RSA: PKCS #1 v1.5 is the default padding.
    return verify(scheme.hash, options.signedBytes, key, options.signature);
  } catch {
    // OpenSSL throws on some malformed signatures instead of answering false.
    return false;
  }
}

/** pkijs leaves `algorithmParams` unset when absent; an explicit NULL is an asn1js Null. */
function isAbsentOrNull(parameters: unknown): boolean {
  return parameters === undefined || parameters instanceof asn1js.Null;
}

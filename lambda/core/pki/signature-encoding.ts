/**
 * How the pre-signer writes a signature: the AlgorithmIdentifier it names (RFC 5280 §4.1.1.2) and
 * the signature value's encoding. One hash, SHA-256, for both key types: every relying party
 * verifies it, and the CA/B Forum BR §7.1.3.2 list it for OCSP responses and CRLs.
 */
import { DER_NULL, derSequence, derOid, derUnsignedInteger } from '../encoding/der-writer.ts';
import { OID } from './oids.ts';

export type SigningKeyType = 'ec' | 'rsa';

/**
 * ecdsa-with-SHA256 with parameters absent (RFC 5758 §3.2); sha256WithRSAEncryption with NULL
 * parameters (RFC 4055 §5).
 */
export function signatureAlgorithmDer(keyType: SigningKeyType): Uint8Array {
  return keyType === 'ec'
    ? derSequence(derOid(OID.ecdsaWithSha256))
    : derSequence(derOid(OID.sha256WithRsaEncryption), DER_NULL);
}

/**
 * A PKCS#11 CKM_ECDSA signature (r ‖ s, each half the length, PKCS#11 v2.40 §2.3.1) as the DER
 * Ecdsa-Sig-Value that X.509 carries (RFC 5480 §2.2, RFC 5758 §3.2).
 */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.byteLength === 0 || raw.byteLength % 2 !== 0) throw new Error('ECDSA signature is not r ‖ s');
  const half = raw.byteLength / 2;
  return derSequence(derUnsignedInteger(raw.subarray(0, half)), derUnsignedInteger(raw.subarray(half)));
}

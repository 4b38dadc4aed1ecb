/**
 * The words of an OCSP CertID and SingleResponse (RFC 6960 §4.1.1, §4.2.1) that every side spells
 * the same way: the publish gate, the responders, the health probe, the configuration, the CLI and
 * the sentinels file.
 *
 * Dependency-free and ES5-style (var, function): the CloudFront Function reads CertIDs with it.
 */
import {
  HASH_ALGORITHMS,
  HASH_ALGORITHM_OID_DER_HEX,
  hashAlgorithmOfOid,
  type HashAlgorithmName,
} from '../pki/hash-algorithms.ts';

/**
 * CertID hash algorithms answered: every hash of hash-algorithms.ts, with its OID there. SHA-1 is
 * what OpenSSL, Java and Firefox send; RFC 9919 §2.2 lets a response carry SHA-2 CertIDs beside it.
 */
export var CERT_ID_HASHES: readonly HashAlgorithmName[] = HASH_ALGORITHMS;

/** The CertID hash a hashAlgorithm OID names, or undefined when it is not one answered. */
export function certIdHashOfOid(oid: string): HashAlgorithmName | undefined {
  var name = hashAlgorithmOfOid(oid);
  return name && CERT_ID_HASHES.indexOf(name) >= 0 ? name : undefined;
}

/** The CertID hash whose OID has these DER content octets (lowercase hex), or undefined. */
export function certIdHashOfOidContentHex(hex: string): HashAlgorithmName | undefined {
  for (var i = 0; i < CERT_ID_HASHES.length; i++) {
    var name = CERT_ID_HASHES[i] as HashAlgorithmName;
    if (HASH_ALGORITHM_OID_DER_HEX[name] === hex) return name;
  }
  return undefined;
}

export type CertStatus = 'good' | 'revoked' | 'unknown';

/** CertStatus CHOICE alternatives in tag order: good [0], revoked [1], unknown [2] (RFC 6960 §4.2.1). */
export var CERT_STATUSES: readonly CertStatus[] = ['good', 'revoked', 'unknown'];

/** The status a CertStatus CHOICE tag stands for, or undefined for another tag. */
export function certStatusOfTag(tag: number | undefined): CertStatus | undefined {
  return tag === undefined ? undefined : CERT_STATUSES[tag];
}

/**
 * Where a pre-generated OCSP response is stored: one object per CertID (RFC 6960 §4.1.1), keyed by
 * every field a strict client compares (hash algorithm, issuerNameHash, issuerKeyHash, serial),
 * because OpenSSL and Java refuse a response whose CertID hash algorithm differs from the request's.
 *
 * Dependency-free and ES5-style on purpose: the CloudFront Function computes the same key from a
 * GET request (see ocsp-request.ts).
 */
export var OCSP_STORE_PREFIX = '_ocsp/';

export interface CertIdKey {
  /** 'sha1' | 'sha256' | 'sha384' | 'sha512' */
  hashAlgorithm: string;
  issuerNameHashHex: string;
  issuerKeyHashHex: string;
  /** Minimal lowercase hex of the serial INTEGER's content octets. */
  serialHex: string;
}

export function ocspObjectKey(id: CertIdKey): string {
  return (
    OCSP_STORE_PREFIX +
    id.hashAlgorithm +
    '/' +
    id.issuerNameHashHex.toLowerCase() +
    '/' +
    id.issuerKeyHashHex.toLowerCase() +
    '/' +
    id.serialHex.toLowerCase()
  );
}

/**
 * The hash algorithms ca-repo knows, each with its AlgorithmIdentifier OID: the one list behind
 * OCSP CertIDs (lambda/core/ocsp/cert-id.ts), digests (encoding/bytes.ts), CMS signatures
 * (documents/cms.ts) and the signature algorithms verified with node:crypto (signature.ts).
 *
 * Dependency-free and ES5-style (var, function) on purpose: the CloudFront Function names a GET
 * request's CertID hash with it (ocsp/ocsp-request.ts), and esbuild lowers nothing to ES5.
 */
export type HashAlgorithmName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** OID of each hash (RFC 3370 §2.1 for SHA-1, RFC 5754 §2 for SHA-2); parameters absent or NULL. */
export var HASH_ALGORITHM_OID: { readonly [name in HashAlgorithmName]: string } = {
  sha1: '1.3.14.3.2.26', // id-sha1
  sha256: '2.16.840.1.101.3.4.2.1', // id-sha256
  sha384: '2.16.840.1.101.3.4.2.2', // id-sha384
  sha512: '2.16.840.1.101.3.4.2.3', // id-sha512
};

/**
 * The content octets of each OID above in DER (X.690 §8.19), as lowercase hex: what a CertID's
 * hashAlgorithm holds, compared without decoding it to dotted form (the CloudFront Function does
 * this on every GET). A unit test derives them from HASH_ALGORITHM_OID.
 */
export var HASH_ALGORITHM_OID_DER_HEX: { readonly [name in HashAlgorithmName]: string } = {
  sha1: '2b0e03021a',
  sha256: '608648016503040201',
  sha384: '608648016503040202',
  sha512: '608648016503040203',
};

/** Every hash above, weakest first. */
export var HASH_ALGORITHMS: readonly HashAlgorithmName[] = ['sha1', 'sha256', 'sha384', 'sha512'];

/** The WebCrypto name of each hash (`crypto.subtle.digest`, `importKey`). */
export var WEBCRYPTO_HASH: { readonly [name in HashAlgorithmName]: string } = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

/** The hash a dotted OID names, or undefined for any other OID. */
export function hashAlgorithmOfOid(oid: string): HashAlgorithmName | undefined {
  for (var i = 0; i < HASH_ALGORITHMS.length; i++) {
    var name = HASH_ALGORITHMS[i] as HashAlgorithmName;
    if (HASH_ALGORITHM_OID[name] === oid) return name;
  }
  return undefined;
}

/**
 * Where a pre-generated OCSP response is stored: one object per CertID (RFC 6960 §4.1.1), keyed by
 * every field a strict client compares (hash algorithm, issuerNameHash, issuerKeyHash, serial),
 * because OpenSSL and Java refuse a response whose CertID hash algorithm differs from the request's.
 *
 *   _ocsp/<shard>/<CertID hash: sha1|sha256|sha384|sha512>/<issuerNameHash>/<issuerKeyHash>/<serial>
 *
 * `shard` (two hex digits of an FNV-1a hash of the serial) spreads a full refresh of millions of
 * responses over 256 prefixes: S3 sustains about 3,500 PUT/s per prefix, and sequential serials
 * would otherwise share one.
 *
 * Dependency-free and ES5-style on purpose: the CloudFront Function computes the same key from a
 * GET request (see ocsp-request.ts).
 */
export var OCSP_STORE_PREFIX = '_ocsp/';

export interface CertIdKey {
  /** A CERT_ID_HASHES name (cert-id.ts), or `oid-<hex>` for a hash no response can use. */
  hashAlgorithm: string;
  issuerNameHashHex: string;
  issuerKeyHashHex: string;
  /** Minimal lowercase hex of the serial INTEGER's content octets. */
  serialHex: string;
}

/** FNV-1a (32-bit) of a string, low byte as two hex digits; shifts instead of Math.imul (ES5). */
function shardOf(text: string): string {
  var hash = 0x811c9dc5;
  for (var i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    // hash * 16777619 (the FNV prime 2^24 + 2^8 + 0x93) in 32-bit arithmetic
    hash = (hash + (hash << 1) + (hash << 4) + (hash << 7) + (hash << 8) + (hash << 24)) >>> 0;
  }
  var low = hash & 0xff;
  return (low < 16 ? '0' : '') + low.toString(16);
}

export function ocspObjectKey(id: CertIdKey): string {
  var serial = id.serialHex.toLowerCase();
  return (
    OCSP_STORE_PREFIX +
    shardOf(serial) +
    '/' +
    id.hashAlgorithm +
    '/' +
    id.issuerNameHashHex.toLowerCase() +
    '/' +
    id.issuerKeyHashHex.toLowerCase() +
    '/' +
    serial
  );
}

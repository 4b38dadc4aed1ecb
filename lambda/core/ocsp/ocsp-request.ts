/**
 * OCSP request decoding, shared by the CloudFront Function (GET), the Lambda@Edge POST handler and
 * the local CDN. Dependency-free and written in ES5 style (var, function, no classes, arrows,
 * template literals or for-of) because esbuild lowers nothing to ES5 and the CloudFront Functions
 * runtime is ES5.1 plus a few later features.
 *
 * RFC 6960 §4.1.1:
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
 *                              requestorName [1] EXPLICIT GeneralName OPTIONAL,
 *                              requestList SEQUENCE OF Request,
 *                              requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request     ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *   CertID      ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
 *                              issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }
 * Nonces and other extensions are skipped: a pre-produced response cannot echo them (RFC 9919 §4).
 */
import { certIdHashOfOidContentHex } from './cert-id.ts';
import { ocspObjectKey, type CertIdKey } from './ocsp-object-key.ts';

/** Largest request accepted (GET URLs are < 1 KB; POST bodies with a signature a few KB). */
export var MAX_OCSP_REQUEST_BYTES = 16384;
/** Largest hash or serial value kept in an object key. */
var MAX_FIELD_BYTES = 64;

/** Fixed OCSPResponse bodies (RFC 6960 §4.2.1): responseStatus only. */
export var MALFORMED_REQUEST_DER = [0x30, 0x03, 0x0a, 0x01, 0x01];
export var UNAUTHORIZED_DER = [0x30, 0x03, 0x0a, 0x01, 0x06];

/**
 * The CloudFront Function runs this module on every GET, inside one function scope (see
 * edge/build-viewer-request.ts): a global look-up, even `Uint8Array`, is slow in its sandbox as in
 * node:vm. Nothing is computed at load: the runtime may run the top-level code for each request.
 */
var Bytes = Uint8Array;
var HEX = '0123456789abcdef';
function hexOf(bytes: Uint8Array, start: number, end: number): string {
  var out = '';
  for (var i = start; i < end; i++) {
    var b = bytes[i] as number;
    out += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return out;
}

/** Content start of the TLV readTlv read last (one reader, no object per TLV: every GET runs it). */
var tlvStart = 0;
/** Tag of the TLV readTlv read last. */
var tlvTag = 0;

/**
 * Reads one DER TLV at `offset` that must end by `limit` and, unless `tag` is -1, carry that tag.
 * Returns the offset just past it, its content start in `tlvStart` and its tag in `tlvTag`; -1
 * when malformed. Only low tag numbers and definite lengths of up to 3 length octets (DER, X.690
 * §10.1) are accepted.
 */
function readTlv(bytes: Uint8Array, offset: number, limit: number, tag: number): number {
  if (offset < 0 || offset + 2 > limit) return -1;
  var found = bytes[offset] as number;
  if ((found & 0x1f) === 0x1f || (tag >= 0 && found !== tag)) return -1; // high tag numbers never occur
  var first = bytes[offset + 1] as number;
  var position = offset + 2;
  var length = first;
  if (first & 0x80) {
    var count = first & 0x7f;
    if (count === 0 || count > 3 || position + count > limit) return -1; // indefinite or oversized
    length = 0;
    for (var i = 0; i < count; i++) length = length * 256 + (bytes[position + i] as number);
    position += count;
    if (length < 128 || (count > 1 && (bytes[offset + 2] as number) === 0)) return -1; // not minimal (DER)
  }
  if (position + length > limit) return -1;
  tlvStart = position;
  tlvTag = found;
  return position + length;
}

/** Parses a DER OCSPRequest; returns the first request's CertID, or null when malformed. */
export function parseOcspRequest(bytes: Uint8Array): CertIdKey | null {
  return parseRequestOctets(bytes, bytes.length);
}

/** parseOcspRequest of the first `size` octets of `bytes` (a GET decodes into a larger buffer). */
function parseRequestOctets(bytes: Uint8Array, size: number): CertIdKey | null {
  if (size > MAX_OCSP_REQUEST_BYTES || readTlv(bytes, 0, size, 0x30) !== size) return null; // trailing garbage
  var tbsEnd = readTlv(bytes, tlvStart, size, 0x30);
  var tbsStart = tlvStart;
  if (tbsEnd < 0 || (tbsEnd < size && readTlv(bytes, tbsEnd, size, 0xa0) !== size)) return null; // optionalSignature
  var end = readTlv(bytes, tbsStart, tbsEnd, -1);
  if (end >= 0 && tlvTag === 0xa0) end = readTlv(bytes, end, tbsEnd, -1); // version
  if (end >= 0 && tlvTag === 0xa1) end = readTlv(bytes, end, tbsEnd, -1); // requestorName
  if (end < 0 || tlvTag !== 0x30) return null; // requestList
  var listEnd = end;
  var listStart = tlvStart;
  if (listEnd < tbsEnd && readTlv(bytes, listEnd, tbsEnd, 0xa2) !== tbsEnd) return null; // requestExtensions
  var firstEnd = readTlv(bytes, listStart, listEnd, 0x30); // at least one Request
  var firstStart = tlvStart;
  // Every further Request must still be well formed, though only the first is answered.
  for (var next = firstEnd; next >= 0 && next < listEnd;) next = readTlv(bytes, next, listEnd, 0x30);
  if (firstEnd < 0 || next < 0) return null;
  var certIdEnd = readTlv(bytes, firstStart, firstEnd, 0x30);
  var certIdStart = tlvStart;
  if (certIdEnd < 0 || (certIdEnd < firstEnd && readTlv(bytes, certIdEnd, firstEnd, 0xa0) !== firstEnd))
    return null; // singleRequestExtensions
  var algorithmEnd = readTlv(bytes, certIdStart, certIdEnd, 0x30);
  var oidEnd = readTlv(bytes, tlvStart, algorithmEnd, 0x06);
  var oidStart = tlvStart;
  // parameters: NULL or absent (RFC 5754 §2)
  if (
    oidEnd <= oidStart ||
    (oidEnd < algorithmEnd && readTlv(bytes, oidEnd, algorithmEnd, -1) !== algorithmEnd)
  )
    return null;
  var nameHashEnd = readTlv(bytes, algorithmEnd, certIdEnd, 0x04);
  var nameHashStart = tlvStart;
  var keyHashEnd = readTlv(bytes, nameHashEnd, certIdEnd, 0x04);
  var keyHashStart = tlvStart;
  var serialEnd = readTlv(bytes, keyHashEnd, certIdEnd, 0x02);
  var serialStart = tlvStart;
  if (
    nameHashEnd < 0 ||
    keyHashEnd < 0 ||
    serialEnd !== certIdEnd ||
    serialEnd === serialStart ||
    nameHashEnd - nameHashStart > MAX_FIELD_BYTES ||
    keyHashEnd - keyHashStart > MAX_FIELD_BYTES ||
    serialEnd - serialStart > MAX_FIELD_BYTES
  ) {
    return null;
  }
  // Compared as DER content octets: a non-DER encoding of a known OID matches none, as before.
  var oidHex = hexOf(bytes, oidStart, oidEnd);
  // Redundant leading zero octets dropped (BER allows them, DER does not), as the publish side does.
  while (serialEnd - serialStart > 1 && bytes[serialStart] === 0) serialStart++;
  return {
    // An unsupported hash algorithm still parses: it is answered `unauthorized`, not malformed.
    hashAlgorithm: certIdHashOfOidContentHex(oidHex) || 'oid-' + oidHex,
    issuerNameHashHex: hexOf(bytes, nameHashStart, nameHashEnd),
    issuerKeyHashHex: hexOf(bytes, keyHashStart, keyHashEnd),
    serialHex: hexOf(bytes, serialStart, serialEnd),
  };
}

/** Value of a hex digit's character code, or -1. */
function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/** Base64 value of a character code, standard or URL-safe alphabet (`-` `_`), or -1 (exported for its test). */
export function base64Value(c: number): number {
  return c >= 65 && c <= 90
    ? c - 65
    : c >= 97 && c <= 122
      ? c - 71
      : c >= 48 && c <= 57
        ? c + 4
        : c === 43 || c === 45
          ? 62
          : c === 47 || c === 95
            ? 63
            : -1;
}

/**
 * Decodes the part of a GET URL after the OCSP prefix (RFC 6960 Appendix A.1: the URL-encoding of
 * the base64 of the DER request) leniently, as real clients and proxies send it: percent-escapes
 * (including %2F), `+` arriving as a space, leading or doubled slashes added by clients joining
 * URLs, missing padding, base64url. With `collapse`, each `//` reads as one `/` (a proxy merged
 * them inside the base64, or a client doubled a separator).
 *
 * One pass over character codes, building no strings: the CloudFront Function runs this on every
 * GET. It answers what decodeURIComponent, then base64 decoding, would: any escape that is not two
 * hex digits, or decodes to a non-ASCII character, can never be base64, so it is null here.
 * Returns the CertID of the decoded request (parseOcspRequest), or null.
 */
function decodeGetPath(path: string, collapse: boolean): CertIdKey | null {
  var size = path.length;
  var out = new Bytes((size * 3) >> 2);
  var length = 0; // characters after the leading slashes, as sent (the size limit's measure)
  var count = 0; // base64 characters read
  var index = 0;
  var buffer = 0;
  var bits = 0;
  var padding = false;
  var slashes = 0; // collapse: slashes in the current run, read when the run ends
  for (var i = 0; i <= size; i++) {
    var c = 47;
    if (i < size) {
      c = path.charCodeAt(i);
      if (c === 37) {
        var high = hexDigit(path.charCodeAt(i + 1));
        var low = hexDigit(path.charCodeAt(i + 2));
        if (high < 0 || low < 0 || high > 7) return null;
        c = high * 16 + low;
        i += 2;
      }
      if (c === 32) c = 43; // '+' arrived as a space
      if (length === 0 && c === 47) continue; // leading slashes
      length++;
      if (collapse && c === 47) {
        slashes++;
        continue;
      }
    } else if (!slashes) break;
    // A run of n slashes reads as ceil(n / 2) when collapsing (each `//` pair becomes one `/`);
    // past the end only the run is left to read.
    var run = (slashes + 1) >> 1;
    slashes = 0;
    for (var k = 0; k <= run; k++) {
      var read = c;
      if (k < run) read = 47;
      else if (i >= size) break;
      else if (c === 61) {
        padding = true;
        continue;
      }
      var value = padding ? -1 : base64Value(read);
      if (value < 0) return null;
      count++;
      buffer = ((buffer << 6) | value) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[index++] = (buffer >> bits) & 0xff;
      }
    }
  }
  if (length === 0 || length > (MAX_OCSP_REQUEST_BYTES * 4) / 3 + 4 || count % 4 === 1) return null;
  return parseRequestOctets(out, index);
}

/** The first request's CertID of a GET path, or null (tried as sent, then with `//` collapsed). */
function certIdOfGetPath(path: string): CertIdKey | null {
  return decodeGetPath(path, false) || decodeGetPath(path, true);
}

/** The OCSP store key for a GET path, or null when the path is not a well-formed request. */
export function ocspObjectKeyForGetPath(path: string): string | null {
  var certId = certIdOfGetPath(path);
  return certId ? ocspObjectKey(certId) : null;
}

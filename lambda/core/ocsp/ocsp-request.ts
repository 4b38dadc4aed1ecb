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

var HEX = '0123456789abcdef';
function hexOf(bytes: Uint8Array, start: number, end: number): string {
  var out = '';
  for (var i = start; i < end; i++) {
    var b = bytes[i] as number;
    out += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return out;
}

interface Tlv {
  tag: number;
  /** Offset of the first content octet. */
  start: number;
  /** Offset just past the last content octet. */
  end: number;
}

/**
 * Reads one DER TLV at `offset` that must end by `limit`. Only low tag numbers and definite
 * lengths of up to 3 length octets (DER, X.690 §10.1) are accepted; anything else is malformed.
 */
function readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv | null {
  if (offset + 2 > limit) return null;
  var tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) return null; // high tag numbers never occur in OCSP requests
  var first = bytes[offset + 1] as number;
  var position = offset + 2;
  var length = first;
  if (first & 0x80) {
    var count = first & 0x7f;
    if (count === 0 || count > 3 || position + count > limit) return null; // indefinite or oversized
    length = 0;
    for (var i = 0; i < count; i++) length = length * 256 + (bytes[position + i] as number);
    position += count;
    if (length < 128 || (count > 1 && (bytes[offset + 2] as number) === 0)) return null; // not minimal (DER)
  }
  if (position + length > limit) return null;
  return { tag: tag, start: position, end: position + length };
}

/** Parses a DER OCSPRequest; returns the first request's CertID, or null when malformed. */
export function parseOcspRequest(bytes: Uint8Array): CertIdKey | null {
  if (bytes.length > MAX_OCSP_REQUEST_BYTES) return null;
  var request = readTlv(bytes, 0, bytes.length);
  if (!request || request.tag !== 0x30 || request.end !== bytes.length) return null; // trailing garbage
  var tbs = readTlv(bytes, request.start, request.end);
  if (!tbs || tbs.tag !== 0x30) return null;
  if (tbs.end < request.end) {
    var signature = readTlv(bytes, tbs.end, request.end);
    if (!signature || signature.tag !== 0xa0 || signature.end !== request.end) return null;
  }
  var cursor = tbs.start;
  var element = readTlv(bytes, cursor, tbs.end);
  if (element && element.tag === 0xa0) {
    cursor = element.end; // version
    element = readTlv(bytes, cursor, tbs.end);
  }
  if (element && element.tag === 0xa1) {
    cursor = element.end; // requestorName
    element = readTlv(bytes, cursor, tbs.end);
  }
  if (!element || element.tag !== 0x30) return null; // requestList
  var requestList = element;
  if (requestList.end < tbs.end) {
    var extensions = readTlv(bytes, requestList.end, tbs.end);
    if (!extensions || extensions.tag !== 0xa2 || extensions.end !== tbs.end) return null;
  }
  var first = readTlv(bytes, requestList.start, requestList.end);
  if (!first || first.tag !== 0x30) return null; // at least one Request
  // Every further Request must still be well formed, though only the first is answered.
  var next = first.end;
  while (next < requestList.end) {
    var other = readTlv(bytes, next, requestList.end);
    if (!other || other.tag !== 0x30) return null;
    next = other.end;
  }
  var certId = readTlv(bytes, first.start, first.end);
  if (!certId || certId.tag !== 0x30) return null;
  if (certId.end < first.end) {
    var singleExtensions = readTlv(bytes, certId.end, first.end);
    if (!singleExtensions || singleExtensions.tag !== 0xa0 || singleExtensions.end !== first.end) return null;
  }
  var algorithm = readTlv(bytes, certId.start, certId.end);
  if (!algorithm || algorithm.tag !== 0x30) return null;
  var oid = readTlv(bytes, algorithm.start, algorithm.end);
  if (!oid || oid.tag !== 0x06 || oid.end === oid.start) return null;
  if (oid.end < algorithm.end) {
    var parameters = readTlv(bytes, oid.end, algorithm.end); // NULL or absent (RFC 5754 §2)
    if (!parameters || parameters.end !== algorithm.end) return null;
  }
  var nameHash = readTlv(bytes, algorithm.end, certId.end);
  if (!nameHash || nameHash.tag !== 0x04) return null;
  var keyHash = readTlv(bytes, nameHash.end, certId.end);
  if (!keyHash || keyHash.tag !== 0x04) return null;
  var serial = readTlv(bytes, keyHash.end, certId.end);
  if (!serial || serial.tag !== 0x02 || serial.end !== certId.end || serial.end === serial.start) return null;
  if (
    nameHash.end - nameHash.start > MAX_FIELD_BYTES ||
    keyHash.end - keyHash.start > MAX_FIELD_BYTES ||
    serial.end - serial.start > MAX_FIELD_BYTES
  ) {
    return null;
  }
  // Compared as DER content octets: a non-DER encoding of a known OID matches none, as before.
  var oidHex = hexOf(bytes, oid.start, oid.end);
  return {
    // An unsupported hash algorithm still parses: it is answered `unauthorized`, not malformed.
    hashAlgorithm: certIdHashOfOidContentHex(oidHex) || 'oid-' + oidHex,
    issuerNameHashHex: hexOf(bytes, nameHash.start, nameHash.end),
    issuerKeyHashHex: hexOf(bytes, keyHash.start, keyHash.end),
    serialHex: minimalSerialHex(hexOf(bytes, serial.start, serial.end)),
  };
}

/** Drops redundant leading zero octets (BER allows them, DER does not), as the publish side does. */
function minimalSerialHex(hex: string): string {
  while (hex.length > 2 && hex.charAt(0) === '0' && hex.charAt(1) === '0') hex = hex.substring(2);
  return hex;
}

/** Value of a hex digit's character code, or -1. */
function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/** Base64 value of a character code, standard or URL-safe alphabet (`-` `_`), or -1. */
function base64Value(c: number): number {
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
 */
function decodeGetPath(path: string, collapse: boolean): Uint8Array | null {
  var out = new Uint8Array((path.length * 3) >> 2);
  var length = 0; // characters after the leading slashes, as sent (the size limit's measure)
  var count = 0; // base64 characters read
  var index = 0;
  var buffer = 0;
  var bits = 0;
  var padding = false;
  var slashes = 0; // collapse: slashes in the current run
  for (var i = 0; i <= path.length; i++) {
    var c = 47;
    if (i < path.length) {
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
    }
    // A run of n slashes reads as ceil(n / 2) when collapsing (each `//` pair becomes one `/`).
    var run = collapse ? (slashes + 1) >> 1 : 0;
    slashes = 0;
    for (var k = 0; k <= run; k++) {
      var code = k < run ? 47 : c;
      if (k === run && i >= path.length) break; // past the end: no character, only the run
      if (code === 61) {
        padding = true;
        continue;
      }
      var value = padding ? -1 : base64Value(code);
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
  return out.subarray(0, index);
}

/** The first request's CertID of a GET path, or null (tried as sent, then with `//` collapsed). */
function certIdOfGetPath(path: string): CertIdKey | null {
  var decoded = decodeGetPath(path, false);
  var certId = decoded && parseOcspRequest(decoded);
  if (certId) return certId;
  decoded = decodeGetPath(path, true);
  return (decoded && parseOcspRequest(decoded)) || null;
}

/** The OCSP store key for a GET path, or null when the path is not a well-formed request. */
export function ocspObjectKeyForGetPath(path: string): string | null {
  var certId = certIdOfGetPath(path);
  return certId ? ocspObjectKey(certId) : null;
}

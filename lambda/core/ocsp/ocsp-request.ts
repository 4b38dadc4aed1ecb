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
import { certIdHashOfOid } from './cert-id.ts';
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
  var dotted = dottedOid(bytes, oid.start, oid.end);
  return {
    // An unsupported hash algorithm still parses: it is answered `unauthorized`, not malformed.
    hashAlgorithm: (dotted && certIdHashOfOid(dotted)) || 'oid-' + hexOf(bytes, oid.start, oid.end),
    issuerNameHashHex: hexOf(bytes, nameHash.start, nameHash.end),
    issuerKeyHashHex: hexOf(bytes, keyHash.start, keyHash.end),
    serialHex: minimalSerialHex(hexOf(bytes, serial.start, serial.end)),
  };
}

/**
 * The dotted form of an OBJECT IDENTIFIER's content octets (X.690 §8.19), or null when they are
 * not DER: a sub-identifier padded with a leading 0x80 octet, or the last one cut short. Only
 * compared with the CertID hash OIDs: an arc too large for a double cannot round to their arcs.
 */
function dottedOid(bytes: Uint8Array, start: number, end: number): string | null {
  var arcs: number[] = [];
  var value = 0;
  for (var i = start; i < end; i++) {
    var b = bytes[i] as number;
    if (value === 0 && b === 0x80) return null;
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  if ((bytes[end - 1] as number) & 0x80) return null;
  var first = arcs[0] as number;
  var top = first < 80 ? Math.floor(first / 40) : 2; // the first octets hold 40 * arc1 + arc2
  return top + '.' + (first - 40 * top) + (arcs.length > 1 ? '.' + arcs.slice(1).join('.') : '');
}

/** Drops redundant leading zero octets (BER allows them, DER does not), as the publish side does. */
function minimalSerialHex(hex: string): string {
  while (hex.length > 2 && hex.charAt(0) === '0' && hex.charAt(1) === '0') hex = hex.substring(2);
  return hex;
}

var BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes standard or URL-safe base64, padding optional; null on any other character. */
function decodeBase64Lenient(text: string): Uint8Array | null {
  var clean = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (clean.length % 4 === 1) return null;
  var out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  var buffer = 0;
  var bits = 0;
  var index = 0;
  for (var i = 0; i < clean.length; i++) {
    var value = BASE64.indexOf(clean.charAt(i));
    if (value < 0) return null;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}

/**
 * Decodes the part of a GET URL after the OCSP prefix (RFC 6960 Appendix A.1: the URL-encoding of
 * the base64 of the DER request) leniently, as real clients and proxies send it: percent-escapes
 * (including %2F), `+` arriving as a space, leading or doubled slashes added by clients joining
 * URLs, missing padding, base64url.
 */
function decodeOcspGetPath(path: string): Uint8Array | null {
  var unescaped: string;
  try {
    unescaped = decodeURIComponent(path);
  } catch (_error) {
    return null; // ES5 needs the catch binding
  }
  var text = unescaped.replace(/ /g, '+').replace(/^\/+/, '');
  if (text.length === 0 || text.length > (MAX_OCSP_REQUEST_BYTES * 4) / 3 + 4) return null;
  var decoded = decodeBase64Lenient(text);
  if (decoded && parseOcspRequest(decoded)) return decoded;
  // A proxy may have merged `//` inside the base64 into one `/`; or a client doubled a separator.
  var collapsed = text.replace(/\/\//g, '/');
  if (collapsed !== text) {
    decoded = decodeBase64Lenient(collapsed);
    if (decoded && parseOcspRequest(decoded)) return decoded;
  }
  return null;
}

/** The OCSP store key for a GET path, or null when the path is not a well-formed request. */
export function ocspObjectKeyForGetPath(path: string): string | null {
  var der = decodeOcspGetPath(path);
  var certId = der ? parseOcspRequest(der) : null;
  return certId ? ocspObjectKey(certId) : null;
}

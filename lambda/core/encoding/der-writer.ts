/**
 * A small DER writer (X.690 §10) for the structures the pre-signer produces by the million: OCSP
 * responses and CRLs. Building them through pkijs/asn1js costs a schema tree per structure; these
 * functions concatenate octets, so encoding stays a small part of a signature's cost.
 *
 * Only what DER needs for those structures: definite minimal lengths, low tag numbers, and the
 * universal types below. Times are whole seconds in UTC (RFC 5280 §4.1.2.5).
 */
import { concatBytes, fromHex } from './bytes.ts';

/** Universal tags (X.680 §8.6) and the tag octets built from them. */
export const DER_TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The length octets of X.690 §8.1.3, in their shortest (DER) form. */
function lengthOctets(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** One element: tag octet, length, contents (copied once, straight into place). */
export function derTlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of contents) size += part.byteLength;
  const length = lengthOctets(size);
  const out = new Uint8Array(1 + length.byteLength + size);
  out[0] = tag;
  out.set(length, 1);
  let offset = 1 + length.byteLength;
  for (const part of contents) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** How many octets a tag and its length take (X.690 §8.1.2-§8.1.3: low tag number, DER length). */
export function derHeaderSize(length: number): number {
  return length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : length < 0x1000000 ? 5 : 6;
}

/**
 * Writes a tag and its minimal definite length at `at` in `out`, returning the offset after them:
 * for encoders that size a whole structure first and fill one buffer, instead of one per element.
 */
export function putDerHeader(out: Uint8Array, at: number, tag: number, length: number): number {
  out[at++] = tag;
  if (length < 0x80) {
    out[at++] = length;
    return at;
  }
  const octets = derHeaderSize(length) - 2;
  out[at++] = 0x80 | octets;
  for (let i = octets - 1; i >= 0; i--) out[at++] = (length >>> (8 * i)) & 0xff;
  return at;
}

export function derSequence(...items: Uint8Array[]): Uint8Array {
  return derTlv(DER_TAG.sequence, ...items);
}

/** [n] EXPLICIT: a constructed context-specific tag around the element(s). */
export function derExplicit(tagNumber: number, ...items: Uint8Array[]): Uint8Array {
  return derTlv(0xa0 | tagNumber, ...items);
}

/** [n] IMPLICIT on a primitive: the contents octets under a context-specific primitive tag. */
export function derImplicitPrimitive(tagNumber: number, contents: Uint8Array): Uint8Array {
  return derTlv(0x80 | tagNumber, contents);
}

/** [n] IMPLICIT on a constructed type (a SEQUENCE's contents under the context tag). */
export function derImplicitConstructed(tagNumber: number, ...items: Uint8Array[]): Uint8Array {
  return derTlv(0xa0 | tagNumber, ...items);
}

export const DER_NULL = Uint8Array.of(DER_TAG.null, 0);

/** A non-negative INTEGER from its unsigned big-endian magnitude (minimal, with a sign octet if needed). */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.byteLength - 1 && magnitude[start] === 0) start++;
  const minimal = magnitude.subarray(start);
  const body =
    minimal.byteLength === 0
      ? Uint8Array.of(0)
      : (minimal[0] ?? 0) >= 0x80
        ? concatBytes([Uint8Array.of(0), minimal])
        : minimal;
  return derTlv(DER_TAG.integer, body);
}

/** A positive INTEGER from hex (a certificate serial, RFC 5280 §4.1.2.2). */
export function derIntegerFromHex(hex: string): Uint8Array {
  return derUnsignedInteger(fromHex(hex.length % 2 === 0 ? hex : `0${hex}`));
}

export function derIntegerFromBigInt(value: bigint): Uint8Array {
  if (value < 0n) throw new Error('only non-negative INTEGERs are written');
  return derIntegerFromHex(value.toString(16));
}

export function derSmallInteger(value: number): Uint8Array {
  return derIntegerFromBigInt(BigInt(value));
}

export function derEnumerated(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 127) throw new Error('ENUMERATED out of range');
  return derTlv(DER_TAG.enumerated, Uint8Array.of(value));
}

export function derBoolean(value: boolean): Uint8Array {
  return derTlv(DER_TAG.boolean, Uint8Array.of(value ? 0xff : 0));
}

export function derOctetString(contents: Uint8Array): Uint8Array {
  return derTlv(DER_TAG.octetString, contents);
}

/** A BIT STRING of whole octets (no unused bits): signatures, keys. */
export function derBitString(contents: Uint8Array): Uint8Array {
  return derTlv(DER_TAG.bitString, Uint8Array.of(0), contents);
}

/**
 * Encodings asked for again and again in one run (the same OIDs and times in every response), kept
 * so that encoding stays cheap next to signing. Bounded: past the limit the memory starts again.
 */
const MEMO_LIMIT = 1024;
function memo<K>(cache: Map<K, Uint8Array>, key: K, encode: () => Uint8Array): Uint8Array {
  let value = cache.get(key);
  if (!value) {
    if (cache.size >= MEMO_LIMIT) cache.clear();
    value = encode();
    cache.set(key, value);
  }
  return value;
}
const oidCache = new Map<string, Uint8Array>();
const generalizedTimeCache = new Map<number, Uint8Array>();

/** OBJECT IDENTIFIER (X.690 §8.19) from its dotted form. */
export function derOid(dotted: string): Uint8Array {
  return memo(oidCache, dotted, () => encodeOid(dotted));
}

function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  if (arcs.length < 2) throw new Error(`OID ${dotted} has fewer than two arcs`);
  const values = [(arcs[0] as bigint) * 40n + (arcs[1] as bigint), ...arcs.slice(2)];
  const octets: number[] = [];
  for (const value of values) {
    const group: number[] = [Number(value & 0x7fn)];
    for (let rest = value >> 7n; rest > 0n; rest >>= 7n) group.unshift(Number(rest & 0x7fn) | 0x80);
    octets.push(...group);
  }
  return derTlv(DER_TAG.oid, Uint8Array.from(octets));
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function timeText(date: Date, yearDigits: 2 | 4): Uint8Array {
  const year = date.getUTCFullYear();
  const text =
    (yearDigits === 4 ? pad(year, 4) : pad(year % 100)) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  return new TextEncoder().encode(text);
}

/** GeneralizedTime YYYYMMDDHHMMSSZ, whole seconds (RFC 5280 §4.1.2.5.2; RFC 6960 times). */
export function derGeneralizedTime(date: Date): Uint8Array {
  return memo(generalizedTimeCache, date.getTime(), () => derTlv(DER_TAG.generalizedTime, timeText(date, 4)));
}

/**
 * Time (RFC 5280 §4.1.2.5, §5.1.2.4): UTCTime through 2049, GeneralizedTime from 2050, as CRL
 * thisUpdate, nextUpdate and revocationDate must be written.
 */
export function derTime(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? derTlv(DER_TAG.utcTime, timeText(date, 2)) : derGeneralizedTime(date);
}

/** Extension (RFC 5280 §4.1): extnID, critical (only when TRUE: DER omits the default), extnValue. */
export function derExtension(oid: string, valueDer: Uint8Array, critical = false): Uint8Array {
  return derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(valueDer));
}

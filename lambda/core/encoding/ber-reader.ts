/**
 * A small BER reader (X.690 §8.1) for shape checks on untrusted bytes (key detection, content
 * classification): it reads headers only, never throws, never recurses further than MAX_DEPTH,
 * and can read a truncated element leniently (a key cut short is still key material).
 */
// ---------------------------------------------------------------------------------------------

/** Identifier octet classes (X.690 §8.1.2.2). */
export const TAG_CLASS = { universal: 0, application: 1, context: 2, private: 3 } as const;

/** Universal tag numbers we look at (X.680 §8.4, Table 1). */
export const UNIVERSAL = {
  integer: 2,
  bitString: 3,
  octetString: 4,
  objectIdentifier: 6,
  enumerated: 10,
  sequence: 16,
  set: 17,
  utcTime: 23,
  generalizedTime: 24,
} as const;

/** Deeper than any certificate, CRL, OCSP response or CMS signature nests; bounds the recursion. */
export const MAX_DEPTH = 32;

/** One element, located but not decoded. Offsets index the byte array it was read from. */
export interface Asn1Element {
  tagClass: number;
  constructed: boolean;
  tagNumber: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the contents (before the end-of-contents octets of the indefinite form). */
  contentEnd: number;
  /** Offset just past the whole element. */
  end: number;
  /** Indefinite length form (X.690 §8.1.3.6): BER, never DER. */
  indefinite: boolean;
  /** Lenient reads only: the element runs past the available bytes and was cut at the limit. */
  truncated: boolean;
}

export interface ReadOptions {
  /** Accept an element that runs past `limit`, marked `truncated`, instead of refusing it. */
  lenient?: boolean;
}

/**
 * Reads the element at `offset` (not past `limit`). Undefined when the octets are not a BER
 * element, or when it runs past `limit` and the read is not lenient.
 */
export function readElement(
  bytes: Uint8Array,
  offset: number,
  limit: number = bytes.byteLength,
  options: ReadOptions = {},
  depth = 0,
): Asn1Element | undefined {
  if (depth > MAX_DEPTH || offset >= limit) return undefined;
  let pos = offset;
  const identifier = bytes[pos++] ?? 0;
  let tagNumber = identifier & 0x1f;
  if (tagNumber === 0x1f) {
    // High tag number form (X.690 §8.1.2.4): base-128 digits; four are more than any real tag.
    tagNumber = 0;
    for (let digits = 0; ; digits++) {
      if (digits === 4 || pos >= limit) return undefined;
      const octet = bytes[pos++] ?? 0;
      tagNumber = tagNumber * 128 + (octet & 0x7f);
      if ((octet & 0x80) === 0) break;
    }
  }
  if (pos >= limit) return undefined;
  const lengthOctet = bytes[pos++] ?? 0;
  const lenient = options.lenient === true;
  const header: ElementHeader = { identifier, tagNumber, start: offset };

  if (lengthOctet === 0x80) {
    // Indefinite form (X.690 §8.1.3.6): constructed only; the contents end at 00 00.
    if ((identifier & 0x20) === 0) return undefined;
    const contentStart = pos;
    while (pos < limit) {
      if (pos + 1 < limit && bytes[pos] === 0 && bytes[pos + 1] === 0) {
        return makeElement(header, contentStart, pos, pos + 2, true, false);
      }
      const child = readElement(bytes, pos, limit, options, depth + 1);
      if (!child) break;
      pos = child.end;
      if (child.truncated) break;
    }
    return lenient ? makeElement(header, contentStart, limit, limit, true, true) : undefined;
  }

  let length = lengthOctet;
  if (lengthOctet & 0x80) {
    // Long form (X.690 §8.1.3.5). 0xff is reserved; more than four octets is no file we handle.
    const count = lengthOctet & 0x7f;
    if (count > 4 || lengthOctet === 0xff || pos + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[pos++] ?? 0);
  }
  const contentStart = pos;
  const declaredEnd = contentStart + length;
  if (declaredEnd <= limit) return makeElement(header, contentStart, declaredEnd, declaredEnd, false, false);
  return lenient ? makeElement(header, contentStart, limit, limit, false, true) : undefined;
}

interface ElementHeader {
  identifier: number;
  tagNumber: number;
  start: number;
}

/** Builds every element with one object shape (a spread of a shared header made V8 ~50x slower). */
function makeElement(
  header: ElementHeader,
  contentStart: number,
  contentEnd: number,
  end: number,
  indefinite: boolean,
  truncated: boolean,
): Asn1Element {
  return {
    tagClass: header.identifier >> 6,
    constructed: (header.identifier & 0x20) !== 0,
    tagNumber: header.tagNumber,
    start: header.start,
    contentStart,
    contentEnd,
    end,
    indefinite,
    truncated,
  };
}

/**
 * The first `max` children of a constructed element. Stops early at octets that are not an
 * element, and after a truncated child (nothing can follow it).
 */
export function childrenOf(
  bytes: Uint8Array,
  parent: Asn1Element | undefined,
  max = 16,
  options: ReadOptions = {},
): Asn1Element[] {
  const children: Asn1Element[] = [];
  if (!parent?.constructed) return children;
  let pos = parent.contentStart;
  while (pos < parent.contentEnd && children.length < max) {
    const child = readElement(bytes, pos, parent.contentEnd, options);
    if (!child) break;
    children.push(child);
    if (child.truncated) break;
    pos = child.end;
  }
  return children;
}

export function isUniversal(element: Asn1Element | undefined, tagNumber: number): element is Asn1Element {
  return element?.tagClass === TAG_CLASS.universal && element.tagNumber === tagNumber;
}

export function isSequence(element: Asn1Element | undefined): element is Asn1Element {
  return isUniversal(element, UNIVERSAL.sequence) && element.constructed;
}

export function isContextTag(element: Asn1Element | undefined, tagNumber: number): element is Asn1Element {
  return element?.tagClass === TAG_CLASS.context && element.tagNumber === tagNumber;
}

export function contentOf(bytes: Uint8Array, element: Asn1Element): Uint8Array {
  return bytes.subarray(element.contentStart, element.contentEnd);
}

/** A small non-negative INTEGER or ENUMERATED value (X.690 §8.3), undefined when larger or negative. */
export function smallIntegerOf(bytes: Uint8Array, element: Asn1Element | undefined): number | undefined {
  if (!element || element.constructed) return undefined;
  if (!isUniversal(element, UNIVERSAL.integer) && !isUniversal(element, UNIVERSAL.enumerated))
    return undefined;
  const content = contentOf(bytes, element);
  if (content.byteLength === 0 || content.byteLength > 4 || (content[0] ?? 0) & 0x80) return undefined;
  return content.reduce((value, octet) => value * 256 + octet, 0);
}

/** Dotted form of an OBJECT IDENTIFIER (X.690 §8.19), undefined when malformed. */
export function oidOf(bytes: Uint8Array, element: Asn1Element | undefined): string | undefined {
  if (!isUniversal(element, UNIVERSAL.objectIdentifier) || element.constructed) return undefined;
  const content = contentOf(bytes, element);
  if (content.byteLength === 0 || content.byteLength > 128) return undefined;
  const arcs: number[] = [];
  let value = 0;
  let digits = 0;
  for (const octet of content) {
    // Seven digits (49 bits) stay exact in a double; no real arc is longer.
    if (digits === 0 && octet === 0x80) return undefined;
    if (++digits > 7) return undefined;
    value = value * 128 + (octet & 0x7f);
    if ((octet & 0x80) === 0) {
      arcs.push(value);
      value = 0;
      digits = 0;
    }
  }
  if (digits !== 0) return undefined;
  const first = arcs[0] ?? 0;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** AlgorithmIdentifier (RFC 5280 §4.1.1.2): SEQUENCE { OBJECT IDENTIFIER, parameters ANY OPTIONAL }. */
export function algorithmOidOf(bytes: Uint8Array, element: Asn1Element | undefined): string | undefined {
  if (!isSequence(element)) return undefined;
  return oidOf(bytes, childrenOf(bytes, element, 1, { lenient: true })[0]);
}

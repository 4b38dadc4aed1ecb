/**
 * Embedded PDF signatures (ISO 32000-1 §12.8, ETSI EN 319 142-1 PAdES), read from the raw bytes.
 *
 * A signature dictionary is not necessarily reachable without parsing the whole document
 * (incremental updates, compressed cross-reference streams), but it is never itself compressed:
 * its /ByteRange must point into the file as written (§12.8.1). So every `/ByteRange` key is
 * located in the latin1 text, the dictionary around it is parsed with a small tokenizer (§7.2,
 * §7.3), and its /Contents hex string is read from the same dictionary, wherever it sits.
 */
import { parseBer } from '../encoding/asn1.ts';
import { toLatin1 } from '../encoding/bytes.ts';

export interface EmbeddedSignature {
  /** [offset, length, offset, length] of the signed bytes (ISO 32000-1 §12.8.1, Table 252). */
  byteRange: [number, number, number, number];
  /** The CMS DER in /Contents, without the zero padding reserved for it. */
  contents: Uint8Array;
  /** /SubFilter name without the slash, e.g. `adbe.pkcs7.detached`, `ETSI.CAdES.detached`. */
  subFilter?: string;
  /** File offsets of the /Contents hex string: its `<` and one past its `>`. */
  contentsSpan: [number, number];
}

/** ISO 32000-1 §7.5.2: the `%PDF-` header; readers accept it anywhere in the first 1024 bytes. */
export function isPdf(bytes: Uint8Array): boolean {
  return toLatin1(bytes.subarray(0, 1024)).includes('%PDF-');
}

/** Every signature dictionary in the file, in file order. */
export function findEmbeddedSignatures(pdf: Uint8Array): EmbeddedSignature[] {
  const text = toLatin1(pdf);
  const signatures: EmbeddedSignature[] = [];
  const seenDictionaries = new Set<number>();
  for (let at = text.indexOf(BYTE_RANGE_KEY); at !== -1; at = text.indexOf(BYTE_RANGE_KEY, at + 1)) {
    // `/ByteRangeX` is another name (§7.3.5).
    if (isRegular(text.charCodeAt(at + BYTE_RANGE_KEY.length))) continue;
    const dictionary = findEnclosingDictionary(text, at);
    if (!dictionary || seenDictionaries.has(dictionary.start)) continue;
    seenDictionaries.add(dictionary.start);
    const signature = readSignature(dictionary);
    if (signature) signatures.push(signature);
  }
  return signatures;
}

const BYTE_RANGE_KEY = '/ByteRange';
/** Candidate `<<` looked at backwards from a /ByteRange key before giving up. */
const MAX_DICTIONARY_CANDIDATES = 64;
/** Nesting limit, so a crafted file cannot exhaust the stack. */
const MAX_NESTING = 32;

type PdfValue =
  | { type: 'dictionary'; start: number; end: number; entries: DictionaryEntry[] }
  | { type: 'array'; start: number; end: number; items: PdfValue[] }
  | { type: 'hex-string'; start: number; end: number; hex: string }
  | { type: 'literal-string'; start: number; end: number }
  | { type: 'name'; start: number; end: number; name: string }
  | { type: 'number'; start: number; end: number; value: number }
  | { type: 'reference'; start: number; end: number }
  | { type: 'keyword'; start: number; end: number; word: string };

type Dictionary = Extract<PdfValue, { type: 'dictionary' }>;

interface DictionaryEntry {
  key: string;
  /** Offset of the key's `/`. */
  keyStart: number;
  value: PdfValue;
}

/** Thrown by the tokenizer on bytes that are not PDF syntax at that position; never escapes. */
class PdfSyntaxError extends Error {
  override name = 'PdfSyntaxError';
}

// Character classes of ISO 32000-1 §7.2.2, Tables 1 and 2.
function isWhitespace(code: number): boolean {
  return code === 0 || code === 9 || code === 10 || code === 12 || code === 13 || code === 32;
}
function isDelimiter(code: number): boolean {
  // ( ) < > [ ] { } / %
  return (
    code === 40 ||
    code === 41 ||
    code === 60 ||
    code === 62 ||
    code === 91 ||
    code === 93 ||
    code === 123 ||
    code === 125 ||
    code === 47 ||
    code === 37
  );
}
function isRegular(code: number): boolean {
  return !Number.isNaN(code) && !isWhitespace(code) && !isDelimiter(code);
}

const REFERENCE_TAIL = /[\0\t\n\f\r ]+\d+[\0\t\n\f\r ]+R(?![^\0\t\n\f\r ()<>[\]{}/%])/y;
const NUMBER = /[+-]?(?:\d+\.?\d*|\.\d+)/y;
const HEX_BODY = /^[0-9A-Fa-f\0\t\n\f\r ]*$/;

/** Just enough of the PDF object syntax (§7.3) to read one dictionary and what it holds. */
class PdfTokenizer {
  constructor(
    private readonly text: string,
    private pos: number,
  ) {}

  parseValue(depth: number): PdfValue {
    if (depth > MAX_NESTING) throw new PdfSyntaxError('nested too deeply');
    this.skipWhitespaceAndComments();
    const start = this.pos;
    const c = this.text[start];
    if (c === undefined) throw new PdfSyntaxError('unexpected end of file');
    if (this.text.startsWith('<<', start)) return this.parseDictionary(depth);
    if (c === '<') return this.parseHexString();
    if (c === '(') return this.parseLiteralString();
    if (c === '[') return this.parseArray(depth);
    if (c === '/') return this.parseName();
    NUMBER.lastIndex = start;
    const number = NUMBER.exec(this.text);
    if (number) {
      this.pos = start + number[0].length;
      if (/^\d+$/.test(number[0])) {
        REFERENCE_TAIL.lastIndex = this.pos;
        const tail = REFERENCE_TAIL.exec(this.text);
        if (tail) {
          this.pos += tail[0].length;
          return { type: 'reference', start, end: this.pos };
        }
      }
      return { type: 'number', start, end: this.pos, value: Number(number[0]) };
    }
    while (isRegular(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) throw new PdfSyntaxError(`unexpected "${c}"`);
    return { type: 'keyword', start, end: this.pos, word: this.text.slice(start, this.pos) };
  }

  private skipWhitespaceAndComments(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (isWhitespace(code)) this.pos++;
      else if (code === 37 /* % */) {
        while (this.pos < this.text.length && !/[\r\n]/.test(this.text[this.pos] as string)) this.pos++;
      } else return;
    }
  }

  private parseDictionary(depth: number): Dictionary {
    const start = this.pos;
    this.pos += 2;
    const entries: DictionaryEntry[] = [];
    for (;;) {
      this.skipWhitespaceAndComments();
      if (this.text.startsWith('>>', this.pos)) {
        this.pos += 2;
        return { type: 'dictionary', start, end: this.pos, entries };
      }
      if (this.text[this.pos] !== '/') throw new PdfSyntaxError('dictionary key is not a name');
      const keyStart = this.pos;
      const key = this.parseName().name;
      entries.push({ key, keyStart, value: this.parseValue(depth + 1) });
    }
  }

  private parseArray(depth: number): PdfValue {
    const start = this.pos;
    this.pos++;
    const items: PdfValue[] = [];
    for (;;) {
      this.skipWhitespaceAndComments();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return { type: 'array', start, end: this.pos, items };
      }
      items.push(this.parseValue(depth + 1));
    }
  }

  private parseHexString(): PdfValue {
    const start = this.pos;
    const close = this.text.indexOf('>', start + 1);
    if (close === -1) throw new PdfSyntaxError('unterminated hex string');
    const body = this.text.slice(start + 1, close);
    if (!HEX_BODY.test(body)) throw new PdfSyntaxError('not a hex string');
    this.pos = close + 1;
    return { type: 'hex-string', start, end: this.pos, hex: body.replace(/[\0\t\n\f\r ]/g, '') };
  }

  private parseLiteralString(): PdfValue {
    const start = this.pos;
    let open = 0;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === '\\') this.pos++;
      else if (c === '(') open++;
      else if (c === ')' && --open === 0) return { type: 'literal-string', start, end: this.pos };
    }
    throw new PdfSyntaxError('unterminated literal string');
  }

  private parseName(): Extract<PdfValue, { type: 'name' }> {
    const start = this.pos;
    this.pos++;
    while (isRegular(this.text.charCodeAt(this.pos))) this.pos++;
    // #xx escapes (§7.3.5) so that /adbe#2Epkcs7#2Edetached reads as what it means.
    const name = this.text
      .slice(start + 1, this.pos)
      .replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return { type: 'name', start, end: this.pos, name };
  }
}

/**
 * The dictionary that has the key at `keyOffset` as one of its own keys: the nearest `<<` before it
 * whose parse holds that key directly (a nearer `<<` may open a nested dictionary already closed).
 */
function findEnclosingDictionary(text: string, keyOffset: number): Dictionary | undefined {
  let candidate = keyOffset;
  for (let tries = 0; tries < MAX_DICTIONARY_CANDIDATES; tries++) {
    candidate = text.lastIndexOf('<<', candidate - 1);
    if (candidate === -1) return undefined;
    let dictionary: Dictionary;
    try {
      dictionary = new PdfTokenizer(text, candidate).parseValue(0) as Dictionary;
    } catch (error) {
      if (error instanceof PdfSyntaxError) continue;
      throw error;
    }
    if (dictionary.entries.some((entry) => entry.keyStart === keyOffset)) return dictionary;
    // Spanning the key without holding it: the key sits inside a string or a deeper object.
    if (dictionary.end > keyOffset) return undefined;
  }
  return undefined;
}

function onlyEntry(dictionary: Dictionary, key: string): PdfValue | undefined {
  const matching = dictionary.entries.filter((entry) => entry.key === key);
  // A repeated key is ambiguous (readers disagree on which one wins): not a usable signature.
  return matching.length === 1 ? matching[0]?.value : undefined;
}

function readSignature(dictionary: Dictionary): EmbeddedSignature | undefined {
  const range = onlyEntry(dictionary, 'ByteRange');
  const contents = onlyEntry(dictionary, 'Contents');
  if (range?.type !== 'array' || contents?.type !== 'hex-string') return undefined;
  const numbers = range.items.map((item) => (item.type === 'number' ? item.value : NaN));
  // Placeholders written before signing (`[0 /********** ...]`) are not a signature yet.
  if (numbers.length !== 4 || !numbers.every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  const subFilter = onlyEntry(dictionary, 'SubFilter');
  // An odd final digit is followed by an implied 0 (§7.3.4.3).
  const hex = contents.hex.length % 2 === 1 ? `${contents.hex}0` : contents.hex;
  return {
    byteRange: numbers as [number, number, number, number],
    contents: trimToDerLength(new Uint8Array(Buffer.from(hex, 'hex'))),
    ...(subFilter?.type === 'name' ? { subFilter: subFilter.name } : {}),
    contentsSpan: [contents.start, contents.end],
  };
}

/**
 * Signers reserve /Contents before they know the signature size and pad it with zeros; the CMS
 * element's own length says where it ends (X.690 §8.1.3). Without a readable length the bytes are
 * returned with the trailing zeros removed, and CMS parsing reports the problem.
 */
function trimToDerLength(bytes: Uint8Array): Uint8Array {
  const length = encodedLength(bytes);
  if (length !== undefined && length <= bytes.byteLength) return bytes.slice(0, length);
  let end = bytes.byteLength;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.slice(0, end);
}

function encodedLength(bytes: Uint8Array): number | undefined {
  const first = bytes[1];
  if (bytes[0] !== 0x30 || first === undefined) return undefined;
  if (first < 0x80) return 2 + first;
  if (first === 0x80) {
    // BER indefinite length: only a parse finds the end-of-contents octets.
    const asn1 = parseBer(bytes);
    return asn1.ok && asn1.length > 0 ? asn1.length : undefined;
  }
  const octets = first & 0x7f;
  if (octets > 4 || bytes.byteLength < 2 + octets) return undefined;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + (bytes[2 + i] as number);
  return 2 + octets + length;
}

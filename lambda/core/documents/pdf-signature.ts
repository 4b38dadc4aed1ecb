/**
 * Embedded PDF signatures (ISO 32000-1 §12.8, ETSI EN 319 142-1 PAdES), read from the raw bytes.
 *
 * A signature dictionary is not necessarily reachable without parsing the whole document
 * (incremental updates, compressed cross-reference streams), but it is never itself compressed:
 * its /ByteRange must point into the file as written (§12.8.1). So every `/ByteRange` key is
 * located in the latin1 text, the dictionary around it is parsed with a small tokenizer (§7.2,
 * §7.3), and its /Contents hex string is read from the same dictionary, wherever it sits.
 *
 * The bytes are untrusted, so the work is bounded by the file's length, not by how it is crafted:
 * the `<<` offsets are indexed once, every object the tokenizer parses is remembered by its
 * offset (a second look at it costs nothing), and every character the tokenizer steps over is
 * counted against a budget of WORK_PER_BYTE per byte of the file. A file that would need more is
 * refused with that reason, never read for longer (the publish worker's time limit is a retry,
 * then a dead letter that would hold back the CRLs and OCSP responses of the same part).
 */
import { parseBer } from '../encoding/asn1.ts';
import { toLatin1 } from '../encoding/bytes.ts';
import { RejectedError } from '../rejection.ts';

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

/** The tokenizer's steps over a file's characters, for callers that measure the bound. */
export interface ScanWork {
  steps: number;
}

/** Every signature dictionary in the file, in file order. */
export function findEmbeddedSignatures(pdf: Uint8Array, work: ScanWork = { steps: 0 }): EmbeddedSignature[] {
  const text = toLatin1(pdf);
  const scan = new Scan(text, work);
  const signatures: EmbeddedSignature[] = [];
  const seenDictionaries = new Set<number>();
  let keys = 0;
  for (let at = text.indexOf(BYTE_RANGE_KEY); at !== -1; at = text.indexOf(BYTE_RANGE_KEY, at + 1)) {
    // `/ByteRangeX` is another name (§7.3.5).
    if (isRegular(text.charCodeAt(at + BYTE_RANGE_KEY.length))) continue;
    if (++keys > MAX_BYTE_RANGE_KEYS) {
      throw new RejectedError(`more than ${MAX_BYTE_RANGE_KEYS} /ByteRange keys: not read further`);
    }
    const dictionary = findEnclosingDictionary(scan, at);
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
/** A signed PDF has one /ByteRange per signature (incremental updates add one each). */
export const MAX_BYTE_RANGE_KEYS = 1024;
/**
 * Tokenizer steps allowed per byte of the file (plus WORK_ALLOWANCE): a real signed PDF needs
 * well under one (each object is parsed once and only the signature dictionaries are reached).
 */
export const WORK_PER_BYTE = 8;
export const WORK_ALLOWANCE = 1 << 20;

/**
 * One file's scan: its text, the objects parsed so far by offset, and the work budget. Parsing
 * an object again from the same offset answers the remembered result (or its syntax error).
 */
class Scan {
  private readonly parsed = new Map<number, PdfValue | PdfSyntaxError>();
  private readonly budget: number;
  private dictionaryOpens: number[] | undefined;

  constructor(
    readonly text: string,
    private readonly work: ScanWork,
  ) {
    this.budget = WORK_PER_BYTE * text.length + WORK_ALLOWANCE;
  }

  /** Steps left before the budget is spent: no loop runs past it. */
  remaining(): number {
    return this.budget - this.work.steps + 1;
  }

  spend(steps: number): void {
    this.work.steps += steps;
    if (this.work.steps > this.budget) {
      throw new RejectedError(
        `the PDF's signature dictionaries cannot be located within ${WORK_PER_BYTE} steps per byte: not read further`,
      );
    }
  }

  remembered(start: number, parse: () => PdfValue): PdfValue {
    const known = this.parsed.get(start);
    if (known instanceof PdfSyntaxError) throw known;
    if (known) return known;
    try {
      const value = parse();
      this.parsed.set(start, value);
      return value;
    } catch (error) {
      if (error instanceof PdfSyntaxError) this.parsed.set(start, error);
      throw error;
    }
  }

  /** Offset of the last `<<` before `offset`, from an index built in one pass. */
  dictionaryOpenBefore(offset: number): number {
    if (!this.dictionaryOpens) {
      this.dictionaryOpens = [];
      for (let at = this.text.indexOf('<<'); at !== -1; at = this.text.indexOf('<<', at + 1)) {
        this.dictionaryOpens.push(at);
      }
    }
    const opens = this.dictionaryOpens;
    let low = 0;
    let high = opens.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((opens[middle] as number) < offset) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? -1 : (opens[low - 1] as number);
  }
}

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

const NUMBER = /[+-]?(?:\d+\.?\d*|\.\d+)/y;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
function isHexDigit(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/** Just enough of the PDF object syntax (§7.3) to read one dictionary and what it holds. */
class PdfTokenizer {
  private readonly text: string;

  constructor(
    private readonly scan: Scan,
    private pos: number,
  ) {
    this.text = scan.text;
  }

  parseValue(depth: number): PdfValue {
    if (depth > MAX_NESTING) throw new PdfSyntaxError('nested too deeply');
    this.skipWhitespaceAndComments();
    const start = this.pos;
    const c = this.text[start];
    if (c === undefined) throw new PdfSyntaxError('unexpected end of file');
    const composite = this.text.startsWith('<<', start) || c === '<' || c === '(' || c === '[';
    if (composite) {
      const value = this.scan.remembered(start, () => this.parseComposite(c, depth));
      this.pos = value.end;
      return value;
    }
    if (c === '/') return this.parseName();
    NUMBER.lastIndex = start;
    const number = NUMBER.exec(this.text);
    if (number) {
      this.pos = start + number[0].length;
      this.scan.spend(number[0].length);
      if (/^\d+$/.test(number[0]) && this.skipReferenceTail()) {
        return { type: 'reference', start, end: this.pos };
      }
      return { type: 'number', start, end: this.pos, value: Number(number[0]) };
    }
    this.skipWhile(isRegular);
    if (this.pos === start) throw new PdfSyntaxError(`unexpected "${c}"`);
    return { type: 'keyword', start, end: this.pos, word: this.text.slice(start, this.pos) };
  }

  private parseComposite(c: string, depth: number): PdfValue {
    if (this.text.startsWith('<<', this.pos)) return this.parseDictionary(depth);
    if (c === '<') return this.parseHexString();
    if (c === '(') return this.parseLiteralString();
    return this.parseArray(depth);
  }

  /** Steps over characters of one class, counting them. */
  private skipWhile(test: (code: number) => boolean): void {
    const from = this.pos;
    const end = Math.min(this.text.length, from + this.scan.remaining());
    while (this.pos < end && test(this.text.charCodeAt(this.pos))) this.pos++;
    this.scan.spend(this.pos - from + 1);
  }

  /** ` 0 R` after an object number (§7.3.10): a reference; the position is kept otherwise. */
  private skipReferenceTail(): boolean {
    const from = this.pos;
    const step = (test: (code: number) => boolean) => {
      const before = this.pos;
      this.skipWhile(test);
      return this.pos > before;
    };
    if (step(isWhitespace) && step(isDigit) && step(isWhitespace) && this.text[this.pos] === 'R') {
      if (!isRegular(this.text.charCodeAt(this.pos + 1))) {
        this.pos++;
        return true;
      }
    }
    this.pos = from;
    return false;
  }

  private skipWhitespaceAndComments(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (isWhitespace(code)) this.skipWhile(isWhitespace);
      else if (code === 37 /* % */) this.skipWhile((next) => next !== 10 && next !== 13);
      else return;
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
    this.pos++;
    this.skipWhile((code) => isHexDigit(code) || isWhitespace(code));
    if (this.text[this.pos] !== '>') throw new PdfSyntaxError('not a hex string');
    const body = this.text.slice(start + 1, this.pos);
    this.pos++;
    return { type: 'hex-string', start, end: this.pos, hex: body.replace(/[\0\t\n\f\r ]/g, '') };
  }

  private parseLiteralString(): PdfValue {
    const start = this.pos;
    const end = Math.min(this.text.length, start + this.scan.remaining());
    let open = 0;
    while (this.pos < end) {
      const c = this.text[this.pos++];
      if (c === '\\') this.pos++;
      else if (c === '(') open++;
      else if (c === ')' && --open === 0) {
        this.scan.spend(this.pos - start);
        return { type: 'literal-string', start, end: this.pos };
      }
    }
    this.scan.spend(this.pos - start + 1);
    throw new PdfSyntaxError('unterminated literal string');
  }

  private parseName(): Extract<PdfValue, { type: 'name' }> {
    const start = this.pos;
    this.pos++;
    this.skipWhile(isRegular);
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
function findEnclosingDictionary(scan: Scan, keyOffset: number): Dictionary | undefined {
  let candidate = keyOffset;
  for (let tries = 0; tries < MAX_DICTIONARY_CANDIDATES; tries++) {
    candidate = scan.dictionaryOpenBefore(candidate);
    if (candidate === -1) return undefined;
    let dictionary: Dictionary;
    try {
      dictionary = new PdfTokenizer(scan, candidate).parseValue(0) as Dictionary;
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

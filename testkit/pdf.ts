/**
 * Minimal PDFs for the CP/CPS documents the demo publishes, and an embedded signature added
 * the way real signing tools do it: an incremental update (ISO 32000-1 §7.5.6) holding a
 * signature dictionary whose /ByteRange covers everything but the /Contents hex string
 * (ISO 32000-1 §12.8.1), signed with `openssl cms` as a detached CMS SignedData (RFC 5652).
 *
 * The parser side only understands what makePdf() and this module write (classic xref tables,
 * uncompressed objects); it is a fixture generator, not a PDF library.
 */
import { createHash } from 'node:crypto';
import { concatBytes } from '../lambda/core/encoding/bytes.ts';
import { cmsSignDetached, type IssuedCert } from './openssl-ca.ts';

export type PdfSubFilter = 'ETSI.CAdES.detached' | 'adbe.pkcs7.detached';

export interface MakePdfOptions {
  title: string;
  lines: string[];
  /** Written to the Info dictionary; omitted by default so output is reproducible. */
  creationDate?: Date;
}

export interface SignPdfOptions {
  /** ETSI.CAdES.detached (PAdES, ETSI EN 319 142-1) by default. */
  subFilter?: PdfSubFilter;
  /** Bytes reserved for the CMS in /Contents; default 8 KiB (the hex string is twice that). */
  reservedBytes?: number;
  /** Signing time for /M (default now). */
  signingTime?: Date;
  /** Extra PEM certificates (e.g. the issuing CA) to put in the CMS certificates field. */
  extraCertsPem?: string;
  /** Field name (/T) of the signature field. */
  fieldName?: string;
}

const encoder = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
/** ISO-8859-1 both ways (TextDecoder's "latin1" is windows-1252), so string offsets are byte offsets. */
const decode = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** Typographic characters WinAnsiEncoding has outside Latin-1 (ISO 32000-1 Annex D.2). */
const WIN_ANSI_EXTRAS: Readonly<Record<string, number>> = {
  '\u20ac': 0x80, // euro sign
  '\u2026': 0x85, // ellipsis
  '\u2018': 0x91, // left single quote
  '\u2019': 0x92, // right single quote
  '\u201c': 0x93, // left double quote
  '\u201d': 0x94, // right double quote
  '\u2022': 0x95, // bullet
  '\u2013': 0x96, // en dash
  '\u2014': 0x97, // em dash
};

/** Text for a WinAnsi-encoded font as a PDF literal string (ISO 32000-1 §7.3.4.2); unmappable -> '?'. */
function pdfTextString(text: string): string {
  const winAnsi = Array.from(text, (c) => {
    const extra = WIN_ANSI_EXTRAS[c];
    if (extra !== undefined) return String.fromCharCode(extra);
    const code = c.codePointAt(0) ?? 0;
    return code > 0xff || (code >= 0x80 && code < 0xa0) ? '?' : c;
  }).join('');
  return `(${winAnsi
    .replace(/[\\()]/g, (c) => `\\${c}`)
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')})`;
}

/** A text string for dictionaries (ISO 32000-1 §7.9.2.2): ASCII literal, else UTF-16BE with BOM. */
function pdfInfoString(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return pdfTextString(text);
  const utf16 = Buffer.from(text, 'utf16le').swap16();
  return `<FEFF${utf16.toString('hex').toUpperCase()}>`;
}

/** PDF date (ISO 32000-1 §7.9.4), always UTC. */
function pdfDate(date: Date): string {
  const iso = date.toISOString();
  return `D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Greedy word wrap so long CP/CPS lines stay on the page (Helvetica 11pt ≈ 85 characters in 468pt). */
function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(/\s+/).filter(Boolean)) {
    if (current && current.length + 1 + word.length > width) {
      out.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) out.push(current);
  return out;
}

/** An xref table (ISO 32000-1 §7.5.4): entries are exactly 20 bytes, grouped in contiguous subsections. */
function xrefTable(
  entries: ReadonlyMap<number, { offset: number; generation: number }>,
  withFreeHead: boolean,
): string {
  const numbers = [...entries.keys()].sort((a, b) => a - b);
  const rows = new Map<number, string>();
  if (withFreeHead) rows.set(0, '0000000000 65535 f \n');
  for (const n of numbers) {
    const entry = entries.get(n);
    if (!entry) continue;
    rows.set(
      n,
      `${String(entry.offset).padStart(10, '0')} ${String(entry.generation).padStart(5, '0')} n \n`,
    );
  }
  const sorted = [...rows.keys()].sort((a, b) => a - b);
  let out = 'xref\n';
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    const first = sorted[i] ?? 0;
    out += `${first} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) out += rows.get(sorted[k] ?? 0) ?? '';
    i = j + 1;
  }
  return out;
}

function fileId(seed: string): string {
  return createHash('md5').update(seed).digest('hex').toUpperCase();
}

/** A one-page PDF 1.7 with Helvetica text; lines past the bottom margin are dropped. */
export function makePdf(options: MakePdfOptions): Uint8Array {
  const bodyLines = options.lines.flatMap((line) => wrap(line, 85));
  const maxLines = Math.floor((720 - 72 - 30) / 14);
  const text = [
    'BT',
    '/F1 16 Tf',
    '72 720 Td',
    `${pdfTextString(options.title)} Tj`,
    '/F1 11 Tf',
    '14 TL',
    '0 -16 Td',
    ...bodyLines.slice(0, maxLines).map((line) => `T* ${pdfTextString(line)} Tj`),
    'ET',
  ].join('\n');
  const info = [
    `/Title ${pdfInfoString(options.title)}`,
    '/Producer (ca-repo demo)',
    ...(options.creationDate ? [`/CreationDate (${pdfDate(options.creationDate)})`] : []),
  ].join(' ');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
    `<< ${info} >>`,
  ];
  // The binary comment tells transfer tools the file is binary (ISO 32000-1 §7.5.2).
  let out = '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets = new Map<number, { offset: number; generation: number }>();
  objects.forEach((body, index) => {
    offsets.set(index + 1, { offset: Buffer.byteLength(out, 'latin1'), generation: 0 });
    out += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefOffset = Buffer.byteLength(out, 'latin1');
  const id = fileId(out);
  out += xrefTable(offsets, true);
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R /ID [<${id}> <${id}>] >>\n`;
  out += `startxref\n${xrefOffset}\n%%EOF\n`;
  return encoder(out);
}

interface ObjectRef {
  number: number;
  generation: number;
}

interface ParsedPdf {
  text: string;
  prevXref: number;
  size: number;
  root: ObjectRef;
  info?: ObjectRef;
  firstId?: string;
  offsets: Map<number, { offset: number; generation: number }>;
}

/** Follow startxref and /Prev through classic xref tables; newest entries win. */
function parsePdf(pdf: Uint8Array): ParsedPdf {
  const text = decode(pdf);
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  if (!startxref?.[1]) throw new Error('no startxref at the end of the PDF');
  const prevXref = Number(startxref[1]);
  const offsets = new Map<number, { offset: number; generation: number }>();
  let trailerDict: string | undefined;
  let cursor: number | undefined = prevXref;
  const seen = new Set<number>();
  while (cursor !== undefined && !seen.has(cursor)) {
    seen.add(cursor);
    if (!text.startsWith('xref', cursor)) throw new Error(`no classic xref table at offset ${cursor}`);
    const trailerAt = text.indexOf('trailer', cursor);
    if (trailerAt < 0) throw new Error('xref table without trailer');
    const table = text.slice(cursor + 4, trailerAt);
    const tokens = table.trim().split(/\s+/);
    let t = 0;
    while (t < tokens.length) {
      const first = Number(tokens[t]);
      const count = Number(tokens[t + 1]);
      t += 2;
      for (let k = 0; k < count; k++, t += 3) {
        const [offset, generation, kind] = [tokens[t], tokens[t + 1], tokens[t + 2]];
        if (kind === 'n' && !offsets.has(first + k)) {
          offsets.set(first + k, { offset: Number(offset), generation: Number(generation) });
        }
      }
    }
    const dict = trailerDictionary(text, trailerAt);
    trailerDict ??= dict;
    const prev = /\/Prev\s+(\d+)/.exec(dict);
    cursor = prev?.[1] ? Number(prev[1]) : undefined;
  }
  if (!trailerDict) throw new Error('no trailer');
  const size = /\/Size\s+(\d+)/.exec(trailerDict);
  const root = parseRef(/\/Root\s+(\d+\s+\d+\s+R)/.exec(trailerDict)?.[1]);
  if (!size?.[1] || !root) throw new Error('trailer without /Size or /Root');
  const info = parseRef(/\/Info\s+(\d+\s+\d+\s+R)/.exec(trailerDict)?.[1]);
  const firstId = /\/ID\s*\[\s*<([0-9A-Fa-f]*)>/.exec(trailerDict)?.[1];
  return { text, prevXref, size: Number(size[1]), root, info, firstId, offsets };
}

function trailerDictionary(text: string, trailerAt: number): string {
  const start = text.indexOf('<<', trailerAt);
  const end = text.indexOf('startxref', start);
  if (start < 0 || end < 0) throw new Error('malformed trailer');
  return text.slice(start, end);
}

function parseRef(ref: string | undefined): ObjectRef | undefined {
  const match = ref ? /(\d+)\s+(\d+)\s+R/.exec(ref) : null;
  return match?.[1] && match[2] ? { number: Number(match[1]), generation: Number(match[2]) } : undefined;
}

/** The dictionary body of an indirect object (between `N G obj` and `endobj`). */
function readObject(pdf: ParsedPdf, ref: ObjectRef): string {
  const entry = pdf.offsets.get(ref.number);
  if (!entry) throw new Error(`object ${ref.number} is not in the xref table`);
  const header = `${ref.number} ${entry.generation} obj`;
  if (!pdf.text.startsWith(header, entry.offset))
    throw new Error(`xref offset of object ${ref.number} is wrong`);
  const end = pdf.text.indexOf('endobj', entry.offset);
  const body = pdf.text.slice(entry.offset + header.length, end).trim();
  if (body.includes('stream')) throw new Error(`object ${ref.number} is a stream, expected a dictionary`);
  return body;
}

/** Insert entries before the dictionary's closing `>>`. */
function addToDictionary(dict: string, entries: string): string {
  const close = dict.lastIndexOf('>>');
  if (!dict.startsWith('<<') || close < 0) throw new Error('expected a dictionary');
  return `${dict.slice(0, close).trimEnd()} ${entries} >>`;
}

const BYTE_RANGE_PLACEHOLDER = '/ByteRange [0 9999999999 9999999999 9999999999]';

/**
 * Add an invisible signature field and sign the PDF (PAdES-style, ETSI EN 319 142-1 §5.1).
 * Incremental update: new versions of the catalog (with /AcroForm) and of the first page
 * (with /Annots), a widget/field, and the /Sig dictionary; the original bytes stay untouched.
 */
export async function signPdfEmbedded(
  pdf: Uint8Array,
  signer: IssuedCert,
  options: SignPdfOptions = {},
): Promise<Uint8Array> {
  const subFilter = options.subFilter ?? 'ETSI.CAdES.detached';
  const reserved = options.reservedBytes ?? 8192;
  const parsed = parsePdf(pdf);

  const catalog = readObject(parsed, parsed.root);
  if (/\/AcroForm/.test(catalog)) throw new Error('PDFs that already have an /AcroForm are not supported');
  const pagesRef = parseRef(/\/Pages\s+(\d+\s+\d+\s+R)/.exec(catalog)?.[1]);
  if (!pagesRef) throw new Error('catalog without /Pages');
  const pageRef = parseRef(/\/Kids\s*\[\s*(\d+\s+\d+\s+R)/.exec(readObject(parsed, pagesRef))?.[1]);
  if (!pageRef) throw new Error('page tree without a first page');
  const page = readObject(parsed, pageRef);

  const sigNumber = parsed.size;
  const fieldNumber = parsed.size + 1;
  const fieldRef = `${fieldNumber} 0 R`;
  const pageRefText = `${pageRef.number} ${pageRef.generation} R`;

  let newPage: string;
  const annots = /\/Annots\s*\[([^\]]*)\]/.exec(page);
  if (annots) newPage = page.replace(annots[0], `/Annots [${annots[1]?.trim() ?? ''} ${fieldRef}]`);
  else if (/\/Annots/.test(page)) throw new Error('an indirect /Annots array is not supported');
  else newPage = addToDictionary(page, `/Annots [${fieldRef}]`);

  const contentsPlaceholder = `<${'0'.repeat(reserved * 2)}>`;
  const signingTime = options.signingTime ?? new Date();
  const objects: { ref: ObjectRef; body: string }[] = [
    { ref: parsed.root, body: addToDictionary(catalog, `/AcroForm << /Fields [${fieldRef}] /SigFlags 3 >>`) },
    { ref: pageRef, body: newPage },
    {
      ref: { number: sigNumber, generation: 0 },
      body: [
        '<< /Type /Sig /Filter /Adobe.PPKLite',
        `/SubFilter /${subFilter}`,
        BYTE_RANGE_PLACEHOLDER,
        `/Contents ${contentsPlaceholder}`,
        `/M (${pdfDate(signingTime)})`,
        '>>',
      ].join('\n'),
    },
    {
      // Invisible widget merged with its field (ISO 32000-1 §12.7.4.5, §12.5.6.19); /F 132 = Print | Locked.
      ref: { number: fieldNumber, generation: 0 },
      body: `<< /Type /Annot /Subtype /Widget /FT /Sig /T ${pdfInfoString(options.fieldName ?? 'Signature1')} /V ${sigNumber} 0 R /F 132 /Rect [0 0 0 0] /P ${pageRefText} >>`,
    },
  ];

  // Assemble the update as text: every byte is latin1, so string offsets are byte offsets.
  let update = pdf[pdf.length - 1] === 0x0a ? '' : '\n';
  const base = pdf.length;
  const entries = new Map<number, { offset: number; generation: number }>();
  let sigObjectOffset = -1;
  for (const { ref, body } of objects) {
    const offset = base + Buffer.byteLength(update, 'latin1');
    entries.set(ref.number, { offset, generation: ref.generation });
    if (ref.number === sigNumber) sigObjectOffset = offset;
    update += `${ref.number} ${ref.generation} obj\n${body}\nendobj\n`;
  }
  const xrefOffset = base + Buffer.byteLength(update, 'latin1');
  update += xrefTable(entries, false);
  const firstId = parsed.firstId ?? fileId(parsed.text);
  const secondId = fileId(`${firstId}${signingTime.toISOString()}${signer.serialHex}`);
  const trailer = [
    `/Size ${fieldNumber + 1}`,
    `/Root ${parsed.root.number} ${parsed.root.generation} R`,
    ...(parsed.info ? [`/Info ${parsed.info.number} ${parsed.info.generation} R`] : []),
    `/ID [<${firstId}> <${secondId}>]`,
    `/Prev ${parsed.prevXref}`,
  ].join(' ');
  update += `trailer\n<< ${trailer} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;

  const out = concatBytes([pdf, encoder(update)]);
  const outText = decode(out);
  const byteRangeAt = outText.indexOf(BYTE_RANGE_PLACEHOLDER, sigObjectOffset);
  const contentsStart = outText.indexOf(contentsPlaceholder, sigObjectOffset);
  if (sigObjectOffset < 0 || byteRangeAt < 0 || contentsStart < 0)
    throw new Error('signature placeholders not found');
  const contentsEnd = contentsStart + contentsPlaceholder.length;

  // ByteRange excludes exactly the <...> hex string, delimiters included (ISO 32000-1 §12.8.1).
  const byteRange = [0, contentsStart, contentsEnd, out.length - contentsEnd];
  const byteRangeText = `/ByteRange [${byteRange.join(' ')}]`;
  // Same width as the placeholder, padded with spaces inside the array, so no offset moves.
  const fixedWidth = `${byteRangeText.slice(0, -1).padEnd(BYTE_RANGE_PLACEHOLDER.length - 1, ' ')}]`;
  out.set(encoder(fixedWidth), byteRangeAt);

  const signedBytes = concatBytes([out.subarray(0, contentsStart), out.subarray(contentsEnd)]);
  const cms = await cmsSignDetached(signedBytes, signer, {
    form: 'DER',
    // PAdES needs ESS signing-certificate-v2 (ETSI EN 319 122-1 §5.2.2).
    cades: subFilter === 'ETSI.CAdES.detached',
    extraCertsPem: options.extraCertsPem,
  });
  if (cms.length > reserved) {
    throw new Error(
      `CMS signature is ${cms.length} bytes, more than the ${reserved} reserved; raise reservedBytes`,
    );
  }
  out.set(encoder(Buffer.from(cms).toString('hex').toUpperCase()), contentsStart + 1);
  return out;
}

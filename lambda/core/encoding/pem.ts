/**
 * PEM (RFC 7468) reading. Labels are kept so the classifier can tell a certificate from a CRL
 * from key material by what the file says it is, and then check that the content agrees.
 */
export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** True when the bytes look like PEM text (RFC 7468 §2: encapsulation boundaries). */
export function looksLikePem(text: string): boolean {
  return /-----BEGIN [A-Z0-9 #/_-]+-----/.test(text);
}

/** RFC 7468 §3 pre-encapsulation boundary, label bounded so each attempt costs O(1). */
const PEM_BEGIN_LINE = /-----BEGIN ([A-Z0-9 #/_-]{1,80}?)-----\r?\n/g;
/** Distinct labels whose END boundary we look for: each look-up may scan the rest of the text. */
const MAX_PEM_LABELS = 16;

/**
 * Every PEM block in the text (at most `max`), in time linear in the text: a backtracking regular
 * expression over whole blocks is quadratic on hostile input (thousands of "-----BEGIN " on one
 * line), and the classifier must bound its work. Explanatory text outside blocks is allowed
 * (RFC 7468 §5.2); RFC 1421 headers ("Proc-Type:") are skipped so encrypted legacy keys still
 * decode to a block.
 */
export function parsePemBlocks(text: string, max = 64): PemBlock[] {
  const blocks: PemBlock[] = [];
  const nextEndByLabel = new Map<string, number>();
  const beginLine = new RegExp(PEM_BEGIN_LINE.source, 'g');
  let match: RegExpExecArray | null;
  while (blocks.length < max && (match = beginLine.exec(text)) !== null) {
    const label = match[1] ?? '';
    const bodyStart = beginLine.lastIndex;
    const endLine = `-----END ${label}-----`;
    let end = nextEndByLabel.get(label);
    if (end === undefined || (end !== -1 && end < bodyStart)) {
      if (end === undefined && nextEndByLabel.size >= MAX_PEM_LABELS) break;
      end = text.indexOf(endLine, bodyStart);
      nextEndByLabel.set(label, end);
    }
    if (end === -1) continue;
    const body = text
      .slice(bodyStart, end)
      .split(/\r?\n/)
      .filter((line) => !line.includes(':'))
      .join('')
      .replace(/\s+/g, '');
    blocks.push({ label, der: new Uint8Array(Buffer.from(body, 'base64')) });
    beginLine.lastIndex = end + endLine.length;
  }
  return blocks;
}

/**
 * PEM (RFC 7468) reading. Labels are kept so the classifier can tell a certificate from a CRL
 * from key material by what the file says it is, and then check that the content agrees.
 */
export interface PemBlock {
  label: string;
  der: Uint8Array;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 #/_-]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** True when the bytes look like PEM text (RFC 7468 §2: encapsulation boundaries). */
export function looksLikePem(text: string): boolean {
  return /-----BEGIN [A-Z0-9 #/_-]+-----/.test(text);
}

/**
 * Every PEM block in the text. Explanatory text outside blocks is allowed (RFC 7468 §5.2).
 * Headers (RFC 1421 "Proc-Type:") are skipped so encrypted legacy keys still decode to a block.
 */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1] ?? '';
    const body = (match[2] ?? '')
      .split(/\r?\n/)
      .filter((line) => !line.includes(':'))
      .join('');
    blocks.push({ label, der: new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64')) });
  }
  return blocks;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The per-file verdicts of one part, one JSON object a line (`receipts/<bundle>/files-NNNN.ndjson`,
 * bundle.ts receiptFilesKey): the receipt itself summarises (receipt-tally.ts), so 2,000,000
 * accepted files make 2,000,000 lines here, written part by part, not one 2,000,000-entry answer.
 * An accepted line is the receipt's AcceptedFile; a refused one is `{"file", "rejected": reason}`.
 */
import type { PartResult } from './part-result.ts';
import type { AcceptedFile } from './receipt.ts';

export type ReceiptFileLine = AcceptedFile | { file: string; rejected: string };

export function serialiseReceiptFiles(result: Pick<PartResult, 'accepted' | 'rejected'>): string {
  const lines: string[] = [];
  for (const accepted of result.accepted) lines.push(JSON.stringify(accepted));
  for (const { file, reason } of result.rejected) lines.push(JSON.stringify({ file, rejected: reason }));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function parseReceiptFiles(text: string): ReceiptFileLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ReceiptFileLine);
}

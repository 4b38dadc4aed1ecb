/**
 * Where the books of one part go once it is published, and how the worker that finishes a bundle
 * reads them back: the part's verdicts for the merge (`results/`), its per-file lines for the
 * uploader (`receipts/<bundle>/files-NNNN.ndjson`), folded part by part into a ReceiptTally so
 * the finishing worker holds one part result at a time, whatever the bundle's size.
 */
import { partResultKey, receiptFilesKey } from '../../core/publish/bundle.ts';
import {
  PART_RESULT_FORMAT,
  parsePartResult,
  serialisePartResult,
  type PartResult,
} from '../../core/publish/part-result.ts';
import { serialiseReceiptFiles } from '../../core/publish/receipt-files.ts';
import { ReceiptTally } from '../../core/publish/receipt-tally.ts';
import type { ObjectStore } from '../ports.ts';

/** Writes the part's per-file lines (for the uploader) and then its result (for the merge). */
export async function recordPart(
  ingest: ObjectStore,
  bundleId: string,
  part: number,
  result: Omit<PartResult, 'format'>,
  options: { forMerge: boolean },
): Promise<void> {
  await ingest.put(receiptFilesKey(bundleId, part), Buffer.from(serialiseReceiptFiles(result)), {
    contentType: 'application/x-ndjson',
  });
  if (!options.forMerge) return;
  const stored = serialisePartResult({ format: PART_RESULT_FORMAT, ...result });
  await ingest.put(partResultKey(bundleId, part), Buffer.from(stored), { contentType: 'application/json' });
}

/** The per-file objects of a bundle of `parts` parts, in part order (the receipt's `files`). */
export function receiptFileKeys(bundleId: string, parts: number): string[] {
  return Array.from({ length: parts }, (_, part) => receiptFilesKey(bundleId, part));
}

/** Every part's recorded result folded into one tally, or undefined while a part is still unrecorded. */
export async function foldPartResults(
  ingest: ObjectStore,
  tally: ReceiptTally,
  parts: number,
): Promise<ReceiptTally | undefined> {
  // One listing first: a worker that is not the last learns it without reading anyone's result.
  let recorded = 0;
  for await (const key of ingest.list(partResultKey(tally.bundleId, 0).replace(/[^/]+$/, ''))) {
    // Only the part results themselves: results/<bundle>/ also holds the CertID claims (certids/).
    if (/\/part-\d+\.json$/.test(key)) recorded++;
  }
  if (recorded < parts) return undefined;
  for (let part = 0; part < parts; part++) {
    const stored = await ingest.get(partResultKey(tally.bundleId, part));
    if (!stored) return undefined;
    tally.addPart(parsePartResult(Buffer.from(stored.body).toString('utf8')));
  }
  return tally;
}

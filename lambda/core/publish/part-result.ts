/**
 * One part's verdicts, as a fan-out worker records them beside the bundle (bundle.ts
 * partResultKey) for the worker that finishes the bundle to merge. Workers of two releases may
 * meet on one bundle during a deployment, so the record carries its format.
 */
import type { AcceptedFile, DeletedPart, RejectedFile } from './receipt.ts';
import type { IndexChanges } from './repository-index.ts';

/** Written into every part result; readers take an unlabelled one as this format (the same fields). */
export const PART_RESULT_FORMAT = 'ca-repo-part-result/1';

export interface PartResult {
  format: typeof PART_RESULT_FORMAT;
  accepted: AcceptedFile[];
  rejected: RejectedFile[];
  /** Keys whose served content changed. */
  replaced: string[];
  /** CDN paths to invalidate. */
  changed: string[];
  changes: IndexChanges;
  /** The part's archive, deleted from the ingest store for holding key material. */
  deletedParts?: DeletedPart[];
  /** The publish runs whose writes this result covers (optional: older results lack it). */
  runs?: string[];
}

export function serialisePartResult(result: PartResult): string {
  return JSON.stringify(result);
}

/**
 * Reads a recorded part result. One this code cannot read (a newer format) is an error, not a
 * refusal: the finishing worker fails and its message is retried once every worker is current.
 */
export function parsePartResult(text: string): PartResult {
  const value = JSON.parse(text) as Partial<Omit<PartResult, 'format'>> & { format?: unknown };
  if (!value || typeof value !== 'object') throw new Error('part result is not an object');
  const format = value.format ?? PART_RESULT_FORMAT;
  if (format !== PART_RESULT_FORMAT) {
    throw new Error(`part result format ${String(format)} is not ${PART_RESULT_FORMAT}`);
  }
  const { accepted, rejected, replaced, changed, changes, deletedParts, runs } = value;
  if (![accepted, rejected, replaced, changed].every(Array.isArray) || !changes) {
    throw new Error('part result needs accepted, rejected, replaced, changed and changes');
  }
  return {
    format: PART_RESULT_FORMAT,
    accepted,
    rejected,
    replaced,
    changed,
    changes,
    ...(Array.isArray(deletedParts) ? { deletedParts } : {}),
    ...(Array.isArray(runs) ? { runs } : {}),
  } as PartResult;
}

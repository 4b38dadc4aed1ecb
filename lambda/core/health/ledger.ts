/**
 * The availability ledger: one record per probe run, each carrying a sequence number, the SHA-256
 * of its own canonical content and the SHA-256 of the record before it (a hash chain). Any edit,
 * deletion, insertion or reordering of stored records breaks the chain at a place `verifyLedger`
 * names. This is the tamper-evident operational record investigators ask for; S3 Object Lock on the
 * ledger bucket (when enabled) additionally makes records unchangeable for the retention period.
 *
 * A chain cannot prove that its newest records were not cut off: anchor the head elsewhere (the
 * health Lambda logs every record's sequence and hash to CloudWatch Logs) and pass it as `anchor`.
 */
import { digest, toHex } from '../encoding/bytes.ts';
import type { ProbeRun } from './health-record.ts';

export const LEDGER_FORMAT = 'ca-repo-health-ledger/1';
export const LEDGER_PREFIX = 'ledger/';
/** previousHash of record #1. */
const GENESIS_HASH = '0'.repeat(64);

export interface LedgerRecord {
  format: typeof LEDGER_FORMAT;
  /** 1 for the first record, +1 for each next one. */
  sequence: number;
  /** The run's start (ISO 8601, UTC); also in the object key. */
  time: string;
  previousHash: string;
  run: ProbeRun;
  /** SHA-256 (hex) of the canonical JSON of every other field. */
  hash: string;
}

/** Where the chain continues from: the newest record's sequence and hash. */
export interface LedgerLink {
  sequence: number;
  hash: string;
}

export interface LedgerEntry {
  key: string;
  body: Uint8Array;
}

export class LedgerFormatError extends Error {
  override name = 'LedgerFormatError';
}

/**
 * JSON with object keys sorted and no whitespace, so the same record always hashes the same
 * whatever wrote or re-serialised it (the idea of RFC 8785, for the plain values a record holds).
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LedgerFormatError(`cannot hash the number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, field]) => `${JSON.stringify(name)}:${canonicalJson(field)}`);
    return `{${fields.join(',')}}`;
  }
  throw new LedgerFormatError(`cannot hash a value of type ${typeof value}`);
}

/** SHA-256 of the record without its own `hash` field. */
async function computeRecordHash(record: Omit<LedgerRecord, 'hash'> | LedgerRecord): Promise<string> {
  const { hash: _ignored, ...content } = record as LedgerRecord;
  return toHex(await digest('sha256', new TextEncoder().encode(canonicalJson(content))));
}

export async function createLedgerRecord(
  previous: LedgerLink | undefined,
  run: ProbeRun,
): Promise<LedgerRecord> {
  const content = {
    format: LEDGER_FORMAT,
    sequence: (previous?.sequence ?? 0) + 1,
    time: run.startedAt,
    previousHash: previous?.hash ?? GENESIS_HASH,
    run,
  } as const;
  return { ...content, hash: await computeRecordHash(content) };
}

/** `20261122T075900Z`: ISO 8601 basic format, sortable as text. */
function compactTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** `ledger/2026/11/22/`: one prefix per UTC day, so the newest record is found by listing a day. */
export function ledgerDayPrefix(date: Date): string {
  const iso = date.toISOString();
  return `${LEDGER_PREFIX}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/`;
}

/** `ledger/2026/11/22/20261122T075900Z-0000000123.json`: keys sort by time, then sequence. */
export function ledgerKeyOf(record: { time: string; sequence: number }): string {
  const time = new Date(record.time);
  if (Number.isNaN(time.getTime())) throw new LedgerFormatError(`record time ${record.time} is not a date`);
  return `${ledgerDayPrefix(time)}${compactTime(time)}-${String(record.sequence).padStart(10, '0')}.json`;
}

/** The stored bytes: canonical JSON and a newline, readable with any text tool. */
export function encodeLedgerRecord(record: LedgerRecord): Uint8Array {
  return new TextEncoder().encode(`${canonicalJson(record)}\n`);
}

export function decodeLedgerRecord(body: Uint8Array): LedgerRecord {
  let parsed: Partial<LedgerRecord>;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as Partial<LedgerRecord>;
  } catch (error) {
    throw new LedgerFormatError(`not JSON (${(error as Error).message})`);
  }
  if (parsed?.format !== LEDGER_FORMAT) throw new LedgerFormatError(`format is ${String(parsed?.format)}`);
  if (!Number.isSafeInteger(parsed.sequence) || (parsed.sequence as number) < 1) {
    throw new LedgerFormatError('sequence is not a positive integer');
  }
  for (const field of ['time', 'previousHash', 'hash'] as const) {
    if (typeof parsed[field] !== 'string') throw new LedgerFormatError(`${field} is missing`);
  }
  if (!parsed.run || !Array.isArray(parsed.run.results))
    throw new LedgerFormatError('run.results is missing');
  return parsed as LedgerRecord;
}

export type LedgerProblemKind =
  'unreadable' | 'edited' | 'broken-link' | 'missing' | 'out-of-order' | 'misplaced' | 'truncated';

export interface LedgerProblem {
  kind: LedgerProblemKind;
  key: string;
  /** The record's own sequence, when it could be read. */
  sequence?: number;
  message: string;
}

export interface VerifiedRecord {
  key: string;
  record: LedgerRecord;
}

export interface LedgerVerification {
  intact: boolean;
  /** Objects examined, readable or not. */
  entryCount: number;
  /** The readable records in key order, for the report. */
  records: VerifiedRecord[];
  head?: { key: string; sequence: number; hash: string; time: string };
  problems: LedgerProblem[];
  /** One line: "intact: …", or "broken: " and the first problem, which names the record and key. */
  summary: string;
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;

function describeRange(first: number, last: number): string {
  return first === last ? `record #${first} is` : `records #${first}–#${last} are`;
}

/**
 * Checks the stored records, in key order: each parses, hashes to the hash it carries, sits under
 * the key its time and sequence give, follows its predecessor's sequence by one, not earlier in
 * time, and carries its predecessor's hash. Every problem is listed; the first is where the chain
 * is broken.
 */
export async function verifyLedger(
  entries: readonly LedgerEntry[],
  options: { anchor?: LedgerLink } = {},
): Promise<LedgerVerification> {
  const problems: LedgerProblem[] = [];
  const records: VerifiedRecord[] = [];
  let previous: VerifiedRecord | undefined;
  let afterUnreadable = false;
  for (const entry of entries) {
    let record: LedgerRecord;
    try {
      record = decodeLedgerRecord(entry.body);
    } catch (error) {
      problems.push({
        kind: 'unreadable',
        key: entry.key,
        message: `the record at ${entry.key} is unreadable (${(error as Error).message}): it was altered or truncated`,
      });
      afterUnreadable = true;
      continue;
    }
    const at = `record #${record.sequence} (${entry.key})`;
    const problem = (kind: LedgerProblemKind, message: string) =>
      problems.push({ kind, key: entry.key, sequence: record.sequence, message });

    if ((await computeRecordHash(record)) !== record.hash) {
      problem(
        'edited',
        `${at} was altered after it was written: its content no longer hashes to the SHA-256 it carries`,
      );
    }
    let expectedKey: string | undefined;
    try {
      expectedKey = ledgerKeyOf(record);
    } catch {
      expectedKey = undefined;
    }
    if (expectedKey !== entry.key) {
      problem(
        'misplaced',
        `${at} is stored under the wrong key (its time and sequence belong at ${expectedKey ?? 'no valid key'}): records were renamed or reordered`,
      );
    }
    if (!previous) {
      if (record.sequence !== 1 && !afterUnreadable) {
        problem('missing', `${describeRange(1, record.sequence - 1)} missing before ${at}: deleted`);
      } else if (record.sequence === 1 && record.previousHash !== GENESIS_HASH) {
        problem('broken-link', `${at} is the first record but does not start from the genesis hash`);
      }
    } else if (!afterUnreadable) {
      const before = previous.record;
      if (record.sequence > before.sequence + 1) {
        problem(
          'missing',
          `${describeRange(before.sequence + 1, record.sequence - 1)} missing between ${previous.key} and ${entry.key}: deleted`,
        );
      } else if (record.sequence <= before.sequence) {
        problem(
          'out-of-order',
          `${at} comes after record #${before.sequence}: records were reordered or replayed`,
        );
      } else if (record.previousHash !== before.hash) {
        problem(
          'broken-link',
          `${at} does not chain to record #${before.sequence}: it carries previousHash ${short(record.previousHash)} but #${before.sequence} hashes to ${short(before.hash)}; one of the two was replaced`,
        );
      }
      if (record.time < before.time) {
        problem(
          'out-of-order',
          `${at} is dated ${record.time}, before record #${before.sequence} (${before.time})`,
        );
      }
    }
    afterUnreadable = false;
    previous = { key: entry.key, record };
    records.push(previous);
  }

  const last = records.at(-1);
  const anchor = options.anchor;
  if (anchor) {
    const anchored = records.find((candidate) => candidate.record.sequence === anchor.sequence);
    if (!last || last.record.sequence < anchor.sequence) {
      problems.push({
        kind: 'truncated',
        key: last?.key ?? LEDGER_PREFIX,
        sequence: last?.record.sequence,
        message: `the ledger ends at record #${last?.record.sequence ?? 0} but record #${anchor.sequence} was anchored: records were deleted from the end`,
      });
    } else if (anchored && anchored.record.hash !== anchor.hash) {
      problems.push({
        kind: 'edited',
        key: anchored.key,
        sequence: anchor.sequence,
        message: `record #${anchor.sequence} (${anchored.key}) hashes to ${short(anchored.record.hash)}, not the anchored ${short(anchor.hash)}`,
      });
    }
  }

  const first = problems[0];
  const head = last && {
    key: last.key,
    sequence: last.record.sequence,
    hash: last.record.hash,
    time: last.record.time,
  };
  let summary: string;
  if (first) {
    // Every problem message names the record and its key: that is where the chain breaks.
    summary = `broken: ${first.message}`;
  } else if (head) {
    summary = `intact: ${records.length} record(s), #${records[0]!.record.sequence}–#${head.sequence}, head SHA-256 ${head.hash}`;
  } else {
    summary = 'empty: the ledger holds no records';
  }
  return { intact: !first, entryCount: entries.length, records, head, problems, summary };
}

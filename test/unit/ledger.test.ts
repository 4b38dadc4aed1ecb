/**
 * The ledger's hash chain: records append in order, and every way of tampering with stored records
 * (edit, edit with a recomputed hash, deletion, reordering, garbage, cutting off the end) is found
 * and located.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryObjectStore } from '../../lambda/storage/directory-object-store.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import type { ProbeRun } from '../../lambda/core/health/health-record.ts';
import {
  createLedgerRecord,
  decodeLedgerRecord,
  encodeLedgerRecord,
  ledgerKeyOf,
  verifyLedger,
  type LedgerEntry,
  type LedgerRecord,
} from '../../lambda/core/health/ledger.ts';
import { HealthLedger } from '../../lambda/services/health/health-ledger.ts';
import { PreconditionFailedError, type ObjectStore } from '../../lambda/services/ports.ts';

const START = Date.parse('2026-11-22T07:59:00Z');
const MINUTE = 60_000;

function runAt(minute: number, outcome: 'ok' | 'fail' = 'ok'): ProbeRun {
  const time = new Date(START + minute * MINUTE).toISOString();
  return {
    startedAt: time,
    finishedAt: time,
    repositories: ['http://repo.example'],
    results: [
      { time, check: 'crl', target: 'http://repo.example/crl/root.crl', outcome, latencyMs: 12, detail: 'x' },
    ],
  };
}

async function buildChain(count: number): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let previous: LedgerRecord | undefined;
  for (let i = 0; i < count; i++) {
    const record: LedgerRecord = await createLedgerRecord(previous, runAt(i));
    entries.push({ key: ledgerKeyOf(record), body: encodeLedgerRecord(record) });
    previous = record;
  }
  return entries;
}

/** A JSON value with every object's keys in sorted order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

function edit(entry: LedgerEntry, change: (record: LedgerRecord) => void): LedgerEntry {
  const record = decodeLedgerRecord(entry.body);
  change(record);
  return { key: entry.key, body: encodeLedgerRecord(record) };
}

describe('ledger records', () => {
  it('chain from the genesis hash, one sequence number apart, under time-sortable keys', async () => {
    const [first, second] = (await buildChain(2)).map((entry) => decodeLedgerRecord(entry.body));
    expect(first!.sequence).toBe(1);
    expect(first!.previousHash).toBe('0'.repeat(64)); // the genesis hash
    expect(second!.previousHash).toBe(first!.hash);
    expect(ledgerKeyOf(second!)).toBe('ledger/2026/11/22/20261122T080000Z-0000000002.json');
    // The hash is the record's own content hashed: the same run after the same link hashes the same.
    expect((await createLedgerRecord(first!, second!.run)).hash).toBe(second!.hash);
  });

  it('hash canonical JSON, so reformatting a record does not break it but changing a value does', async () => {
    const [entry] = await buildChain(1);
    // Stored as canonical JSON: keys sorted at every depth, no whitespace, undefined fields left out.
    const stored = new TextDecoder().decode(entry!.body);
    expect(stored).toBe(`${JSON.stringify(sortKeys(JSON.parse(stored)))}\n`);
    expect(stored.startsWith('{"format":')).toBe(true);
    const pretty = new TextEncoder().encode(JSON.stringify(decodeLedgerRecord(entry!.body), null, 4));
    expect((await verifyLedger([{ key: entry!.key, body: pretty }])).intact).toBe(true);
  });
});

describe('verifyLedger', () => {
  it('reports an untouched chain as intact with its head', async () => {
    const entries = await buildChain(5);
    const verification = await verifyLedger(entries);
    expect(verification.intact).toBe(true);
    expect(verification.records).toHaveLength(5);
    expect(verification.summary).toMatch(/^intact: 5 record\(s\), #1–#5, head SHA-256 [0-9a-f]{64}$/);
  });

  it('finds an edited record and names it', async () => {
    const entries = await buildChain(5);
    entries[2] = edit(entries[2]!, (record) => {
      record.run.results[0]!.outcome = 'fail';
    });
    const verification = await verifyLedger(entries);
    expect(verification.intact).toBe(false);
    expect(verification.problems.map((p) => p.kind)).toEqual(['edited']);
    expect(verification.summary).toBe(
      `broken: record #3 (${entries[2]!.key}) was altered after it was written: its content no longer hashes to the SHA-256 it carries`,
    );
  });

  it('finds an edit whose hash was recomputed, at the link to the next record', async () => {
    const entries = await buildChain(5);
    entries[2] = edit(entries[2]!, (record) => {
      record.run.results[0]!.latencyMs = 1;
    });
    const edited = decodeLedgerRecord(entries[2]!.body);
    const rehashed = await createLedgerRecord(
      { sequence: edited.sequence - 1, hash: edited.previousHash },
      edited.run,
    );
    entries[2] = { key: entries[2]!.key, body: encodeLedgerRecord(rehashed) };
    const verification = await verifyLedger(entries);
    expect(verification.problems.map((p) => [p.kind, p.sequence])).toEqual([['broken-link', 4]]);
    expect(verification.summary).toMatch(/^broken: record #4 .* does not chain to record #3/);
  });

  it('finds a deleted record', async () => {
    const entries = await buildChain(5);
    entries.splice(2, 1);
    const verification = await verifyLedger(entries);
    expect(verification.problems.map((p) => p.kind)).toEqual(['missing']);
    expect(verification.summary).toMatch(
      /^broken: record #3 is missing between .*-0000000002\.json and .*-0000000004\.json/,
    );
  });

  it('finds deleted first records', async () => {
    const entries = (await buildChain(4)).slice(2);
    expect((await verifyLedger(entries)).summary).toMatch(/records #1–#2 are missing before record #3/);
  });

  it('finds records swapped between keys', async () => {
    const entries = await buildChain(5);
    const [second, third] = [entries[1]!, entries[2]!];
    entries[1] = { key: second.key, body: third.body };
    entries[2] = { key: third.key, body: second.body };
    const verification = await verifyLedger(entries);
    expect(verification.intact).toBe(false);
    expect(verification.problems[0]).toMatchObject({ kind: 'misplaced', sequence: 3, key: second.key });
    expect(verification.problems.map((p) => p.kind)).toContain('out-of-order');
  });

  it('finds an unreadable record', async () => {
    const entries = await buildChain(3);
    entries[1] = { key: entries[1]!.key, body: new TextEncoder().encode('{"format":') };
    const verification = await verifyLedger(entries);
    expect(verification.problems.map((p) => p.kind)).toEqual(['unreadable']);
    expect(verification.summary).toMatch(/^broken: the record at .*-0000000002\.json is unreadable/);
  });

  it('finds records cut off the end when the head was anchored elsewhere', async () => {
    const entries = await buildChain(5);
    const head = decodeLedgerRecord(entries[4]!.body);
    const verification = await verifyLedger(entries.slice(0, 3), {
      anchor: { sequence: head.sequence, hash: head.hash },
    });
    expect(verification.problems.map((p) => p.kind)).toEqual(['truncated']);
    expect(verification.summary).toMatch(/ends at record #3 but record #5 was anchored/);
  });
});

const directories: string[] = [];
afterAll(async () => {
  for (const dir of directories) await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['memory', async (): Promise<ObjectStore> => new MemoryObjectStore()],
  [
    'directory',
    async (): Promise<ObjectStore> => {
      const dir = await mkdtemp(join(tmpdir(), 'ca-repo-ledger-'));
      directories.push(dir);
      return new DirectoryObjectStore(dir);
    },
  ],
])('HealthLedger on the %s store', (_name, createStore) => {
  it('appends a verifiable chain across days and finds its tail', async () => {
    const store = await createStore();
    const ledger = new HealthLedger({ store });
    // Three runs a day apart, then two more: the tail is found by listing one day back at a time.
    for (const minute of [0, 1440, 2880, 2881, 2882]) await ledger.append(runAt(minute));
    const verification = await verifyLedger(await ledger.readEntries());
    expect(verification.intact).toBe(true);
    expect(verification.records.map((r) => r.record.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(verification.records[0]!.key).toBe('ledger/2026/11/22/20261122T075900Z-0000000001.json');
    expect((await ledger.tail(new Date(START + 2882 * MINUTE)))?.link.sequence).toBe(5);
  });

  it('finds the tail after a gap longer than the day look-back', async () => {
    const ledger = new HealthLedger({ store: await createStore(), lookbackDays: 1 });
    await ledger.append(runAt(0));
    const appended = await ledger.append(runAt(10 * 1440));
    expect(appended.record.sequence).toBe(2);
  });

  it('never overwrites a stored record', async () => {
    const store = await createStore();
    const { key } = await new HealthLedger({ store }).append(runAt(0));
    await expect(
      store.put(key, new Uint8Array([1]), { contentType: 'application/json', ifNoneMatch: '*' }),
    ).rejects.toThrow(PreconditionFailedError);
  });
});

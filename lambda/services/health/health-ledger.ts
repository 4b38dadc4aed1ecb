/**
 * The ledger on an ObjectStore (S3 in AWS, a directory or the embedded S3 locally): appends one
 * hash-chained record per probe run and reads them back for verification and reports. Records are
 * written with If-None-Match, never overwritten; the store needs no delete permission at all.
 */
import { digest, toHex } from '../../core/encoding/bytes.ts';
import type { ProbeRun } from '../../core/health/health-record.ts';
import {
  LEDGER_PREFIX,
  createLedgerRecord,
  decodeLedgerRecord,
  encodeLedgerRecord,
  ledgerDayPrefix,
  ledgerKeyOf,
  type LedgerEntry,
  type LedgerLink,
  type LedgerRecord,
} from '../../core/health/ledger.ts';
import { PreconditionFailedError, type ObjectStore } from '../ports.ts';

const DAY_MS = 24 * 3600_000;
const SEQUENCE_OF_KEY = /-(\d{10})\.json$/;

export interface AppendedRecord {
  key: string;
  record: LedgerRecord;
}

export class HealthLedger {
  private readonly store: ObjectStore;
  private readonly lookbackDays: number;

  constructor(options: { store: ObjectStore; lookbackDays?: number }) {
    this.store = options.store;
    this.lookbackDays = options.lookbackDays ?? 7;
  }

  /**
   * The newest record's key and chain link, read from the store on every call (never cached: a
   * second writer, or a Lambda container that was not the last to run, must not fork the chain).
   * Lists the day of `now` and a few before it; only a ledger idle for longer is listed in full.
   */
  async tail(now: Date): Promise<{ key: string; link: LedgerLink; record?: LedgerRecord } | undefined> {
    let key: string | undefined;
    for (let days = 0; days <= this.lookbackDays && key === undefined; days++) {
      key = await this.lastKey(ledgerDayPrefix(new Date(now.getTime() - days * DAY_MS)));
    }
    key ??= await this.lastKey(LEDGER_PREFIX);
    if (key === undefined) return undefined;
    const object = await this.store.get(key);
    if (!object) return undefined;
    try {
      const record = decodeLedgerRecord(object.body);
      return { key, link: { sequence: record.sequence, hash: record.hash }, record };
    } catch {
      // A damaged newest record: keep chaining from its bytes, so the damage stays visible to
      // verification instead of being papered over by a fresh chain.
      const sequence = Number(SEQUENCE_OF_KEY.exec(key)?.[1] ?? 0);
      return { key, link: { sequence, hash: toHex(await digest('sha256', object.body)) } };
    }
  }

  /** Appends the run as the next record and returns it with its key. */
  async append(run: ProbeRun): Promise<AppendedRecord> {
    for (let attempt = 0; ; attempt++) {
      const tail = await this.tail(new Date(run.startedAt));
      const record = await createLedgerRecord(tail?.link, run);
      const key = ledgerKeyOf(record);
      try {
        await this.store.put(key, encodeLedgerRecord(record), {
          contentType: 'application/json',
          ifNoneMatch: '*',
        });
        return { key, record };
      } catch (error) {
        // Another writer took this key first: chain after its record instead.
        if (!(error instanceof PreconditionFailedError) || attempt >= 2) throw error;
      }
    }
  }

  /** Every stored record object in key order, bytes as stored (verification reads them raw). */
  async readEntries(): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for await (const key of this.store.list(LEDGER_PREFIX)) {
      if (!key.endsWith('.json')) continue;
      const object = await this.store.get(key);
      if (object) entries.push({ key, body: object.body });
    }
    return entries;
  }

  private async lastKey(prefix: string): Promise<string | undefined> {
    let last: string | undefined;
    for await (const key of this.store.list(prefix)) if (key.endsWith('.json')) last = key;
    return last;
  }
}

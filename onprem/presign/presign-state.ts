/**
 * What `--state DIR` remembers between pre-signer runs, stored so that a run's memory stays flat
 * in the certificate count (format `ca-repo-presign-state/2`):
 *
 *   DIR/state.json          { format, generation, shards, crls }: the one file that is replaced
 *                           by a rename, so the state is the old one or the new one, never half
 *   DIR/<generation>/<NNN>  one shard per 1/SHARDS of the serials (by a hash of the serial):
 *                           `serial TAB status TAB thisUpdate TAB refreshAt` lines
 *
 * A run partitions the status source into the same shards (DIR/run-<id>/, removed at the end),
 * then takes one shard at a time: it loads that shard of the old state (1/SHARDS of it), joins
 * it with that shard of the source, and writes that shard of the new generation. Memory holds
 * one shard; disk holds the source once more while the run lasts. A run killed before the
 * rename leaves the old state.json and a generation nobody names: the next run removes it.
 *
 * `ca-repo-presign-state/1` (one state.json holding every serial) is read once and replaced.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { StatusRecord } from './status-source.ts';

export const PRESIGN_STATE_FORMAT = 'ca-repo-presign-state/2';
const PRESIGN_STATE_FORMAT_1 = 'ca-repo-presign-state/1';
const STATE_FILE = 'state.json';
/** 256 shards: 4,000 serials a shard at a million certificates, a few hundred KB in memory. */
export const STATE_SHARDS = 256;
/** Bytes buffered per shard while the source is partitioned (256 × 16 KB at most). */
const PARTITION_BUFFER = 16 * 1024;

/** Per serial: the status last signed and when that response must be replaced. */
export interface ResponseState {
  status: string;
  thisUpdate: string;
  refreshAt: string;
}

/** The last cRLNumber written at each bundle path, and when (RFC 5280 §5.2.3: strictly increasing). */
export type CrlState = Record<string, { crlNumber: string; thisUpdate: string }>;

interface StateFile {
  format: typeof PRESIGN_STATE_FORMAT;
  /** The directory holding this state's shards; absent before the first certificate. */
  generation?: string;
  shards: number;
  crls: CrlState;
}

/** A record of the status source and what the state remembers of its serial. */
export interface StateJoin {
  record: StatusRecord;
  previous: ResponseState | undefined;
}

/** FNV-1a over the serial's hex: sequential and random serials alike spread over the shards. */
export function shardOf(serialHex: string, shards = STATE_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < serialHex.length; i++) hash = Math.imul(hash ^ serialHex.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

function shardName(shard: number): string {
  return shard.toString().padStart(3, '0');
}

function encodeRecord(record: StatusRecord): string {
  return [
    record.serialHex,
    record.status,
    record.revokedAt?.getTime() ?? '',
    record.reason ?? '',
    record.notAfter?.getTime() ?? '',
  ].join('\t');
}

function decodeRecord(line: string): StatusRecord {
  const [serialHex, status, revokedAt, reason, notAfter] = line.split('\t') as string[];
  return {
    serialHex: serialHex as string,
    status: status as StatusRecord['status'],
    ...(revokedAt ? { revokedAt: new Date(Number(revokedAt)) } : {}),
    ...(reason ? { reason: Number(reason) } : {}),
    ...(notAfter ? { notAfter: new Date(Number(notAfter)) } : {}),
  };
}

async function* linesOf(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path);
  const missing = new Promise<boolean>((resolve) => {
    stream.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ENOENT'));
    stream.once('open', () => resolve(false));
  });
  if (await missing) return;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) if (line) yield line;
}

export class PresignStateStore {
  private constructor(
    private readonly dir: string,
    private readonly file: StateFile,
    /** A format-1 state, read whole once (it was held whole before). */
    private readonly legacy: Map<string, ResponseState> | undefined,
  ) {}

  /** The CRL numbers and times last written. */
  get crls(): CrlState {
    return this.file.crls;
  }

  /** Names this state's content, for a run that resumes (run-identity.ts). */
  get generation(): string {
    return this.file.generation ?? (this.legacy ? 'format-1' : 'empty');
  }

  /** Reads DIR/state.json and removes what a killed run left (an unnamed generation, a partition). */
  static async open(dir: string): Promise<PresignStateStore> {
    await mkdir(dir, { recursive: true });
    const text = await readFile(join(dir, STATE_FILE), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const parsed = text === undefined ? undefined : (JSON.parse(text) as { format?: string });
    let file: StateFile = { format: PRESIGN_STATE_FORMAT, shards: STATE_SHARDS, crls: {} };
    let legacy: Map<string, ResponseState> | undefined;
    if (parsed?.format === PRESIGN_STATE_FORMAT) file = parsed as StateFile;
    else if (parsed?.format === PRESIGN_STATE_FORMAT_1) {
      const old = parsed as unknown as { crls: CrlState; responses: Record<string, ResponseState> };
      file = { ...file, crls: old.crls };
      legacy = new Map(Object.entries(old.responses));
    } else if (parsed !== undefined)
      throw new Error(
        `${join(dir, STATE_FILE)} is ${JSON.stringify(parsed.format)}, not ${PRESIGN_STATE_FORMAT}`,
      );
    for (const entry of await readdir(dir, { withFileTypes: true }))
      if (entry.isDirectory() && /^(g|run)-/.test(entry.name) && entry.name !== file.generation)
        await rm(join(dir, entry.name), { recursive: true, force: true });
    return new PresignStateStore(dir, file, legacy);
  }

  private nextGeneration = `g-${randomUUID()}`;
  private pending: string[] = [];

  /**
   * Every record of `records`, shard by shard, with what the state remembers of its serial. The
   * caller says what to remember for the next state with `remember`, before asking for the next.
   */
  async *join(records: AsyncIterable<StatusRecord>): AsyncGenerator<StateJoin> {
    const shards = this.file.shards;
    const run = join(this.dir, `run-${randomUUID()}`);
    await mkdir(run, { recursive: true });
    await mkdir(join(this.dir, this.nextGeneration), { recursive: true });
    try {
      await partition(records, run, shards);
      for (let shard = 0; shard < shards; shard++) {
        const previous = this.legacy ?? (await this.readShard(shard));
        for await (const line of linesOf(join(run, shardName(shard)))) {
          const record = decodeRecord(line);
          yield { record, previous: previous.get(record.serialHex) };
        }
        await writeFile(join(this.dir, this.nextGeneration, shardName(shard)), this.pending.join(''));
        this.pending = [];
      }
    } finally {
      await rm(run, { recursive: true, force: true });
    }
  }

  /** What the next state remembers of the serial just joined. */
  remember(serialHex: string, state: ResponseState): void {
    this.pending.push(`${serialHex}\t${state.status}\t${state.thisUpdate}\t${state.refreshAt}\n`);
  }

  private async readShard(shard: number): Promise<Map<string, ResponseState>> {
    const map = new Map<string, ResponseState>();
    if (!this.file.generation) return map;
    for await (const line of linesOf(join(this.dir, this.file.generation, shardName(shard)))) {
      const [serial, status, thisUpdate, refreshAt] = line.split('\t') as string[];
      map.set(serial as string, {
        status: status as string,
        thisUpdate: thisUpdate as string,
        refreshAt: refreshAt as string,
      });
    }
    return map;
  }

  /**
   * Makes the generation written by `join` the state, with these CRLs: state.json is written
   * beside itself and renamed into place, then the old generation goes.
   */
  async commit(crls: CrlState): Promise<void> {
    const next: StateFile = {
      format: PRESIGN_STATE_FORMAT,
      generation: this.nextGeneration,
      shards: this.file.shards,
      crls,
    };
    const temporary = join(this.dir, `${STATE_FILE}.${randomUUID()}.tmp`);
    await writeFile(temporary, `${JSON.stringify(next)}\n`);
    await rename(temporary, join(this.dir, STATE_FILE));
    if (this.file.generation)
      await rm(join(this.dir, this.file.generation), { recursive: true, force: true });
  }
}

/** Writes each record to its shard's file under `run`, a few KB buffered per shard. */
async function partition(records: AsyncIterable<StatusRecord>, run: string, shards: number): Promise<void> {
  const handles = new Map<number, FileHandle>();
  const buffers: string[][] = Array.from({ length: shards }, () => []);
  const sizes = new Array<number>(shards).fill(0);
  const flush = async (shard: number) => {
    if (sizes[shard] === 0) return;
    let handle = handles.get(shard);
    if (!handle) {
      handle = await open(join(run, shardName(shard)), 'w');
      handles.set(shard, handle);
    }
    await handle.write((buffers[shard] as string[]).join(''));
    buffers[shard] = [];
    sizes[shard] = 0;
  };
  try {
    for await (const record of records) {
      const shard = shardOf(record.serialHex, shards);
      const line = `${encodeRecord(record)}\n`;
      (buffers[shard] as string[]).push(line);
      sizes[shard] = (sizes[shard] as number) + line.length;
      if ((sizes[shard] as number) >= PARTITION_BUFFER) await flush(shard);
    }
    for (let shard = 0; shard < shards; shard++) await flush(shard);
  } finally {
    for (const handle of handles.values()) await handle.close();
  }
}

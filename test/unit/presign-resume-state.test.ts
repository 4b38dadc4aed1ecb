/**
 * The pre-signer's resume (a killed run's OUT.partial is resumed only when made of the same
 * inputs, before its responses are due, keeping only whole responses) and its sharded --state
 * (format 2: the old state or the new one, never half; format 1 read once and replaced).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESIGN_STATE_FORMAT, PresignStateStore, shardOf } from '../../onprem/presign/presign-state.ts';
import {
  keepCompleteResponses,
  resumableRun,
  RUN_FILE,
  type RunInputs,
  writeRunRecord,
} from '../../onprem/presign/resume.ts';
import { readStatusSource, type StatusRecord } from '../../onprem/presign/status-source.ts';
import { OpensslCa } from '../../testkit/openssl-ca.ts';
import { issuePresignCerts, presignInProcess, type PresignCerts } from '../../testkit/presign-fixture.ts';

const HOUR = 3600_000;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ca-repo-presign-resume-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const inputs: RunInputs = {
  format: 'ca-repo-presign-run/1',
  ca: 'ca',
  responder: 'responder',
  source: 'source-digest',
  validityMs: 96 * HOUR,
  crlPath: 'crl/ca.crl',
  crlValidityMs: 168 * HOUR,
  certsDir: null,
  state: null,
};

describe('resuming a killed run', () => {
  it('only with the same inputs, before its responses are due', async () => {
    const partial = join(work, 'out.partial');
    await mkdir(partial, { recursive: true });
    const thisUpdate = new Date('2026-01-01T00:00:00Z');
    await writeRunRecord(partial, {
      ...inputs,
      thisUpdate: thisUpdate.toISOString(),
      refreshAt: new Date(thisUpdate.getTime() + 48 * HOUR).toISOString(),
    });
    const at = (hours: number) => new Date(thisUpdate.getTime() + hours * HOUR);
    expect(await resumableRun(partial, inputs, at(1))).toMatchObject({
      thisUpdate: thisUpdate.toISOString(),
    });
    expect(await resumableRun(partial, { ...inputs, source: 'other' }, at(1))).toBeUndefined();
    expect(await resumableRun(partial, { ...inputs, responder: 'other' }, at(1))).toBeUndefined();
    expect(await resumableRun(partial, { ...inputs, validityMs: 24 * HOUR }, at(1))).toBeUndefined();
    expect(await resumableRun(partial, { ...inputs, state: 'g-other' }, at(1))).toBeUndefined();
    expect(await resumableRun(partial, inputs, at(48))).toBeUndefined(); // due: sign afresh
    expect(await resumableRun(partial, inputs, at(-1))).toBeUndefined(); // the clock stepped back
  });

  it('keeps whole responses and the run record, drops cut-off ones and everything else', async () => {
    const partial = join(work, 'cut.partial');
    await mkdir(join(partial, 'ocsp'), { recursive: true });
    await mkdir(join(partial, 'crl'), { recursive: true });
    const whole = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.alloc(256, 7)]);
    await writeFile(join(partial, 'ocsp', 'a.ocsp'), whole);
    await writeFile(join(partial, 'ocsp', 'b.ocsp'), whole.subarray(0, 100));
    await writeFile(join(partial, 'ocsp', 'c.ocsp'), Buffer.alloc(0));
    await writeFile(join(partial, 'crl', 'ca.crl'), whole);
    await writeFile(join(partial, RUN_FILE), '{}');
    expect(await keepCompleteResponses(partial, 'ocsp')).toBe(1);
    expect(await readdir(join(partial, 'ocsp'))).toEqual(['a.ocsp']);
    expect((await readdir(partial)).sort()).toEqual([RUN_FILE, 'ocsp'].sort());
  });
});

describe('the sharded --state', () => {
  let ca: OpensslCa;
  let certs: PresignCerts;
  beforeAll(async () => {
    ca = await OpensslCa.create({ dir: join(work, 'ca'), commonName: 'Presign state CA', keyType: 'ec' });
    certs = await issuePresignCerts(ca, join(work, 'db'));
  });

  it('spreads sequential serials over the shards', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 25_600; i++) {
      const shard = shardOf((0x1000 + i).toString(16));
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(counts.size).toBe(256);
    expect(Math.max(...counts.values())).toBeLessThan(200);
  });

  it('a run killed before its commit leaves the old state; the next run removes what it wrote', async () => {
    const dir = join(work, 'state-killed');
    const records = async function* (): AsyncGenerator<StatusRecord> {
      yield { serialHex: '1a', status: 'valid' };
      yield { serialHex: '2b', status: 'valid' };
    };
    const first = await PresignStateStore.open(dir);
    for await (const { record } of first.join(records()))
      first.remember(record.serialHex, { status: 'good', thisUpdate: 't1', refreshAt: 'r1' });
    await first.commit({});
    const committed = await readFile(join(dir, 'state.json'), 'utf8');
    expect(JSON.parse(committed).format).toBe(PRESIGN_STATE_FORMAT);

    const killed = await PresignStateStore.open(dir);
    for await (const { record } of killed.join(records()))
      killed.remember(record.serialHex, { status: 'good', thisUpdate: 't2', refreshAt: 'r2' });
    // no commit: killed here
    expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(committed);
    expect((await readdir(dir)).filter((name) => name.startsWith('g-'))).toHaveLength(2);

    const next = await PresignStateStore.open(dir);
    expect((await readdir(dir)).filter((name) => name.startsWith('g-'))).toHaveLength(1);
    const seen: Record<string, string | undefined> = {};
    for await (const { record, previous } of next.join(records()))
      seen[record.serialHex] = previous?.thisUpdate;
    expect(seen).toEqual({ '1a': 't1', '2b': 't1' });
  });

  it('reads a format-1 state once and carries on from it', async () => {
    const state = join(work, 'state-v1');
    const out = join(work, 'out-v1');
    const now = new Date(Date.now() - 2 * HOUR);
    const first = await presignInProcess(ca, certs.index, out, { stateDir: state, now });
    // The same state as format 1 wrote it: one file, every serial.
    const responses: Record<string, unknown> = {};
    const store = await PresignStateStore.open(state);
    const crls = store.crls;
    for await (const { record, previous } of store.join(readStatusSource({ index: certs.index })))
      if (previous) responses[record.serialHex] = previous;
    await rm(state, { recursive: true });
    await mkdir(state);
    await writeFile(
      join(state, 'state.json'),
      JSON.stringify({ format: 'ca-repo-presign-state/1', crls, responses }),
    );
    const second = await presignInProcess(ca, certs.index, out, {
      stateDir: state,
      now: new Date(now.getTime() + HOUR),
    });
    expect(second.signed).toEqual({ good: 0, revoked: 0 });
    expect(second.notDue).toBe(first.signed.good + first.signed.revoked);
    expect(BigInt(second.crls[0]!.crlNumber)).toBeGreaterThan(BigInt(first.crls[0]!.crlNumber));
    expect(JSON.parse(await readFile(join(state, 'state.json'), 'utf8')).format).toBe(PRESIGN_STATE_FORMAT);
    expect(await stat(join(state, 'run')).catch(() => undefined)).toBeUndefined();
  });
});

/**
 * Per-Region ledgers side by side: each Region's health checker appends to its own hash-chained
 * ledger; `ca-repo report --ledger A --ledger B` verifies and reports each on its own and sets them
 * in one page, one column per Region, named by the Region the runs recorded.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeRun } from '../../lambda/core/health/health-record.ts';
import { HealthLedger } from '../../lambda/services/health/health-ledger.ts';
import { DirectoryObjectStore } from '../../lambda/storage/directory-object-store.ts';
import { runReport } from '../../cli/report-command.ts';
import type { RegionsReport } from '../../reporting/report-regions.ts';
import type { HealthReport } from '../../reporting/report.ts';

const START = Date.parse('2026-11-20T00:00:00Z');
const CRL = 'http://repo.example/crl/root.crl';

function runAt(minute: number, region: string | undefined, crlOk = true): ProbeRun {
  const time = new Date(START + minute * 60_000).toISOString();
  return {
    startedAt: time,
    finishedAt: time,
    repositories: ['http://repo.example'],
    ...(region ? { region } : {}),
    results: [
      {
        time,
        check: 'crl',
        target: CRL,
        outcome: crlOk ? 'ok' : 'fail',
        latencyMs: 20,
        detail: crlOk ? 'fine' : 'HTTP 503, expected 200',
      },
    ],
  };
}

let scratch: string;

async function ledgerOf(name: string, runs: ProbeRun[]): Promise<string> {
  const dir = join(scratch, name);
  const ledger = new HealthLedger({ store: new DirectoryObjectStore(dir) });
  for (const run of runs) await ledger.append(run);
  return dir;
}

async function quietly<T>(work: () => Promise<T>): Promise<{ value: T; log: string[] }> {
  const log: string[] = [];
  const original = console.log;
  console.log = (line: string) => log.push(line);
  try {
    return { value: await work(), log };
  } finally {
    console.log = original;
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ca-repo-report-regions-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('ca-repo report with one ledger per Region', () => {
  it('reports each Region on its own and sets them side by side', async () => {
    const primary = await ledgerOf(
      'primary',
      [0, 1, 2, 3].map((m) => runAt(m, 'ap-northeast-1')),
    );
    // The replica Region saw the CRL fail once: its column alone shows the incident.
    const replica = await ledgerOf(
      'replica',
      [0, 1, 2, 3].map((m) => runAt(m, 'ap-northeast-3', m !== 2)),
    );
    const out = join(scratch, 'out-two');
    const { value: code, log } = await quietly(() =>
      runReport({ ledger: [primary, replica], out, slo: '99.9' }),
    );
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'ap-northeast-1',
      'ap-northeast-3',
      'report.html',
      'report.json',
    ]);
    const regions = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RegionsReport;
    expect(regions).toMatchObject({
      format: 'ca-repo-health-regions/1',
      chainsIntact: true,
      regions: [
        { label: 'ap-northeast-1', reportPath: 'ap-northeast-1/report.html', chainIntact: true },
        { label: 'ap-northeast-3', reportPath: 'ap-northeast-3/report.html', chainIntact: true },
      ],
    });
    const own = JSON.parse(
      await readFile(join(out, 'ap-northeast-3', 'report.json'), 'utf8'),
    ) as HealthReport;
    expect(own.regions).toEqual(['ap-northeast-3']);
    expect(own.incidents).toHaveLength(1);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<a href="ap-northeast-1/report.html">ap-northeast-1</a>');
    expect(html).toContain('<a href="ap-northeast-3/report.html">ap-northeast-3</a>');
    expect(html).toMatch(
      /<th scope="row">Availability<\/th><td class="ok">100 % \(SLO 99.9 %\)<\/td><td class="bad">75 % \(SLO 99.9 %\)<\/td>/,
    );
    expect(html).toMatch(/<th scope="row">Incidents<\/th><td class="ok">0<\/td><td class="bad">1<\/td>/);
    expect(log).toContainEqual(expect.stringMatching(/^ap-northeast-3: availability 75 %/));
  });

  it("shows one Region's broken chain against the other's intact one, and exits 1", async () => {
    const primary = await ledgerOf(
      'primary-b',
      [0, 1, 2].map((m) => runAt(m, 'ap-northeast-1')),
    );
    const replica = await ledgerOf(
      'replica-b',
      [0, 1, 2].map((m) => runAt(m, 'ap-northeast-3')),
    );
    // Edit one stored record of the replica Region's ledger: its chain breaks there, not the primary's.
    const files = (await readdir(replica, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
    const edited = join(replica, files[1]!);
    await writeFile(edited, (await readFile(edited, 'utf8')).replace('"fine"', '"edited"'));
    const out = join(scratch, 'out-broken');
    const { value: code } = await quietly(() => runReport({ ledger: [primary, replica], out, slo: '99.9' }));
    expect(code).toBe(1);
    const regions = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RegionsReport;
    expect(regions.chainsIntact).toBe(false);
    expect(regions.regions.map((r) => [r.label, r.chainIntact])).toEqual([
      ['ap-northeast-1', true],
      ['ap-northeast-3', false],
    ]);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(
      /<th scope="row">Hash chain<\/th><td class="ok">intact \(3 records\)<\/td><td class="bad">BROKEN: /,
    );
  });

  it('names columns by ledger when the runs recorded no Region, and keeps one ledger as before', async () => {
    const a = await ledgerOf(
      'local-a',
      [0, 1].map((m) => runAt(m, undefined)),
    );
    const b = await ledgerOf(
      'local-b',
      [0, 1].map((m) => runAt(m, undefined)),
    );
    const out = join(scratch, 'out-local');
    await quietly(() => runReport({ ledger: [a, b], out, slo: '99.9' }));
    const regions = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RegionsReport;
    expect(regions.regions.map((r) => r.label)).toEqual(['local-a', 'local-b']);

    const single = join(scratch, 'out-single');
    const { value: code } = await quietly(() => runReport({ ledger: [a], out: single, slo: '99.9' }));
    expect(code).toBe(0);
    expect((await readdir(single)).sort()).toEqual(['report.csv', 'report.html', 'report.json']);
    const report = JSON.parse(await readFile(join(single, 'report.json'), 'utf8')) as HealthReport;
    expect(report.format).toBe('ca-repo-health-report/1');
    expect(report.regions).toBeUndefined();
  });

  it('refuses --anchor with several ledgers: an anchor names a record of one chain', async () => {
    const a = await ledgerOf('anchor-a', [runAt(0, 'ap-northeast-1')]);
    await expect(
      runReport({ ledger: [a, a], out: join(scratch, 'x'), slo: '99.9', anchor: `1:${'0'.repeat(64)}` }),
    ).rejects.toThrow(/--anchor names a record of one ledger/);
  });
});

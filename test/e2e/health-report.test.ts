/**
 * Four simulated days of the health checker against the local repository (the repository's and
 * the probe's clock advance two hours per run), with a storage outage and a CRL about to expire
 * injected on the way; then `ca-repo report` over the ledger, before and after one record is
 * edited to hide the outage, and the HTML rendered by headless Chromium.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryObjectStore } from '../../lambda/storage/directory-object-store.ts';
import { NodeHttpClient } from '../../lambda/adapters/node-http-client.ts';
import { META } from '../../lambda/core/serving/cache-policy.ts';
import type { HealthReport } from '../../reporting/report.ts';
import { runHealthCheck } from '../../lambda/services/health/health-check.ts';
import { HealthLedger } from '../../lambda/services/health/health-ledger.ts';
import { HealthProbe } from '../../lambda/services/health/health-probe.ts';
import { runCommand } from '../../testkit/run-command.ts';
import { HOUR, shift } from '../../testkit/test-pki.ts';
import { KEYS, startPublishedRepository, type PublishedRepository } from './health-fixture.ts';

const RUNS = 46;
const STEP = 2 * HOUR;
const OUTAGE_RUNS = [15, 16, 17];
const EXPIRING_CRL_RUNS = [40, 41];
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((path) =>
  existsSync(path),
);

let fixture: PublishedRepository;
let ledgerDir: string;
let outDir: string;
/** Real time while the fixture is published, then frozen and moved by hand, two hours per run. */
let nowMs: number | undefined;
const clock = { now: () => new Date(nowMs ?? Date.now()) };

async function report(out: string, ...extra: string[]) {
  const result = await runCommand('node', [
    'bin/ca-repo.mjs',
    'report',
    '--ledger',
    ledgerDir,
    '--out',
    out,
    ...extra,
  ]);
  const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as HealthReport;
  return { ...result, json, html: await readFile(join(out, 'report.html'), 'utf8') };
}

beforeAll(async () => {
  fixture = await startPublishedRepository({ clock });
  ledgerDir = join(fixture.work, 'health-ledger');
  outDir = await mkdtemp(join(tmpdir(), 'ca-repo-report-'));
  const probe = await HealthProbe.create({
    http: new NodeHttpClient(),
    clock,
    trust: fixture.pki.trust,
    repositoryUrls: [fixture.repo.url],
    sentinels: fixture.sentinels,
  });
  const ledger = new HealthLedger({ store: new DirectoryObjectStore(ledgerDir) });
  nowMs = Date.now();
  for (let run = 1; run <= RUNS; run++) {
    fixture.repo.outage.primary.down = OUTAGE_RUNS.includes(run);
    if (run === EXPIRING_CRL_RUNS[0]) {
      // The on-prem CA missed its republish: the served CRL has 20 hours left.
      const nextUpdate = shift(clock.now(), 20 * HOUR);
      await fixture.inject(
        KEYS.crl,
        await fixture.pki.ca.generateCrl({
          crlNumber: 11n,
          lastUpdate: shift(clock.now(), -HOUR),
          nextUpdate,
        }),
        {
          metadata: { [META.nextUpdate]: nextUpdate.toISOString() },
        },
      );
    }
    if (run === EXPIRING_CRL_RUNS.at(-1)! + 1) await fixture.restoreAll();
    await runHealthCheck({ probe, ledger, clock });
    nowMs += STEP;
  }
  fixture.repo.outage.primary.down = false;
}, 120_000);

afterAll(async () => {
  await fixture?.close();
});

describe('ca-repo report over a ledger the checker wrote', () => {
  it('reports availability against the SLO, both incidents, latency percentiles and the smallest CRL margin', async () => {
    const out = join(outDir, 'intact');
    const { code, stdout, json } = await report(out, '--slo', '99.9');

    expect(code).toBe(0);
    expect(stdout).toMatch(/ledger chain: intact: 46 record\(s\)/);
    expect(json.runs.count).toBe(RUNS);
    expect(json.runs.healthy).toBe(RUNS - OUTAGE_RUNS.length - EXPIRING_CRL_RUNS.length);
    expect(json.slo).toEqual({ targetPercent: 99.9, overallPercent: 89.13, met: false });
    expect(json.incidents).toHaveLength(2);
    const [outage, crl] = json.incidents;
    expect(outage!.runs).toBe(3);
    expect(outage!.durationMinutes).toBe(3 * 120);
    expect(outage!.failures.map((f) => f.check)).toContain('index');
    // The same CRL, judged by the crl check and again as a URL that crl-urls.json discloses.
    expect(crl!.failures).toEqual(
      ['crl', 'crl-urls'].map((check) =>
        expect.objectContaining({ check, runs: 2, detail: expect.stringMatching(/below the 24 h margin/) }),
      ),
    );
    expect(json.crl.minimum?.hours).toBeGreaterThan(17);
    expect(json.crl.minimum?.hours).toBeLessThan(20);
    expect(json.latency.count).toBe(json.endpoints.reduce((n, e) => n + e.probes, 0));
    expect(json.latency.p50).toBeLessThanOrEqual(json.latency.p95);
    const crlEndpoint = json.endpoints.find((e) => e.check === 'crl')!;
    expect(crlEndpoint.failed).toBe(OUTAGE_RUNS.length + EXPIRING_CRL_RUNS.length);
    expect(json.series.daily.map((d) => d.runs).reduce((a, b) => a + b)).toBe(RUNS);
    expect((await readFile(join(out, 'report.csv'), 'utf8')).split('\r\n')[1]).toMatch(
      /^overall,,every probe of a run passed,46,5,89\.13,99\.9,false,/,
    );
    if (process.env.HEALTH_REPORT_OUT)
      await cp(out, join(process.env.HEALTH_REPORT_OUT, 'intact'), { recursive: true });
  });

  it('says the chain is broken, and at which record, after one record was edited to hide the outage', async () => {
    const store = new DirectoryObjectStore(ledgerDir);
    const keys: string[] = [];
    for await (const key of store.list('ledger/')) keys.push(key);
    const edited = keys[OUTAGE_RUNS[0]! - 1]!;
    const path = join(ledgerDir, ...edited.split('/'));
    const record = JSON.parse(await readFile(path, 'utf8'));
    for (const result of record.run.results) result.outcome = 'ok';
    await writeFile(path, `${JSON.stringify(record)}\n`);

    const out = join(outDir, 'broken');
    const { code, stdout, json, html } = await report(out);

    expect(code).toBe(1);
    expect(stdout).toContain(`ledger chain: broken: record #${OUTAGE_RUNS[0]} (${edited}) was altered`);
    expect(json.chain.intact).toBe(false);
    expect(json.chain.problems).toEqual([
      expect.objectContaining({ kind: 'edited', sequence: OUTAGE_RUNS[0], key: edited }),
    ]);
    expect(html).toContain('BROKEN');
    expect(html).toContain(`record #${OUTAGE_RUNS[0]} (${edited}) was altered after it was written`);
    if (process.env.HEALTH_REPORT_OUT)
      await cp(out, join(process.env.HEALTH_REPORT_OUT, 'broken'), { recursive: true });
  });

  it.skipIf(!CHROMIUM)(
    'renders in headless Chromium: the page lays out, with its charts and verdict',
    async () => {
      const html = join(outDir, 'broken', 'report.html');
      const profile = await mkdtemp(join(tmpdir(), 'ca-repo-chromium-'));
      const flags = [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--window-size=1280,1600',
      ];
      const png = join(outDir, 'report.png');
      const shot = await runCommand(CHROMIUM!, [...flags, `--screenshot=${png}`, `file://${html}`], {
        timeoutMs: 60_000,
      });
      expect(shot.code, shot.stderr).toBe(0);
      const image = await readFile(png);
      expect(image.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect([image.readUInt32BE(16), image.readUInt32BE(20)]).toEqual([1280, 1600]);
      expect(image.byteLength).toBeGreaterThan(50_000);

      // What Chromium parsed: the verdict and the three charts are in the rendered DOM.
      const dom = await runCommand(CHROMIUM!, [...flags, '--dump-dom', `file://${html}`], {
        timeoutMs: 60_000,
      });
      expect(dom.stdout).toContain('Repository availability report');
      expect(dom.stdout).toContain('BROKEN');
      expect(dom.stdout.match(/<svg /g)).toHaveLength(3);
      if (process.env.HEALTH_REPORT_OUT) await cp(png, join(process.env.HEALTH_REPORT_OUT, 'report.png'));
    },
  );
});

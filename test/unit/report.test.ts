/**
 * The report model and its renderings over synthetic ledgers: availability against the SLO,
 * incidents (closed and ongoing), the window, nearest-rank percentiles, CSV quoting and HTML that
 * escapes whatever a probe detail or URL contains.
 */
import { describe, expect, it } from 'vitest';
import type { ProbeResult, ProbeRun } from '../../lambda/core/health/health-record.ts';
import {
  createLedgerRecord,
  encodeLedgerRecord,
  ledgerKeyOf,
  verifyLedger,
  type LedgerEntry,
  type LedgerRecord,
} from '../../lambda/core/health/ledger.ts';
import {
  buildHealthReport,
  MixedRepositoriesError,
  percentile,
  type HealthReport,
} from '../../reporting/report.ts';
import { renderReportCsv } from '../../reporting/report-csv.ts';
import { formatDuration, renderReportHtml } from '../../reporting/report-html.ts';

const START = Date.parse('2026-11-20T00:00:00Z');
const MINUTE = 60_000;
const CRL = 'http://repo.example/crl/root.crl';
const INDEX = 'http://repo.example/index.json';

function run(
  minute: number,
  failing: { check: ProbeResult['check']; target: string; detail: string }[] = [],
): ProbeRun {
  const time = new Date(START + minute * MINUTE).toISOString();
  const result = (
    check: ProbeResult['check'],
    target: string,
    latencyMs: number,
    hours?: number,
  ): ProbeResult => {
    const failure = failing.find((f) => f.check === check && f.target === target);
    return {
      time,
      check,
      target,
      outcome: failure ? 'fail' : 'ok',
      latencyMs,
      detail: failure?.detail ?? 'fine',
      ...(hours !== undefined ? { measures: { hoursToNextUpdate: hours } } : {}),
    };
  };
  return {
    startedAt: time,
    finishedAt: time,
    repositories: ['http://repo.example'],
    results: [
      result('index', INDEX, 5 + (minute % 10)),
      result('crl', CRL, 20 + (minute % 7), 168 - minute / 60),
    ],
  };
}

async function ledgerOf(runs: ProbeRun[]): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let previous: LedgerRecord | undefined;
  for (const probeRun of runs) {
    previous = await createLedgerRecord(previous, probeRun);
    entries.push({ key: ledgerKeyOf(previous), body: encodeLedgerRecord(previous) });
  }
  return entries;
}

async function reportOf(
  runs: ProbeRun[],
  options: { from?: Date; to?: Date; slo?: number } = {},
): Promise<HealthReport> {
  return buildHealthReport(await verifyLedger(await ledgerOf(runs)), {
    sloPercent: options.slo ?? 99.9,
    generatedAt: new Date('2026-11-23T00:00:00Z'),
    ledgerLocation: '/var/ledger',
    from: options.from,
    to: options.to,
  });
}

const crlDown = { check: 'crl' as const, target: CRL, detail: 'HTTP 503, expected 200' };

describe('buildHealthReport', () => {
  it('computes availability per endpoint and per run against the SLO', async () => {
    // 1,000 runs a minute apart, the CRL failing in 2 of them: 99.8 % < 99.9 %.
    const runs = Array.from({ length: 1000 }, (_, minute) =>
      run(minute, minute === 100 || minute === 101 ? [crlDown] : []),
    );
    const report = await reportOf(runs);
    expect(report.slo).toEqual({ targetPercent: 99.9, overallPercent: 99.8, met: false });
    expect(report.endpoints.map((e) => [e.check, e.availabilityPercent, e.meetsSlo])).toEqual([
      ['index', 100, true],
      ['crl', 99.8, false],
    ]);
    expect(report.endpoints[1]!.lastFailure).toEqual({
      time: runs[101]!.startedAt,
      detail: 'HTTP 503, expected 200',
    });
    expect(report.runs).toMatchObject({
      count: 1000,
      healthy: 998,
      largestGapMinutes: 1,
      medianIntervalMinutes: 1,
    });
    expect((await reportOf(runs, { slo: 99.5 })).slo.met).toBe(true);
  });

  it('finds incidents from the first failing run to the next healthy one, and an ongoing one at the end', async () => {
    const indexDown = { check: 'index' as const, target: INDEX, detail: 'connection failed: ECONNREFUSED' };
    const runs = [
      run(0),
      run(1, [crlDown]),
      run(2, [crlDown, indexDown]),
      run(3),
      run(4),
      run(5, [indexDown]),
      run(6, [indexDown]),
    ];
    const { incidents } = await reportOf(runs);
    expect(incidents).toEqual([
      {
        start: runs[1]!.startedAt,
        end: runs[3]!.startedAt,
        ongoing: false,
        durationMinutes: 2,
        runs: 2,
        failures: [
          { check: 'crl', target: CRL, detail: 'HTTP 503, expected 200', runs: 2 },
          { check: 'index', target: INDEX, detail: 'connection failed: ECONNREFUSED', runs: 1 },
        ],
      },
      {
        start: runs[5]!.startedAt,
        ongoing: true,
        durationMinutes: 1,
        runs: 2,
        failures: [{ check: 'index', target: INDEX, detail: 'connection failed: ECONNREFUSED', runs: 2 }],
      },
    ]);
  });

  it('reports only the window, but verifies the whole chain', async () => {
    const runs = Array.from({ length: 3 * 24 }, (_, hour) => run(hour * 60));
    const report = await reportOf(runs, {
      from: new Date('2026-11-21T00:00:00Z'),
      to: new Date('2026-11-22T00:00:00Z'),
    });
    expect(report.runs.count).toBe(24);
    expect(report.series.daily).toEqual([
      { day: '2026-11-21', runs: 24, healthy: 24, availabilityPercent: 100 },
    ]);
    expect(report.chain.records).toBe(72);
    expect(report.crl.minimum).toEqual({ time: runs[47]!.startedAt, target: CRL, hours: 168 - 47 });
  });

  it('uses nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([
      percentile(values, 50),
      percentile(values, 95),
      percentile(values, 99),
      percentile(values, 100),
    ]).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });

  it('buckets long windows so charts stay readable', async () => {
    const runs = Array.from({ length: 2000 }, (_, minute) => run(minute));
    const report = await reportOf(runs);
    expect(report.series.latency.length).toBeLessThanOrEqual(240);
    expect(report.series.crlMargin[0]!.points.length).toBeLessThanOrEqual(240);
    // The smallest margin of each bucket is kept: the last bucket ends at the lowest value.
    expect(report.series.crlMargin[0]!.points.at(-1)!.hours).toBeCloseTo(168 - 1999 / 60, 5);
  });
});

describe('report renderings', () => {
  it('writes CSV with an overall, per-check and per-endpoint row, quoting commas and quotes', async () => {
    const report = await reportOf([run(0), run(1, [{ ...crlDown, detail: 'Content-Type "x", expected y' }])]);
    const lines = renderReportCsv(report).split('\r\n');
    expect(lines[0]).toBe(
      'scope,check,target,probes,failed,availability_percent,slo_percent,meets_slo,latency_p50_ms,latency_p95_ms,latency_p99_ms,last_failure_time,last_failure_detail',
    );
    expect(lines[1]).toMatch(/^overall,,every probe of a run passed,2,1,50,99\.9,false,/);
    expect(lines.filter((line) => line.startsWith('check,'))).toHaveLength(2);
    expect(lines[5]).toMatch(
      /^endpoint,crl,http:\/\/repo.example\/crl\/root.crl,2,1,50,99\.9,false,.*,"Content-Type ""x"", expected y"$/,
    );
  });

  it('renders self-contained HTML that escapes details and URLs', async () => {
    const hostile = '<script>alert(1)</script>';
    const report = await reportOf([run(0, [{ ...crlDown, detail: hostile }]), run(1)]);
    const html = renderReportHtml(report);
    expect(html).not.toContain(hostile);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('intact: 2 record(s)');
  });

  it('renders an empty ledger without failing', async () => {
    const html = renderReportHtml(await reportOf([]));
    expect(html).toContain('no data in this window');
    expect(html).toContain('no incidents in this window');
  });

  it('formats durations for people', () => {
    expect([0.005, 0.5, 2, 61, 1500].map(formatDuration)).toEqual([
      '0.3 s',
      '30 s',
      '2 min',
      '1 h 1 min',
      '1 d 1 h',
    ]);
  });
});

describe('a ledger that saw more than one repository', () => {
  const elsewhere = (probeRun: ProbeRun): ProbeRun => ({
    ...probeRun,
    repositories: ['http://other.example'],
  });

  it('is refused as a whole (one availability figure would describe neither), naming both', async () => {
    const verification = await verifyLedger(await ledgerOf([run(0), run(1), elsewhere(run(2))]));
    const build = () =>
      buildHealthReport(verification, {
        sloPercent: 99.9,
        generatedAt: new Date('2026-11-23T00:00:00Z'),
        ledgerLocation: '/var/ledger',
      });
    expect(build).toThrow(MixedRepositoriesError);
    expect(build).toThrow('2 repositories: http://other.example, http://repo.example');
  });

  it('reports one repository when asked, counting only its runs, with the chain checked over all', async () => {
    const verification = await verifyLedger(
      await ledgerOf([
        run(0),
        elsewhere(run(1, [{ check: 'index', target: INDEX, detail: 'down' }])),
        run(2),
      ]),
    );
    const report = buildHealthReport(verification, {
      sloPercent: 99.9,
      generatedAt: new Date('2026-11-23T00:00:00Z'),
      ledgerLocation: '/var/ledger',
      repository: 'http://repo.example',
    });
    expect(report.repositories).toEqual(['http://repo.example']);
    expect(report.runs.count).toBe(2);
    expect(report.slo.overallPercent).toBe(100);
    expect(report.chain.records).toBe(3);
  });
});

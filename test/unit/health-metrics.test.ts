/**
 * The Embedded Metric Format lines the health Lambda prints: the names, units and dimensions the
 * CDK alarms and dashboard read, and the ledger head kept in the log as an anchor.
 */
import { describe, expect, it } from 'vitest';
import {
  CHECK_DIMENSION,
  HEALTH_METRIC_NAMESPACE,
  renderEmfLines,
} from '../../lambda/core/health/health-metrics.ts';
import { DEADLINE_NAMES, DEADLINES } from '../../lambda/core/health/deadlines.ts';
import type { ProbeResult, ProbeRun } from '../../lambda/core/health/health-record.ts';

const TIME = '2026-11-22T07:59:00.000Z';

function result(
  check: ProbeResult['check'],
  outcome: 'ok' | 'fail',
  extra: Partial<ProbeResult> = {},
): ProbeResult {
  return {
    time: TIME,
    check,
    target: `http://repo.example/${check}`,
    outcome,
    latencyMs: 10,
    detail: 'd',
    ...extra,
  };
}

const run: ProbeRun = {
  startedAt: TIME,
  finishedAt: TIME,
  repositories: ['http://repo.example'],
  results: [
    result('index', 'ok', { latencyMs: 5 }),
    result('crl', 'ok', { latencyMs: 30, measures: { hoursToNextUpdate: 150.5, ageHours: 17.5 } }),
    result('crl', 'fail', {
      target: 'http://repo.example/crl/b.crl',
      latencyMs: 40,
      measures: { hoursToNextUpdate: 12 },
    }),
    // The CDN's copy, kept up to its refresh deadline: not what the age alarm watches.
    result('ocsp-get', 'ok', { measures: { ageHours: 80 } }),
    result('ocsp-post', 'ok', { measures: { ageHours: 4.5 } }),
  ],
};

describe('renderEmfLines', () => {
  const lines = renderEmfLines(run, {
    ledger: { sequence: 42, hash: 'ab'.repeat(32), key: 'ledger/x.json' },
  });
  const documents = lines.map(
    (line) =>
      JSON.parse(line) as Record<string, unknown> & {
        _aws: {
          Timestamp: number;
          CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: unknown[] }[];
        };
      },
  );

  it('writes one line per check with the Check dimension, and one for the run without dimensions', () => {
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
    expect(documents.map((d) => d[CHECK_DIMENSION] ?? d.Deadline ?? 'run')).toEqual([
      'index',
      'crl',
      'ocsp-get',
      'ocsp-post',
      'run',
      ...DEADLINE_NAMES,
    ]);
    for (const document of documents) {
      expect(document._aws.Timestamp).toBe(Date.parse(TIME));
      expect(document._aws.CloudWatchMetrics[0]!.Namespace).toBe(HEALTH_METRIC_NAMESPACE);
    }
    expect(documents[1]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['Check']]);
    expect(documents[4]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([[]]);
  });

  it('writes one line per deadline class with the Deadline dimension, its section and 0 missed when none', () => {
    const deadlines = documents.slice(5);
    expect(deadlines.map((d) => [d.Deadline, d.DeadlineMissed, d.citation])).toEqual(
      DEADLINE_NAMES.map((name) => [name, 0, DEADLINES[name].citation]),
    );
    expect(deadlines[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['Deadline']]);
  });

  it('gives availability per check as the share of passing probes, with the slowest latency', () => {
    expect(documents[1]).toMatchObject({ Check: 'crl', Availability: 0.5, LatencyMs: 40, FailedProbes: 1 });
    expect(documents[1]!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([
      { Name: 'Availability', Unit: 'None' },
      { Name: 'LatencyMs', Unit: 'Milliseconds' },
      { Name: 'FailedProbes', Unit: 'Count' },
    ]);
  });

  it('gives the run 0 availability when any probe failed, the smallest CRL margin and the oldest OCSP response', () => {
    expect(documents[4]).toMatchObject({
      Availability: 0,
      FailedProbes: 1,
      LatencyMs: 40,
      CrlHoursToNextUpdate: 12,
      OcspResponseAgeHours: 4.5,
      ledgerSequence: 42,
      ledgerHash: 'ab'.repeat(32),
    });
    expect(documents[4]!.failures).toMatch(/^crl http:\/\/repo.example\/crl\/b.crl: d$/);
  });
});

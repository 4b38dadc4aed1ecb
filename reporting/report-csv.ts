/**
 * report.csv: the availability table of the report, one row for the whole repository, one per
 * check and one per endpoint, for a spreadsheet or an auditor's own tooling (RFC 4180 quoting).
 */
import type { AvailabilitySummary, HealthReport } from './report.ts';

const COLUMNS = [
  'scope',
  'check',
  'target',
  'probes',
  'failed',
  'availability_percent',
  'slo_percent',
  'meets_slo',
  'latency_p50_ms',
  'latency_p95_ms',
  'latency_p99_ms',
  'last_failure_time',
  'last_failure_detail',
] as const;

function field(value: string | number | boolean | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderReportCsv(report: HealthReport): string {
  const row = (
    scope: string,
    check: string,
    target: string,
    summary: AvailabilitySummary,
    lastFailure?: { time: string; detail: string },
  ) =>
    [
      scope,
      check,
      target,
      summary.probes,
      summary.failed,
      summary.availabilityPercent,
      report.slo.targetPercent,
      summary.meetsSlo,
      summary.latency.p50,
      summary.latency.p95,
      summary.latency.p99,
      lastFailure?.time,
      lastFailure?.detail,
    ]
      .map(field)
      .join(',');
  const lines = [
    COLUMNS.join(','),
    row('overall', '', 'every probe of a run passed', report.overall),
    ...report.checks.map((check) => row('check', check.check, '', check)),
    ...report.endpoints.map((endpoint) =>
      row('endpoint', endpoint.check, endpoint.target, endpoint, endpoint.lastFailure),
    ),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

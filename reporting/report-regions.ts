/**
 * Several ledgers side by side: the health checker runs in the primary and in the replica Region,
 * each appending to its own hash-chained ledger (issue 16 item 5), so a Region that cannot reach
 * the repository, or a ledger that was tampered with, shows against the other. Each ledger is
 * verified and reported on its own (reporting/report.ts); this page only sets the figures beside
 * each other, one column per Region, and links each Region's full report.
 */
import { displayTime } from './report-html.ts';
import type { HealthReport } from './report.ts';

export const REGIONS_REPORT_FORMAT = 'ca-repo-health-regions/1';

export interface RegionColumn {
  /** The Region the runs came from (ProbeRun.region), else the ledger's own name. */
  label: string;
  /** Relative path of this Region's full report.html. */
  reportPath: string;
  report: HealthReport;
}

export interface RegionsReport {
  format: typeof REGIONS_REPORT_FORMAT;
  generatedAt: string;
  regions: { label: string; ledger: string; reportPath: string; chainIntact: boolean }[];
  /** True when every ledger's chain is intact. */
  chainsIntact: boolean;
}

/** The label of a ledger's column: its Region, else the last part of its location; made unique. */
export function regionLabels(reports: readonly HealthReport[]): string[] {
  const labels = reports.map((report) => {
    const regions = report.regions ?? [];
    if (regions.length > 0) return regions.join('+');
    return report.ledger.replace(/\/+$/, '').split('/').at(-1) || report.ledger;
  });
  return labels.map((label, i) =>
    labels.indexOf(label) === i && labels.lastIndexOf(label) === i ? label : `${label}#${i + 1}`,
  );
}

export function buildRegionsReport(columns: readonly RegionColumn[], generatedAt: Date): RegionsReport {
  return {
    format: REGIONS_REPORT_FORMAT,
    generatedAt: generatedAt.toISOString(),
    regions: columns.map((c) => ({
      label: c.label,
      ledger: c.report.ledger,
      reportPath: c.reportPath,
      chainIntact: c.report.chain.intact,
    })),
    chainsIntact: columns.every((c) => c.report.chain.intact),
  };
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

type Cell = { text: string; state?: 'ok' | 'bad' };

/** The rows of the comparison: one measure per row, one Region per column. */
function rows(columns: readonly RegionColumn[]): { measure: string; cells: Cell[] }[] {
  const row = (measure: string, cell: (r: HealthReport) => Cell) => ({
    measure,
    cells: columns.map((c) => cell(c.report)),
  });
  return [
    row('Ledger', (r) => ({ text: r.ledger })),
    row('Hash chain', (r) => ({
      text: r.chain.intact ? `intact (${r.chain.records} records)` : `BROKEN: ${r.chain.summary}`,
      state: r.chain.intact ? 'ok' : 'bad',
    })),
    row('Head record', (r) => ({
      text: r.chain.head ? `#${r.chain.head.sequence} ${r.chain.head.hash}` : '—',
    })),
    row('Repository', (r) => ({ text: r.repositories.join(', ') || '—' })),
    row('Window', (r) => ({
      text: `${displayTime(r.window.from ?? r.window.firstRun)} – ${displayTime(r.window.to ?? r.window.lastRun)}`,
    })),
    row('Probe runs', (r) => ({ text: `${r.runs.count} (${r.runs.healthy} fully available)` })),
    row('Availability', (r) => ({
      text: r.runs.count > 0 ? `${r.slo.overallPercent} % (SLO ${r.slo.targetPercent} %)` : 'no runs',
      state: r.runs.count > 0 ? (r.slo.met ? 'ok' : 'bad') : undefined,
    })),
    row('Incidents', (r) => ({
      text: `${r.incidents.length}${r.incidents.some((i) => i.ongoing) ? ' (one ongoing)' : ''}`,
      state: r.incidents.length > 0 ? 'bad' : 'ok',
    })),
    row('Latency p50 / p95 / p99 (ms)', (r) => ({
      text: `${r.latency.p50} / ${r.latency.p95} / ${r.latency.p99}`,
      state: r.latency.p99 > 10_000 ? 'bad' : undefined,
    })),
    row('Smallest CRL margin', (r) => ({
      text: r.crl.minimum ? `${r.crl.minimum.hours.toFixed(1)} h at ${displayTime(r.crl.minimum.time)}` : '—',
      state: r.crl.minimum ? (r.crl.minimum.hours < r.crl.marginThresholdHours ? 'bad' : 'ok') : undefined,
    })),
    ...[...new Set(columns.flatMap((c) => c.report.checks.map((k) => k.check)))].map((check) =>
      row(`Check ${check}`, (r) => {
        const summary = r.checks.find((k) => k.check === check);
        return summary
          ? {
              text: `${summary.availabilityPercent} % of ${summary.probes}, p99 ${summary.latency.p99} ms`,
              state: summary.meetsSlo ? 'ok' : 'bad',
            }
          : { text: '—' };
      }),
    ),
  ];
}

export function renderRegionsHtml(columns: readonly RegionColumn[], generatedAt: Date): string {
  const e = escapeHtml;
  const head = columns
    .map((c) => `<th scope="col"><a href="${e(c.reportPath)}">${e(c.label)}</a></th>`)
    .join('');
  const body = rows(columns)
    .map(
      ({ measure, cells }) =>
        `<tr><th scope="row">${e(measure)}</th>${cells
          .map((cell) => `<td${cell.state ? ` class="${cell.state}"` : ''}>${e(cell.text)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ca-repo availability by Region</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:24px auto;max-width:1200px;padding:0 16px}
table{border-collapse:collapse;width:100%;table-layout:fixed}
th,td{border:1px solid #d0d7de;padding:6px 8px;text-align:left;vertical-align:top;word-break:break-all}
thead th{background:#f6f8fa}
th[scope=row]{width:220px;background:#f6f8fa;word-break:normal}
td.ok{background:#dafbe1}
td.bad{background:#ffebe9;font-weight:600}
</style>
</head>
<body>
<h1>Availability by Region</h1>
<p>Generated ${e(displayTime(generatedAt.toISOString()))} by <code>ca-repo report</code> from ${columns.length} ledgers, one per Region the health checker probes from. Each ledger is a hash chain of its own, verified from its first record; each column links that Region's full report.</p>
<table>
<thead><tr><th scope="col">Measure</th>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>
`;
}

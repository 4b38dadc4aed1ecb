/**
 * report.html: the availability report for operators and investigators. One self-contained file
 * (inline CSS and SVG, no script, no external fonts or images) that reads the same in any browser,
 * prints to PDF, and can be archived with the ledger it was computed from.
 */
import type { HealthReport, Incident, LatencySummary } from './report.ts';
import { renderBarChart, renderLineChart, type ChartSeries } from './report-svg.ts';

const GREEN = '#1a7f37';
const RED = '#cf222e';
const AMBER = '#9a6700';
const PALETTE = ['#0969da', '#8250df', '#bf3989', '#1b7c83', '#953800', '#57606a'];

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** 2026-11-22 07:59:00Z: ISO 8601 for people, always UTC. */
export function displayTime(iso: string | undefined): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function formatDuration(minutes: number): string {
  const seconds = minutes * 60;
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`;
  if (minutes < 1) return `${Math.round(seconds)} s`;
  const total = Math.round(minutes);
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const rest = total % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${rest} min`;
  return `${rest} min`;
}

function formatPercent(value: number): string {
  return `${value.toFixed(3).replace(/\.?0+$/, '')} %`;
}

function latencyCells(latency: LatencySummary): string {
  return `<td class="num">${latency.p50}</td><td class="num">${latency.p95}</td><td class="num">${latency.p99}</td>`;
}

function card(label: string, value: string, sub: string, state: 'ok' | 'bad' | 'warn' | 'plain'): string {
  return `<div class="card ${state}"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div><div class="sub">${sub}</div></div>`;
}

function incidentRow(incident: Incident): string {
  const failures = incident.failures
    .map(
      (failure) =>
        `<li><span class="check">${escapeHtml(failure.check)}</span> <span class="target">${escapeHtml(failure.target)}</span> <span class="runs">(${failure.runs} run${failure.runs === 1 ? '' : 's'})</span><br><span class="detail">${escapeHtml(failure.detail)}</span></li>`,
    )
    .join('');
  return `<tr><td class="time">${escapeHtml(displayTime(incident.start))}</td><td class="time">${
    incident.ongoing ? '<strong class="bad-text">ongoing</strong>' : escapeHtml(displayTime(incident.end))
  }</td><td class="num">${escapeHtml(formatDuration(incident.durationMinutes))}${incident.ongoing ? ' +' : ''}</td><td class="num">${incident.runs}</td><td><ul class="failures">${failures}</ul></td></tr>`;
}

export function renderReportHtml(report: HealthReport): string {
  const e = escapeHtml;
  const slo = report.slo;
  const window = `${displayTime(report.window.from ?? report.window.firstRun)} – ${displayTime(report.window.to ?? report.window.lastRun)}`;
  const downtime = report.incidents.reduce((sum, incident) => sum + incident.durationMinutes, 0);
  const crlMinimum = report.crl.minimum;
  const crlState = !crlMinimum ? 'plain' : crlMinimum.hours < report.crl.marginThresholdHours ? 'bad' : 'ok';

  const cards = [
    card(
      'Overall availability',
      report.runs.count > 0 ? formatPercent(slo.overallPercent) : 'no runs',
      `SLO ${formatPercent(slo.targetPercent)} · <strong>${slo.met ? 'met' : 'missed'}</strong> · ${report.runs.healthy} of ${report.runs.count} runs fully available`,
      report.runs.count === 0 ? 'plain' : slo.met ? 'ok' : 'bad',
    ),
    card(
      'Incidents',
      String(report.incidents.length),
      report.incidents.length > 0 ? `${e(formatDuration(downtime))} in total` : 'none in this window',
      report.incidents.length > 0 ? 'warn' : 'ok',
    ),
    card(
      'Latency p95',
      report.latency.count > 0 ? `${report.latency.p95} ms` : '—',
      `p50 ${report.latency.p50} ms · p99 ${report.latency.p99} ms · limit 10 s (BR §4.10.2)`,
      report.latency.p99 > 10_000 ? 'bad' : 'plain',
    ),
    card(
      'Smallest CRL margin',
      crlMinimum ? `${crlMinimum.hours.toFixed(1)} h` : '—',
      crlMinimum
        ? `to nextUpdate, at ${e(displayTime(crlMinimum.time))} · threshold ${report.crl.marginThresholdHours} h`
        : 'no CRL probed',
      crlState,
    ),
    card(
      'Ledger hash chain',
      report.chain.intact ? 'intact' : 'BROKEN',
      report.chain.intact
        ? `${report.chain.records} records verified`
        : `at ${e(report.chain.problems[0]?.sequence !== undefined ? `record #${report.chain.problems[0].sequence}` : (report.chain.problems[0]?.key ?? ''))}`,
      report.chain.intact ? 'ok' : 'bad',
    ),
  ].join('\n');

  const problems = report.chain.problems
    .slice(0, 50)
    .map((problem) => `<li><code>${e(problem.kind)}</code> ${e(problem.message)}</li>`)
    .join('\n');
  const chain = `<section class="chain ${report.chain.intact ? 'ok' : 'bad'}">
<h2>Ledger verification</h2>
<p class="verdict">${e(report.chain.summary)}</p>
${report.chain.problems.length > 1 ? `<ul class="problems">${problems}</ul>${report.chain.problems.length > 50 ? `<p>… and ${report.chain.problems.length - 50} more (see report.json)</p>` : ''}` : ''}
<p class="meta">${report.chain.entries} stored record object(s) examined from the first record, not only this window.${
    report.chain.head
      ? ` Head: record #${report.chain.head.sequence} at ${e(displayTime(report.chain.head.time))}, SHA-256 <code>${e(report.chain.head.hash)}</code> (compare with the hash the checker logged to confirm no newer records were cut off).`
      : ''
  }</p>
</section>`;

  const minDaily = Math.min(slo.targetPercent, ...report.series.daily.map((d) => d.availabilityPercent));
  const dailyFloor = minDaily >= 99 ? 99 : minDaily >= 90 ? 90 : 0;
  const dailyChart = renderBarChart({
    title: 'Availability per day (UTC), share of fully available probe runs',
    yLabel: 'available runs (%)',
    yMin: dailyFloor,
    yMax: 100,
    formatY: (value) => `${Number(value.toFixed(3))}`,
    reference: { y: slo.targetPercent, label: `SLO ${formatPercent(slo.targetPercent)}`, color: RED },
    bars: report.series.daily.map((day) => ({
      label: day.day.slice(5),
      value: day.availabilityPercent,
      color: day.availabilityPercent >= slo.targetPercent ? GREEN : RED,
      note: `${day.day}: ${formatPercent(day.availabilityPercent)} (${day.healthy} of ${day.runs} runs)`,
    })),
  });
  const latencyChart = renderLineChart({
    title: 'Probe latency over time (p50 and p95 of every probe)',
    yLabel: 'latency (ms)',
    yMin: 0,
    formatY: (value) => `${Number(value.toFixed(1))}`,
    series: [
      {
        name: 'p50',
        color: '#0969da',
        points: report.series.latency.map((p) => ({ x: Date.parse(p.time), y: p.p50 })),
      },
      {
        name: 'p95',
        color: '#bc4c00',
        points: report.series.latency.map((p) => ({ x: Date.parse(p.time), y: p.p95 })),
      },
    ],
  });
  const crlSeries: ChartSeries[] = report.series.crlMargin.map((series, i) => ({
    name: series.target.replace(/^https?:\/\/[^/]+/, ''),
    color: PALETTE[i % PALETTE.length]!,
    points: series.points.map((p) => ({ x: Date.parse(p.time), y: p.hours })),
  }));
  const crlChart = renderLineChart({
    title: 'CRL margin: hours from each probe to the served CRL nextUpdate',
    yLabel: 'hours to nextUpdate',
    formatY: (value) => `${Number(value.toFixed(1))}`,
    series: crlSeries,
    references: [
      {
        y: report.crl.marginThresholdHours,
        label: `margin ${report.crl.marginThresholdHours} h`,
        color: RED,
      },
    ],
  });

  const endpointRows = report.endpoints
    .map(
      (
        endpoint,
      ) => `<tr class="${endpoint.meetsSlo ? '' : 'missed'}"><td><span class="check">${e(endpoint.check)}</span></td><td class="target">${e(endpoint.target)}</td>
<td class="num">${endpoint.probes}</td><td class="num">${endpoint.failed}</td><td class="num ${endpoint.meetsSlo ? 'ok-text' : 'bad-text'}">${e(formatPercent(endpoint.availabilityPercent))}</td>${latencyCells(endpoint.latency)}
<td class="detail">${endpoint.lastFailure ? `${e(displayTime(endpoint.lastFailure.time))}: ${e(endpoint.lastFailure.detail)}` : ''}</td></tr>`,
    )
    .join('\n');
  const checkRows = report.checks
    .map(
      (check) =>
        `<tr><td><span class="check">${e(check.check)}</span></td><td class="num">${check.probes}</td><td class="num">${check.failed}</td><td class="num ${check.meetsSlo ? 'ok-text' : 'bad-text'}">${e(formatPercent(check.availabilityPercent))}</td>${latencyCells(check.latency)}<td class="num">${check.latency.max}</td></tr>`,
    )
    .join('\n');
  const incidentRows = report.incidents.map(incidentRow).join('\n');
  const none = (columns: number, text: string) =>
    `<tr><td colspan="${columns}" class="none">${text}</td></tr>`;
  const ocspAge = report.ocsp.maximumAge;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ca-repo availability report · ${e(window)}</title>
<style>
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans JP",sans-serif;margin:0 auto;max-width:76rem;padding:1.5rem 1.25rem 3rem;color:#1f2328;line-height:1.45;background:#fff}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;padding-bottom:.3rem;border-bottom:1px solid #d0d7de}
p.meta,.meta{color:#59636e;margin:.2rem 0;font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(12.5rem,1fr));gap:.75rem;margin:1.25rem 0}
.card{border:1px solid #d0d7de;border-left-width:6px;border-radius:8px;padding:.7rem .9rem;background:#f6f8fa}
.card.ok{border-left-color:${GREEN}}.card.bad{border-left-color:${RED};background:#fff5f5}.card.warn{border-left-color:${AMBER}}.card.plain{border-left-color:#8c959f}
.card .label{font-size:.8rem;color:#59636e;text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:1.55rem;font-weight:650;margin:.1rem 0;font-variant-numeric:tabular-nums}
.card.bad .value{color:${RED}}.card .sub{font-size:.82rem;color:#424a53}
section.chain{border:1px solid #d0d7de;border-radius:8px;padding:0 1rem .6rem;margin-top:1.5rem}
section.chain.ok{border-color:#4ac26b;background:#f0fff4}section.chain.bad{border-color:${RED};background:#fff5f5}
section.chain h2{border:0;margin-top:.8rem}.verdict{font-weight:600}
section.chain.bad .verdict{color:${RED}}
.problems{margin:.3rem 0;padding-left:1.2rem}.problems li{margin:.25rem 0}
figure{margin:.5rem 0 1rem;border:1px solid #e5e7eb;border-radius:8px;padding:.5rem .5rem .2rem}
figcaption{font-size:.85rem;color:#59636e;margin:0 .4rem .3rem}
figure svg{display:block;max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{text-align:left;vertical-align:top;padding:.4rem .55rem;border-bottom:1px solid #eaeef2}
th{background:#f6f8fa;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.time{white-space:nowrap;font-variant-numeric:tabular-nums}
td.target,.target{word-break:break-all;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8rem}
td.detail,.detail{color:#424a53;font-size:.82rem}
.check{display:inline-block;font-size:.75rem;font-weight:600;padding:.05rem .45rem;border-radius:999px;background:#ddf4ff;color:#0550ae;white-space:nowrap}
tr.missed td{background:#fff8f8}.ok-text{color:${GREEN};font-weight:600}.bad-text{color:${RED};font-weight:600}
.none{color:#59636e;font-style:italic}
ul.failures{margin:0;padding-left:1rem}ul.failures li{margin:.15rem 0}.runs{color:#59636e;font-size:.8rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8rem;word-break:break-all}
.notes{font-size:.85rem;color:#424a53}.notes li{margin:.25rem 0}
@media print{body{max-width:none;padding:0}.card,figure,section.chain,tr{break-inside:avoid}}
</style>
</head>
<body>
<header>
<h1>Repository availability report</h1>
<p class="meta">Window ${e(window)} (UTC) · ${report.runs.count} probe runs${
    report.runs.medianIntervalMinutes !== undefined
      ? ` every ${e(formatDuration(report.runs.medianIntervalMinutes))} (median), largest gap ${e(formatDuration(report.runs.largestGapMinutes ?? 0))}`
      : ''
  }</p>
<p class="meta">Ledger <code>${e(report.ledger)}</code> · generated ${e(displayTime(report.generatedAt))} · also as <a href="report.json">report.json</a> and <a href="report.csv">report.csv</a></p>
</header>
<section class="cards">
${cards}
</section>
${chain}
<h2>Daily availability</h2>
<figure>${dailyChart}<figcaption>Share of probe runs in which every endpoint passed, per UTC day; red bars are below the SLO.</figcaption></figure>
<h2>Latency</h2>
<figure>${latencyChart}<figcaption>p50 and p95 of all probes (request to judged body), bucketed over time.</figcaption></figure>
<h2>CRL freshness margin</h2>
<figure>${crlChart}<figcaption>Hours left before each served CRL's nextUpdate; the probe fails below the dashed line.${
    ocspAge
      ? ` Oldest OCSP response seen: ${ocspAge.hours.toFixed(1)} h at ${e(displayTime(ocspAge.time))}.`
      : ''
  }</figcaption></figure>
<h2>Availability per endpoint</h2>
<table><thead><tr><th>Check</th><th>Endpoint</th><th class="num">Probes</th><th class="num">Failed</th><th class="num">Availability</th><th class="num">p50 ms</th><th class="num">p95 ms</th><th class="num">p99 ms</th><th>Last failure</th></tr></thead>
<tbody>
${endpointRows || none(9, 'no probes in this window')}
</tbody></table>
<h2>Incidents</h2>
<table><thead><tr><th>Start (UTC)</th><th>End (UTC)</th><th class="num">Duration</th><th class="num">Runs</th><th>Failing checks</th></tr></thead>
<tbody>
${incidentRows || none(5, 'no incidents in this window')}
</tbody></table>
<h2>Latency by check</h2>
<table><thead><tr><th>Check</th><th class="num">Probes</th><th class="num">Failed</th><th class="num">Availability</th><th class="num">p50 ms</th><th class="num">p95 ms</th><th class="num">p99 ms</th><th class="num">max ms</th></tr></thead>
<tbody>
${checkRows || none(8, 'no probes in this window')}
</tbody></table>
<h2>How this report is computed</h2>
<ul class="notes">
<li>Each probe run fetches index.json, every CA certificate, CRL and CP/CPS it lists, and OCSP by GET and POST for the sentinel certificates, as a relying party does, and judges each answer with the publish gate's own rules.</li>
<li>A run is available when every probe in it passed; overall availability is the share of available runs. An endpoint's availability is the share of its probes that passed. Time without runs is not counted; see the largest gap above.</li>
<li>An incident runs from the first run with a failure to the next run in which everything passed.</li>
<li>Percentiles are nearest-rank over the probe latencies in the window.</li>
<li>Every ledger record carries the SHA-256 of the previous record; any edited, deleted or reordered record breaks the chain at the place named above.</li>
</ul>
</body>
</html>
`;
}

/**
 * The availability report's numbers, computed from verified ledger records: availability per
 * endpoint and overall against the SLO, incidents, latency percentiles, the smallest CRL margin and
 * the chain verification result. Rendering (report-html.ts, report-csv.ts) only formats this model;
 * report.json is this model as is.
 *
 * Availability is counted per probe run: a run is available when every probe in it passed, and an
 * endpoint's availability is the share of its probes that passed. Time the checker did not run is
 * not counted either way; the report states the largest gap between runs so a reader can see it.
 */
import {
  CHECK_NAMES,
  isRunHealthy,
  type CheckName,
  type ProbeRun,
} from '../lambda/core/health/health-record.ts';
import type { LedgerProblem, LedgerVerification } from '../lambda/core/health/ledger.ts';

export const REPORT_FORMAT = 'ca-repo-health-report/1';
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Most points a time-series chart gets; longer windows are bucketed. */
const MAX_CHART_POINTS = 240;
/** Bucket widths for charts, smallest first: the first that fits MAX_CHART_POINTS is used. */
const BUCKET_WIDTHS_MS = [1, 5, 15, 60, 360, 1440].map((minutes) => minutes * MINUTE_MS);

export interface ReportOptions {
  /** Only runs starting at or after this time. */
  from?: Date;
  /** Only runs starting before this time. */
  to?: Date;
  /** Availability objective in percent, e.g. 99.9. */
  sloPercent: number;
  generatedAt: Date;
  /** Where the ledger was read from, as the reader should be told. */
  ledgerLocation: string;
  /** Drawn as the threshold on the CRL margin chart (the probes' default is 24 h). */
  crlMarginHours?: number;
  /** Only runs that probed this base URL (a ledger that saw several repositories needs one). */
  repository?: string;
}

/**
 * A ledger holds the runs of more than one repository (a checker pointed elsewhere, a demo re-run
 * on another port): one availability figure over both would describe neither, so the report is
 * refused until one repository is chosen.
 */
export class MixedRepositoriesError extends Error {
  override name = 'MixedRepositoriesError';
  constructor(readonly repositories: string[]) {
    super(`the ledger holds runs against ${repositories.length} repositories: ${repositories.join(', ')}`);
  }
}

/** The repository a run probed: its base URLs (plain HTTP first) joined, as the ledger recorded them. */
function repositoryOf(run: ProbeRun): string {
  return run.repositories.join(' ');
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface AvailabilitySummary {
  probes: number;
  failed: number;
  availabilityPercent: number;
  meetsSlo: boolean;
  latency: LatencySummary;
}

export interface EndpointSummary extends AvailabilitySummary {
  check: CheckName;
  target: string;
  lastFailure?: { time: string; detail: string };
}

export interface CheckSummary extends AvailabilitySummary {
  check: CheckName;
}

export interface IncidentFailure {
  check: CheckName;
  target: string;
  /** The first failure's reason in this incident. */
  detail: string;
  /** Runs in which this endpoint failed. */
  runs: number;
}

export interface Incident {
  start: string;
  /** The first run after the incident in which every probe passed; absent while it lasts. */
  end?: string;
  ongoing: boolean;
  durationMinutes: number;
  runs: number;
  failures: IncidentFailure[];
}

export interface TimedValue {
  time: string;
  target: string;
  hours: number;
}

export interface HealthReport {
  format: typeof REPORT_FORMAT;
  generatedAt: string;
  ledger: string;
  /** The repository the runs probed (its base URLs, space-separated). */
  repositories: string[];
  /** The AWS Regions the runs were probed from (ProbeRun.region); absent when none recorded one. */
  regions?: string[];
  window: { from?: string; to?: string; firstRun?: string; lastRun?: string };
  slo: { targetPercent: number; overallPercent: number; met: boolean };
  runs: { count: number; healthy: number; largestGapMinutes?: number; medianIntervalMinutes?: number };
  chain: {
    intact: boolean;
    summary: string;
    records: number;
    entries: number;
    head?: { key: string; sequence: number; hash: string; time: string };
    problems: LedgerProblem[];
  };
  /** Run-based: a run is available when every probe in it passed; latency is each run's slowest probe. */
  overall: AvailabilitySummary;
  /** Every probe in the window. */
  latency: LatencySummary;
  checks: CheckSummary[];
  endpoints: EndpointSummary[];
  incidents: Incident[];
  crl: {
    marginThresholdHours: number;
    minimum?: TimedValue;
    byTarget: { target: string; minimumHours: number; lastHours: number }[];
  };
  ocsp: { maximumAge?: TimedValue };
  series: {
    daily: { day: string; runs: number; healthy: number; availabilityPercent: number }[];
    latency: { time: string; p50: number; p95: number; max: number }[];
    crlMargin: { target: string; points: { time: string; hours: number }[] }[];
  };
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function summariseLatency(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
  };
}

/** Percent with enough digits to tell 99.9 from 99.95; 100 only when nothing failed. */
function percent(ok: number, total: number): number {
  if (total === 0) return 100;
  return Math.floor((ok / total) * 100_000) / 1000;
}

function summarise(
  outcomes: readonly { outcome: string; latencyMs: number }[],
  sloPercent: number,
): AvailabilitySummary {
  const failed = outcomes.filter((o) => o.outcome !== 'ok').length;
  const availabilityPercent = percent(outcomes.length - failed, outcomes.length);
  return {
    probes: outcomes.length,
    failed,
    availabilityPercent,
    meetsSlo: availabilityPercent >= sloPercent,
    latency: summariseLatency(outcomes.map((o) => o.latencyMs)),
  };
}

function inWindow(run: ProbeRun, options: ReportOptions): boolean {
  const time = Date.parse(run.startedAt);
  if (Number.isNaN(time)) return false;
  if (options.from && time < options.from.getTime()) return false;
  if (options.to && time >= options.to.getTime()) return false;
  return true;
}

function bucketWidth(spanMs: number): number {
  return BUCKET_WIDTHS_MS.find((width) => spanMs / width <= MAX_CHART_POINTS) ?? DAY_MS;
}

function findIncidents(runs: readonly ProbeRun[]): Incident[] {
  const incidents: Incident[] = [];
  let current:
    { start: string; last: string; runs: number; failures: Map<string, IncidentFailure> } | undefined;
  const close = (end?: string) => {
    if (!current) return;
    const until = end ?? current.last;
    incidents.push({
      start: current.start,
      ...(end ? { end } : {}),
      ongoing: end === undefined,
      durationMinutes: Math.round(((Date.parse(until) - Date.parse(current.start)) / MINUTE_MS) * 10) / 10,
      runs: current.runs,
      failures: [...current.failures.values()],
    });
    current = undefined;
  };
  for (const run of runs) {
    if (isRunHealthy(run)) {
      close(run.startedAt);
      continue;
    }
    current ??= { start: run.startedAt, last: run.startedAt, runs: 0, failures: new Map() };
    current.last = run.startedAt;
    current.runs++;
    for (const result of run.results) {
      if (result.outcome === 'ok') continue;
      const id = `${result.check} ${result.target}`;
      const known = current.failures.get(id);
      if (known) known.runs++;
      else
        current.failures.set(id, {
          check: result.check,
          target: result.target,
          detail: result.detail,
          runs: 1,
        });
    }
    // A run without results (nothing could be planned) is unavailable too.
    if (run.results.length === 0 && !current.failures.has('run')) {
      current.failures.set('run', {
        check: 'index',
        target: '(no probe ran)',
        detail: 'the run recorded no results',
        runs: 1,
      });
    }
  }
  close();
  return incidents;
}

export function buildHealthReport(verification: LedgerVerification, options: ReportOptions): HealthReport {
  const inTheWindow = verification.records
    .map((entry) => entry.record.run)
    .filter((run) => inWindow(run, options));
  const repositories = [...new Set(inTheWindow.map(repositoryOf))].sort();
  const wanted = options.repository;
  if (wanted === undefined && repositories.length > 1) throw new MixedRepositoriesError(repositories);
  const runs = inTheWindow
    .filter((run) => wanted === undefined || run.repositories.includes(wanted))
    .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  const results = runs.flatMap((run) => run.results);
  const healthy = runs.filter(isRunHealthy).length;
  const overallPercent = percent(healthy, runs.length);

  const intervals = runs.slice(1).map((run, i) => Date.parse(run.startedAt) - Date.parse(runs[i]!.startedAt));
  const sortedIntervals = [...intervals].sort((a, b) => a - b);
  const minutes = (ms: number) => Math.round((ms / MINUTE_MS) * 1000) / 1000;

  const byEndpoint = new Map<string, { check: CheckName; target: string; results: typeof results }>();
  for (const result of results) {
    const id = `${result.check} ${result.target}`;
    const entry = byEndpoint.get(id) ?? { check: result.check, target: result.target, results: [] };
    entry.results.push(result);
    byEndpoint.set(id, entry);
  }
  const checkOrder = (check: CheckName) => CHECK_NAMES.indexOf(check);
  const endpoints: EndpointSummary[] = [...byEndpoint.values()]
    .map(({ check, target, results: own }) => {
      const lastFailure = own.filter((r) => r.outcome !== 'ok').at(-1);
      return {
        check,
        target,
        ...summarise(own, options.sloPercent),
        ...(lastFailure ? { lastFailure: { time: lastFailure.time, detail: lastFailure.detail } } : {}),
      };
    })
    .sort((a, b) => checkOrder(a.check) - checkOrder(b.check) || (a.target < b.target ? -1 : 1));
  const checks: CheckSummary[] = CHECK_NAMES.filter((check) => results.some((r) => r.check === check)).map(
    (check) => ({
      check,
      ...summarise(
        results.filter((r) => r.check === check),
        options.sloPercent,
      ),
    }),
  );

  let crlMinimum: TimedValue | undefined;
  let ocspMaximumAge: TimedValue | undefined;
  const crlByTarget = new Map<
    string,
    { minimumHours: number; lastHours: number; points: { time: string; hours: number }[] }
  >();
  for (const result of results) {
    const measures = result.measures;
    if (!measures) continue;
    if (result.check === 'crl' && measures.hoursToNextUpdate !== undefined) {
      const hours = measures.hoursToNextUpdate;
      if (!crlMinimum || hours < crlMinimum.hours)
        crlMinimum = { time: result.time, target: result.target, hours };
      const entry = crlByTarget.get(result.target) ?? { minimumHours: hours, lastHours: hours, points: [] };
      entry.minimumHours = Math.min(entry.minimumHours, hours);
      entry.lastHours = hours;
      entry.points.push({ time: result.time, hours });
      crlByTarget.set(result.target, entry);
    }
    if ((result.check === 'ocsp-get' || result.check === 'ocsp-post') && measures.ageHours !== undefined) {
      if (!ocspMaximumAge || measures.ageHours > ocspMaximumAge.hours) {
        ocspMaximumAge = { time: result.time, target: result.target, hours: measures.ageHours };
      }
    }
  }

  const first = runs[0];
  const last = runs.at(-1);
  const span = first && last ? Date.parse(last.startedAt) - Date.parse(first.startedAt) : 0;
  const width = bucketWidth(span);
  const bucketOf = (time: string) => Math.floor(Date.parse(time) / width) * width;

  const latencyBuckets = new Map<number, number[]>();
  for (const result of results) {
    const bucket = bucketOf(result.time);
    const values = latencyBuckets.get(bucket);
    if (values) values.push(result.latencyMs);
    else latencyBuckets.set(bucket, [result.latencyMs]);
  }
  const days = new Map<string, { runs: number; healthy: number }>();
  for (const run of runs) {
    const day = run.startedAt.slice(0, 10);
    const entry = days.get(day) ?? { runs: 0, healthy: 0 };
    entry.runs++;
    if (isRunHealthy(run)) entry.healthy++;
    days.set(day, entry);
  }

  return {
    format: REPORT_FORMAT,
    generatedAt: options.generatedAt.toISOString(),
    ledger: options.ledgerLocation,
    repositories: [...new Set(runs.map(repositoryOf))],
    ...(runs.some((run) => run.region)
      ? { regions: [...new Set(runs.flatMap((run) => (run.region ? [run.region] : [])))].sort() }
      : {}),
    window: {
      ...(options.from ? { from: options.from.toISOString() } : {}),
      ...(options.to ? { to: options.to.toISOString() } : {}),
      ...(first ? { firstRun: first.startedAt } : {}),
      ...(last ? { lastRun: last.startedAt } : {}),
    },
    slo: { targetPercent: options.sloPercent, overallPercent, met: overallPercent >= options.sloPercent },
    runs: {
      count: runs.length,
      healthy,
      ...(intervals.length > 0
        ? {
            largestGapMinutes: minutes(sortedIntervals.at(-1)!),
            medianIntervalMinutes: minutes(percentile(sortedIntervals, 50)),
          }
        : {}),
    },
    chain: {
      intact: verification.intact,
      summary: verification.summary,
      records: verification.records.length,
      entries: verification.entryCount,
      ...(verification.head ? { head: verification.head } : {}),
      problems: verification.problems,
    },
    overall: summarise(
      runs.map((run) => ({
        outcome: isRunHealthy(run) ? 'ok' : 'fail',
        latencyMs: Math.max(0, ...run.results.map((r) => r.latencyMs)),
      })),
      options.sloPercent,
    ),
    latency: summariseLatency(results.map((r) => r.latencyMs)),
    checks,
    endpoints,
    incidents: findIncidents(runs),
    crl: {
      marginThresholdHours: options.crlMarginHours ?? 24,
      ...(crlMinimum ? { minimum: crlMinimum } : {}),
      byTarget: [...crlByTarget.entries()].map(([target, entry]) => ({
        target,
        minimumHours: entry.minimumHours,
        lastHours: entry.lastHours,
      })),
    },
    ocsp: ocspMaximumAge ? { maximumAge: ocspMaximumAge } : {},
    series: {
      daily: [...days.entries()].map(([day, entry]) => ({
        day,
        runs: entry.runs,
        healthy: entry.healthy,
        availabilityPercent: percent(entry.healthy, entry.runs),
      })),
      latency: [...latencyBuckets.entries()]
        .sort(([a], [b]) => a - b)
        .map(([bucket, values]) => {
          const summary = summariseLatency(values);
          return {
            time: new Date(bucket).toISOString(),
            p50: summary.p50,
            p95: summary.p95,
            max: summary.max,
          };
        }),
      crlMargin: [...crlByTarget.entries()].map(([target, entry]) => {
        // Per bucket, the smallest margin: the chart must never hide a dip.
        const smallest = new Map<number, number>();
        for (const point of entry.points) {
          const bucket = bucketOf(point.time);
          smallest.set(bucket, Math.min(smallest.get(bucket) ?? Infinity, point.hours));
        }
        return {
          target,
          points: [...smallest.entries()]
            .sort(([a], [b]) => a - b)
            .map(([bucket, hours]) => ({ time: new Date(bucket).toISOString(), hours })),
        };
      }),
    },
  };
}

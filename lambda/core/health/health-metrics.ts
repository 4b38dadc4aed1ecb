/**
 * A probe run as CloudWatch Embedded Metric Format lines (one JSON object per line on stdout;
 * CloudWatch Logs extracts the metrics, no PutMetricData call or permission needed). The alarms and
 * the dashboard of the CDK HealthChecker construct read exactly these names.
 *
 * - per check (dimension `Check`): Availability (share of that check's probes that passed, 0–1),
 *   LatencyMs (slowest probe), FailedProbes;
 * - for the run (no dimension): Availability (1 only when every probe passed), FailedProbes,
 *   LatencyMs, CrlHoursToNextUpdate (smallest over the CRLs), OcspResponseAgeHours (oldest
 *   sentinel response by POST, which the edge reads from the store: a GET may get the CDN's copy,
 *   which it keeps up to its BR §4.9.10 refresh deadline, core/serving/ocsp-edge-lifetime.ts,
 *   so its age says nothing of a late refresh before that deadline, where the GET probe fails
 *   anyway). The same line carries the ledger record's sequence and hash as plain
 *   properties: CloudWatch Logs keeps an independent copy of the chain's head (the anchor
 *   `ca-repo report --anchor` checks against);
 * - per deadline class (dimension `Deadline`, core/health/deadlines.ts): DeadlineMissed (probes
 *   past it, every run, 0 when none) and DeadlineHoursLeft (least margin, when judged), with the
 *   section as a property; each class has its alarm.
 */
import { DEADLINE_NAMES, DEADLINES } from './deadlines.ts';
import { CHECK_NAMES, isRunHealthy, type ProbeRun } from './health-record.ts';

export const HEALTH_METRIC_NAMESPACE = 'CaRepo/Health';

export const HEALTH_METRICS = {
  availability: 'Availability',
  latency: 'LatencyMs',
  failedProbes: 'FailedProbes',
  crlHoursToNextUpdate: 'CrlHoursToNextUpdate',
  ocspResponseAgeHours: 'OcspResponseAgeHours',
  deadlineMissed: 'DeadlineMissed',
  deadlineHoursLeft: 'DeadlineHoursLeft',
} as const;

export const CHECK_DIMENSION = 'Check';
export const DEADLINE_DIMENSION = 'Deadline';

interface MetricDefinition {
  Name: string;
  Unit: 'None' | 'Milliseconds' | 'Count';
}

function emfLine(
  namespace: string,
  timestamp: number,
  dimensions: string[],
  metrics: { definition: MetricDefinition; value: number }[],
  properties: Record<string, string | number>,
): string {
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        { Namespace: namespace, Dimensions: [dimensions], Metrics: metrics.map((m) => m.definition) },
      ],
    },
    ...properties,
  };
  for (const metric of metrics) document[metric.definition.Name] = metric.value;
  return JSON.stringify(document);
}

export function renderEmfLines(
  run: ProbeRun,
  options: { namespace?: string; ledger?: { sequence: number; hash: string; key: string } } = {},
): string[] {
  const namespace = options.namespace ?? HEALTH_METRIC_NAMESPACE;
  const timestamp = Date.parse(run.startedAt);
  const lines: string[] = [];
  for (const check of CHECK_NAMES) {
    const results = run.results.filter((r) => r.check === check);
    if (results.length === 0) continue;
    const failed = results.filter((r) => r.outcome !== 'ok').length;
    lines.push(
      emfLine(
        namespace,
        timestamp,
        [CHECK_DIMENSION],
        [
          {
            definition: { Name: HEALTH_METRICS.availability, Unit: 'None' },
            value: (results.length - failed) / results.length,
          },
          {
            definition: { Name: HEALTH_METRICS.latency, Unit: 'Milliseconds' },
            value: Math.max(...results.map((r) => r.latencyMs)),
          },
          { definition: { Name: HEALTH_METRICS.failedProbes, Unit: 'Count' }, value: failed },
        ],
        { [CHECK_DIMENSION]: check },
      ),
    );
  }
  const crlHours = run.results
    .filter((r) => r.check === 'crl' && r.measures?.hoursToNextUpdate !== undefined)
    .map((r) => r.measures!.hoursToNextUpdate!);
  const ocspAges = run.results
    .filter((r) => r.check === 'ocsp-post' && r.measures?.ageHours !== undefined)
    .map((r) => r.measures!.ageHours!);
  const failed = run.results.filter((r) => r.outcome !== 'ok');
  const metrics = [
    {
      definition: { Name: HEALTH_METRICS.availability, Unit: 'None' } as const,
      value: isRunHealthy(run) ? 1 : 0,
    },
    { definition: { Name: HEALTH_METRICS.failedProbes, Unit: 'Count' } as const, value: failed.length },
    {
      definition: { Name: HEALTH_METRICS.latency, Unit: 'Milliseconds' } as const,
      value: Math.max(0, ...run.results.map((r) => r.latencyMs)),
    },
    ...(crlHours.length > 0
      ? [
          {
            definition: { Name: HEALTH_METRICS.crlHoursToNextUpdate, Unit: 'None' } as const,
            value: Math.min(...crlHours),
          },
        ]
      : []),
    ...(ocspAges.length > 0
      ? [
          {
            definition: { Name: HEALTH_METRICS.ocspResponseAgeHours, Unit: 'None' } as const,
            value: Math.max(...ocspAges),
          },
        ]
      : []),
  ];
  const properties: Record<string, string | number> = {
    probes: run.results.length,
    // Bounded: a log event holds at most 256 KB, and the ledger has the full details anyway.
    failures: failed
      .map((r) => `${r.check} ${r.target}: ${r.detail}`)
      .join(' | ')
      .slice(0, 4000),
  };
  if (options.ledger) {
    properties.ledgerSequence = options.ledger.sequence;
    properties.ledgerHash = options.ledger.hash;
    properties.ledgerKey = options.ledger.key;
  }
  lines.push(emfLine(namespace, timestamp, [], metrics, properties));
  for (const deadline of DEADLINE_NAMES) {
    const checks = run.results.flatMap((r) => (r.deadlines ?? []).filter((d) => d.deadline === deadline));
    lines.push(
      emfLine(
        namespace,
        timestamp,
        [DEADLINE_DIMENSION],
        [
          {
            definition: { Name: HEALTH_METRICS.deadlineMissed, Unit: 'Count' },
            value: checks.filter((d) => d.missed).length,
          },
          ...(checks.length > 0
            ? [
                {
                  definition: { Name: HEALTH_METRICS.deadlineHoursLeft, Unit: 'None' } as const,
                  value: Math.min(...checks.map((d) => d.hoursLeft)),
                },
              ]
            : []),
        ],
        { [DEADLINE_DIMENSION]: deadline, citation: DEADLINES[deadline].citation },
      ),
    );
  }
  return lines;
}

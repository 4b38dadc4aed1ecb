/**
 * The scheduled health checker (EventBridge, every `health.scheduleMinutes`): probes the public
 * endpoints as a relying party, appends the run to the ledger bucket and writes the metrics as
 * Embedded Metric Format lines. An unhealthy repository is a metric, not a Lambda error (errors
 * would retry the run); a ledger that cannot be written is an error, after the metrics are out.
 */
import { systemClock } from '../adapters/system-clock.ts';
import { renderEmfLines } from '../core/health/health-metrics.ts';
import { isRunHealthy } from '../core/health/health-record.ts';
import { runHealthCheck } from '../services/health/health-check.ts';
import { createHealthChecker, readHealthEnvironment } from './health-lambda-environment.ts';

const environment = readHealthEnvironment(process.env);
const checker = createHealthChecker(environment);

export interface HealthHandlerResult {
  healthy: boolean;
  failed: number;
  ledgerSequence?: number;
}

export async function handler(): Promise<HealthHandlerResult> {
  const { probe, ledger } = await checker;
  const { run, appended, ledgerError } = await runHealthCheck({ probe, ledger, clock: systemClock });
  const lines = renderEmfLines(run, {
    namespace: environment.metricNamespace,
    ledger: appended && { sequence: appended.record.sequence, hash: appended.record.hash, key: appended.key },
  });
  // Straight to stdout, not console.log: with Lambda's JSON log format console.log wraps each line
  // in its own JSON envelope and CloudWatch no longer extracts the metrics.
  for (const line of lines) process.stdout.write(`${line}\n`);
  if (ledgerError !== undefined) throw ledgerError;
  return {
    healthy: isRunHealthy(run),
    failed: run.results.filter((r) => r.outcome !== 'ok').length,
    ...(appended ? { ledgerSequence: appended.record.sequence } : {}),
  };
}

/**
 * The latest availability summary from a health ledger directory: the same chain verification and
 * report model as `ca-repo report` (lambda/core/ledger.ts, lambda/core/report.ts), cut down to what
 * an evidence row cites: availability against the SLO, latency percentiles against the Baseline
 * Requirements' 10 seconds, incidents and whether the hash chain is intact.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DirectoryObjectStore } from '../../lambda/adapters/directory-object-store.ts';
import { verifyLedger } from '../../lambda/core/ledger.ts';
import { buildHealthReport, type LatencySummary } from '../../lambda/core/report.ts';
import { HealthLedger } from '../../lambda/services/health-ledger.ts';

/** BR §4.10.2: CRL and OCSP responses within ten seconds under normal operating conditions. */
export const BR_RESPONSE_TIME_MS = 10_000;

export class LedgerDirectoryError extends Error {
  override name = 'LedgerDirectoryError';
}

export interface AvailabilitySummary {
  ledger: string;
  chainIntact: boolean;
  chainSummary: string;
  runs: number;
  healthyRuns: number;
  firstRun?: string;
  lastRun?: string;
  availabilityPercent: number;
  sloPercent: number;
  meetsSlo: boolean;
  /** Every probe in the window (ms). */
  latency: LatencySummary;
  incidents: number;
  ongoingIncident: boolean;
  largestGapMinutes?: number;
  /** Per check (index, crl, ocsp-get, ...): availability and p99 latency. */
  checks: { check: string; probes: number; availabilityPercent: number; p99Ms: number }[];
}

export async function loadAvailabilitySummary(
  directory: string,
  options: { now: Date; sloPercent?: number },
): Promise<AvailabilitySummary> {
  const root = resolve(directory);
  if (!existsSync(root)) throw new LedgerDirectoryError(`--ledger ${directory} does not exist`);
  const entries = await new HealthLedger({ store: new DirectoryObjectStore(root) }).readEntries();
  if (entries.length === 0) {
    throw new LedgerDirectoryError(
      `--ledger ${directory} holds no ledger records (expected ledger/YYYY/MM/DD/*.json)`,
    );
  }
  const verification = await verifyLedger(entries);
  const sloPercent = options.sloPercent ?? 99.9;
  const report = buildHealthReport(verification, {
    sloPercent,
    generatedAt: options.now,
    ledgerLocation: root,
  });
  return {
    ledger: root,
    chainIntact: report.chain.intact,
    chainSummary: report.chain.summary,
    runs: report.runs.count,
    healthyRuns: report.runs.healthy,
    ...(report.window.firstRun ? { firstRun: report.window.firstRun } : {}),
    ...(report.window.lastRun ? { lastRun: report.window.lastRun } : {}),
    availabilityPercent: report.slo.overallPercent,
    sloPercent,
    meetsSlo: report.slo.met,
    latency: report.latency,
    incidents: report.incidents.length,
    ongoingIncident: report.incidents.some((i) => i.ongoing),
    ...(report.runs.largestGapMinutes !== undefined
      ? { largestGapMinutes: report.runs.largestGapMinutes }
      : {}),
    checks: report.checks.map((c) => ({
      check: c.check,
      probes: c.probes,
      availabilityPercent: c.availabilityPercent,
      p99Ms: c.latency.p99,
    })),
  };
}

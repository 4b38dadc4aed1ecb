/**
 * The latest availability summary from a health ledger directory: the same chain verification and
 * report model as `ca-repo report` (lambda/core/health/ledger.ts, reporting/report.ts), cut down to what
 * an evidence row cites: availability against the SLO, latency percentiles against the Baseline
 * Requirements' 10 seconds, incidents and whether the hash chain is intact.
 */
import { verifyLedger, type LedgerEntry } from '../lambda/core/health/ledger.ts';
import { buildHealthReport, type LatencySummary } from '../reporting/report.ts';

/** BR §4.10.2: CRL and OCSP responses within ten seconds under normal operating conditions. */
export const BR_RESPONSE_TIME_MS = 10_000;

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

/** The summary of a ledger's records (read by the caller: cli/ledger-directory.ts reads a directory). */
export async function summarizeAvailability(
  entries: readonly LedgerEntry[],
  options: { now: Date; sloPercent?: number; ledgerLocation: string },
): Promise<AvailabilitySummary> {
  const root = options.ledgerLocation;
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

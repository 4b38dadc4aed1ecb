/**
 * One health check: probe the repository, append the run to the ledger. The scheduled Lambda runs
 * it once per invocation; `ca-repo health` once; the local repository on an interval
 * (`startHealthSchedule`), never two at a time, so the ledger's chain stays linear.
 */
import type { ProbeRun } from '../../core/health/health-record.ts';
import type { AppendedRecord, HealthLedger } from './health-ledger.ts';
import type { HealthProbe } from './health-probe.ts';
import type { Clock } from '../ports.ts';

export interface HealthCheckOutcome {
  run: ProbeRun;
  /** Absent when no ledger is configured (a one-off `ca-repo health` without --ledger) or it failed. */
  appended?: AppendedRecord;
  /** The ledger could not be read or written: the run was probed but not recorded. */
  ledgerError?: unknown;
}

/**
 * Probes, then appends. A ledger failure never stops the probe (the metrics and the caller still
 * learn whether the repository is up); it is returned for the caller to raise.
 */
export async function runHealthCheck(options: {
  probe: HealthProbe;
  ledger?: HealthLedger;
  clock: Clock;
}): Promise<HealthCheckOutcome> {
  const { probe, ledger, clock } = options;
  let tail: Awaited<ReturnType<HealthLedger['tail']>>;
  let ledgerError: unknown;
  try {
    tail = ledger ? await ledger.tail(clock.now()) : undefined;
  } catch (error) {
    ledgerError = error;
  }
  const run = await probe.run(tail?.record?.run);
  if (!ledger || ledgerError !== undefined)
    return { run, ...(ledgerError !== undefined ? { ledgerError } : {}) };
  try {
    return { run, appended: await ledger.append(run) };
  } catch (error) {
    return { run, ledgerError: error };
  }
}

export interface HealthSchedule {
  /** Runs a check now (after any check in progress), outside the interval. */
  runNow(): Promise<HealthCheckOutcome>;
  /** Stops the interval and waits for a check in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `check` every `intervalMs`, the first time at once. A check that outlasts the interval
 * delays the next one instead of overlapping it.
 */
export function startHealthSchedule(options: {
  intervalMs: number;
  check: () => Promise<HealthCheckOutcome>;
  onOutcome?: (outcome: HealthCheckOutcome) => void;
  onError?: (error: unknown) => void;
}): HealthSchedule {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = (): Promise<HealthCheckOutcome> => {
    const next = chain.then(options.check);
    chain = next.then(
      (outcome) => options.onOutcome?.(outcome),
      (error: unknown) => options.onError?.(error),
    );
    return next;
  };
  const tick = () => {
    if (stopped) return;
    const started = Date.now();
    void enqueue()
      .catch(() => undefined)
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(tick, Math.max(0, options.intervalMs - (Date.now() - started)));
        timer.unref?.();
      });
  };
  tick();
  return {
    runNow: enqueue,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await chain;
    },
  };
}

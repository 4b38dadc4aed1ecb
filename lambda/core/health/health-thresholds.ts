/**
 * The limits the health probes judge against, with the defaults a publicly trusted CA's
 * repository needs. Each default is the Baseline Requirements (v2.2.6) number it comes from, so a
 * failed probe means "a relying party or an auditor would object now", not "something looks odd".
 */
import { DEFAULT_POLICY } from '../policy.ts';
import { ocspRefreshDue } from '../ocsp/presign-schedule.ts';

export interface HealthThresholds {
  /**
   * Longest a probe may take, request to judged body. BR §4.10.2: the repository answers within
   * ten seconds under normal operating conditions; slower counts as unavailable.
   */
  timeoutMs: number;
  /**
   * Least time a served CRL may have left before nextUpdate. BR §4.9.7 allows nextUpdate at most
   * 10 days out and asks for a new CRL at least every 7 days, so a CA on that cadence always keeps
   * ≥ 3 days; under one day its republish is days late, and a day is the least an operator needs to
   * have the on-premises CA sign and push a successor before relying parties hard-fail.
   */
  crlMinHoursToNextUpdate: number;
  /** Oldest a served CRL may be (now − thisUpdate). BR §4.9.7: reissued at least every 7 days. */
  crlMaxAgeHours: number;
  /**
   * Oldest a served OCSP response may be (now − thisUpdate). Unset: the BR §4.9.10 refresh
   * deadline of that response (see `ocspRefreshDeadline`).
   */
  ocspMaxAgeHours?: number;
  /** Clocks on-premises, in the cloud and at the prober drift: times this far ahead still pass. */
  clockSkewSeconds: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  timeoutMs: 10_000,
  crlMinHoursToNextUpdate: 24,
  crlMaxAgeHours: 7 * 24,
  clockSkewSeconds: DEFAULT_POLICY.clockSkewSeconds,
};

/**
 * When a pre-produced OCSP response must have been replaced (BR §4.9.10): for a validity of 16
 * hours or more, at least 8 hours before nextUpdate and no later than 4 days after thisUpdate;
 * for a shorter validity, at least half of it before nextUpdate. A served response older than this
 * means the CA's refresh is late or the CDN is holding an old copy. The same schedule presign
 * keeps (ocsp/presign-schedule.ts).
 */
export function ocspRefreshDeadline(thisUpdate: Date, nextUpdate: Date): Date {
  return ocspRefreshDue(thisUpdate, nextUpdate.getTime() - thisUpdate.getTime());
}

/** Thresholds with the caller's overrides; rejects values that would make every probe pass or fail. */
export function resolveThresholds(overrides: Partial<HealthThresholds> = {}): HealthThresholds {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const thresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...defined } as HealthThresholds;
  const positive = (name: keyof HealthThresholds, value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`health threshold ${name} must be a positive number, got ${value}`);
    }
  };
  positive('timeoutMs', thresholds.timeoutMs);
  positive('crlMinHoursToNextUpdate', thresholds.crlMinHoursToNextUpdate);
  positive('crlMaxAgeHours', thresholds.crlMaxAgeHours);
  positive('ocspMaxAgeHours', thresholds.ocspMaxAgeHours);
  if (!(thresholds.clockSkewSeconds >= 0))
    throw new RangeError('health threshold clockSkewSeconds must be ≥ 0');
  return thresholds;
}

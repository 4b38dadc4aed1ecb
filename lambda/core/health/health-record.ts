/**
 * What one health probe run observes, as stored in the ledger and read back by the report. Kept
 * flat and JSON-only on purpose: the ledger hashes these objects (ledger.ts), and an auditor reads
 * them years later without ca-repo's code.
 */
import type { DeadlineCheck } from './deadlines.ts';

/**
 * The relying-party checks, one per kind of public endpoint, and `crl-replica`: the replica bucket's
 * copy of each CRL against the primary's (the checker in AWS only, where it can read both buckets);
 * `crl-urls`: /crl-urls.json and every CRL URL it discloses, fetched as CCADB fetches them.
 */
export const CHECK_NAMES = [
  'index',
  'ca-certificate',
  'crl',
  'crl-replica',
  'crl-urls',
  'ocsp-get',
  'ocsp-post',
  'document',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export type Outcome = 'ok' | 'fail';

/** Numbers a probe measured, for metrics and for the report's charts. */
export interface ProbeMeasures {
  /** CRL or OCSP response: hours from the probe to nextUpdate (negative once it has passed). */
  hoursToNextUpdate?: number;
  /** CRL or OCSP response: hours from thisUpdate to the probe. */
  ageHours?: number;
}

export interface ProbeResult {
  /** When the probe started (ISO 8601, UTC). */
  time: string;
  check: CheckName;
  /** The URL probed; OCSP targets add the serial and CertID hash after a space. */
  target: string;
  outcome: Outcome;
  /** From sending the request to judging the whole body, or to the timeout. */
  latencyMs: number;
  /** What was seen: the reason of a failure in the operator's words, or a one-line summary. */
  detail: string;
  measures?: ProbeMeasures;
  /** The deadlines this probe judged, with their sections (deadlines.ts); absent: none. */
  deadlines?: DeadlineCheck[];
}

export interface ProbeRun {
  startedAt: string;
  finishedAt: string;
  /** Base URLs probed (plain HTTP, and HTTPS when configured). */
  repositories: string[];
  /**
   * The AWS Region the probes ran from (the checker in each Region keeps its own ledger, so the
   * report can set the Regions side by side); absent for runs from elsewhere (`ca-repo health`).
   */
  region?: string;
  results: ProbeResult[];
}

/** An HTTP answer as the judgements see it: lowercase header names, the whole body. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** True when every probe of the run succeeded: the run counts as "available" in the report. */
export function isRunHealthy(run: ProbeRun): boolean {
  return run.results.length > 0 && run.results.every((result) => result.outcome === 'ok');
}

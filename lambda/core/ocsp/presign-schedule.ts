/**
 * When a pre-produced OCSP response is valid and when it must be produced again, as CA/B Forum
 * Baseline Requirements §4.9.9 and §4.9.10 set it:
 * - the validity interval (nextUpdate − thisUpdate, counted inclusively: "plus one second",
 *   BR §1.6.4 "Validity Period") is at least eight hours and at most ten days;
 * - with an interval of sixteen hours or more, the response is updated at least eight hours before
 *   its nextUpdate and no later than four days after its thisUpdate;
 * - with a shorter interval, at or before half of it.
 */

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
export const MIN_OCSP_VALIDITY_MS = 8 * HOUR_MS;
export const MAX_OCSP_VALIDITY_MS = 10 * DAY_MS;

/** Why a validity interval is refused, or undefined when BR §4.9.10 allows it. */
export function ocspValidityProblem(validityMs: number): string | undefined {
  if (!Number.isFinite(validityMs)) return 'is not a duration';
  if (validityMs < MIN_OCSP_VALIDITY_MS) return 'is shorter than 8 hours (BR §4.9.10)';
  if (validityMs > MAX_OCSP_VALIDITY_MS) return 'is longer than 10 days (BR §4.9.10)';
  return undefined;
}

/**
 * nextUpdate for a response with thisUpdate and the given validity: one second short of
 * thisUpdate + validity, so that the inclusive interval is exactly the validity asked for.
 */
export function ocspNextUpdate(thisUpdate: Date, validityMs: number): Date {
  return new Date(thisUpdate.getTime() + validityMs - 1000);
}

/** The latest instant a response with this thisUpdate and validity must be replaced (BR §4.9.9). */
export function ocspRefreshDue(thisUpdate: Date, validityMs: number): Date {
  const after =
    validityMs >= 16 * HOUR_MS ? Math.min(validityMs - 8 * HOUR_MS, 4 * DAY_MS) : Math.floor(validityMs / 2);
  return new Date(thisUpdate.getTime() + after);
}

/**
 * When a pre-signer signs a response again: once three quarters of the way from thisUpdate to its
 * BR deadline (ocspRefreshDue), not at the deadline itself. A timer that runs every hour or every
 * day, the upload, and the CDN's copy of the previous response (kept up to that deadline:
 * core/serving/ocsp-edge-lifetime.ts) must all be done before the deadline, so the new response has
 * to exist well ahead of it: for a 4-day validity, about 22 hours ahead.
 */
export function ocspResignAt(thisUpdate: Date, validityMs: number): Date {
  const due = ocspRefreshDue(thisUpdate, validityMs).getTime() - thisUpdate.getTime();
  return new Date(thisUpdate.getTime() + Math.floor((due * 3) / 4));
}

/**
 * A duration as the CLI takes it: a number followed by s, m, h or d ("4d", "36h"); undefined for
 * anything else.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1000, m: 60_000, h: HOUR_MS, d: DAY_MS }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(match[1]) * unit);
}

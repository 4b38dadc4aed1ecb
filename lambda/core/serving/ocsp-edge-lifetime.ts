/**
 * How long the CDN, and only the CDN, may keep an OCSP response: `s-maxage` (RFC 9111 §5.2.2.10,
 * shared caches only), while `max-age` for relying parties stays capped (cache-policy.ts).
 *
 * Why the CDN may keep a response far longer than relying parties: every status change is
 * invalidated by the publish that makes it ("publish means served", README), so what the CDN holds
 * past a publish is only ever a response with the same status. Such a refresh must reach relying
 * parties by the held response's own CA/B Forum BR §4.9.10 deadline (at least 8 hours before
 * nextUpdate and no later than 4 days after thisUpdate; half the validity when under 16 hours,
 * ocsp/presign-schedule.ts), and never past nextUpdate (RFC 5019 §6.2). So the edge keeps a
 * response until that deadline, less a margin, counted from the moment it is served, and then
 * fetches whatever the store holds: the refresh, published before the deadline.
 *
 * Each GET miss is one paid Lambda@Edge invocation and one S3 read: a 3,600 s edge lifetime made
 * most GETs for rarely asked certificates miss; the deadline makes it about one miss per refresh
 * per edge cache (reporting/cost-model.ts).
 */
import { ocspRefreshDue } from '../ocsp/presign-schedule.ts';

/**
 * Taken off the deadline: the CDN counts its lifetime from when it stored the answer, a moment
 * after the edge computed it, and its tiers and clocks are not ours. Five minutes is far more
 * than that and costs nothing measurable (one window of 3.5 days is 1,008 of them).
 */
export const OCSP_EDGE_DEADLINE_MARGIN_SECONDS = 300;

/**
 * The longest s-maxage ever sent: the BR deadline is at most 4 days after thisUpdate. The OCSP
 * behaviour's cache policy takes it as its maximum TTL (lib/constructs/distribution.ts), as the
 * local CDN does, so a thisUpdate ahead of the clock cannot pin an answer longer.
 */
export const OCSP_EDGE_MAX_SECONDS = 4 * 24 * 3600;

/**
 * The s-maxage of an OCSP response served at `now`, or undefined when the edge should keep it no
 * longer than relying parties (`maxAgeSeconds`): without thisUpdate/nextUpdate, or once the
 * deadline is nearer than max-age (the CA is late with its refresh; the edge then behaves as it did
 * before this rule, refetching at every max-age).
 */
export function ocspEdgeSeconds(options: {
  thisUpdate: Date | undefined;
  nextUpdate: Date | undefined;
  now: Date;
  maxAgeSeconds: number;
}): number | undefined {
  const { thisUpdate, nextUpdate, now } = options;
  if (!thisUpdate || !nextUpdate || nextUpdate.getTime() <= thisUpdate.getTime()) return undefined;
  const deadline = ocspRefreshDue(thisUpdate, nextUpdate.getTime() - thisUpdate.getTime()).getTime();
  const until = Math.min(deadline, nextUpdate.getTime()) - now.getTime();
  const seconds = Math.min(
    OCSP_EDGE_MAX_SECONDS,
    Math.floor(until / 1000) - OCSP_EDGE_DEADLINE_MARGIN_SECONDS,
  );
  return seconds > options.maxAgeSeconds ? seconds : undefined;
}

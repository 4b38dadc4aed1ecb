/**
 * BR §4.9.7: a subscriber CRL's nextUpdate is at most 10 days after its thisUpdate; an ARL's
 * (a root's CRL of CA certificates) at most 12 months. A warning under rfc5280, which sets no limit.
 */
import type { CrlLintInput, Lint } from './lint.ts';

const DAY_MS = 24 * 3600 * 1000;
export const MAX_SUBSCRIBER_CRL_DAYS = 10;
/** 12 months: 366 days covers any twelve consecutive months. */
export const MAX_ARL_DAYS = 366;

export const crlValidityPeriod: Lint<CrlLintInput> = {
  id: 'crl-validity-period',
  citation: 'BR §4.9.7',
  severity: { rfc5280: 'warning', br: 'error' },
  check: ({ crl, policy }) => {
    if (!crl.nextUpdate) return [];
    const days = (crl.nextUpdate.value.getTime() - crl.thisUpdate.value.getTime()) / DAY_MS;
    const limit = policy.scope === 'root' ? MAX_ARL_DAYS : MAX_SUBSCRIBER_CRL_DAYS;
    const what = policy.scope === 'root' ? 'an ARL' : 'a subscriber CRL';
    return days <= limit
      ? []
      : [`nextUpdate is ${days.toFixed(1)} days after thisUpdate, more than the ${limit} days of ${what}`];
  },
};

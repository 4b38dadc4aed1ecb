/**
 * The deadlines the health checker holds the repository to, beyond "is it served and valid": each
 * class with the rule it comes from, so the ledger, the report and the alarms name the section an
 * auditor would cite. A probe records each deadline it judged (`DeadlineCheck`, JSON-only: the
 * ledger hashes it); `missed` is what raises the class's alarm (lib/constructs/health-checker.ts).
 */
import type { CaPolicy } from '../publish/ca-policy.ts';
import { MAX_ARL_DAYS } from '../crl/lints/crl-validity-period.ts';

const HOUR_MS = 3600_000;

export const DEADLINES = {
  'crl-reissue': {
    citation: 'BR §4.9.7',
    rule: 'a subscriber CRL is reissued at least every 7 days (every 4 days when some certificate has no OCSP URL)',
  },
  'arl-reissue': {
    citation: 'BR §4.9.7',
    rule: "an ARL (a root's CRL of CA certificates) is reissued at least every 12 months",
  },
  'ocsp-refresh': {
    citation: 'BR §4.9.10',
    rule: 'an OCSP response is refreshed at least 8 h before nextUpdate and at most 4 days after thisUpdate (half its validity under 16 h)',
  },
  'answer-time': {
    citation: 'BR §4.10.2',
    rule: 'the repository answers every request within 10 seconds',
  },
  'crl-urls-fetch': {
    citation: 'CCADB Policy §6.1 (CRL disclosure)',
    rule: 'every URL of /crl-urls.json is fetched and verified at least every 4 hours',
  },
} as const;

export type DeadlineName = keyof typeof DEADLINES;
export const DEADLINE_NAMES = Object.keys(DEADLINES) as DeadlineName[];

/** One deadline as a probe judged it. */
export interface DeadlineCheck {
  deadline: DeadlineName;
  citation: string;
  /** When it falls due (ISO 8601). */
  due: string;
  /** Hours from the probe to `due`, two decimals; negative once missed. */
  hoursLeft: number;
  missed: boolean;
}

export function deadlineCheck(deadline: DeadlineName, due: Date, now: Date): DeadlineCheck {
  const left = due.getTime() - now.getTime();
  return {
    deadline,
    citation: DEADLINES[deadline].citation,
    due: due.toISOString(),
    hoursLeft: Math.round((left / HOUR_MS) * 100) / 100,
    missed: left < 0,
  };
}

/** How often the CCADB wants each disclosed CRL URL retrievable and checked. */
export const CRL_URLS_FETCH_HOURS = 4;

/**
 * When the CRL served with this thisUpdate must have been replaced (BR §4.9.7): an ARL within 12
 * months; a subscriber CRL within `subscriberMaxAgeHours` (7 days by default), 4 days when the CA
 * has certificates without an OCSP URL (relying parties then have the CRL alone).
 */
export function crlReissueDeadline(
  thisUpdate: Date,
  policy: CaPolicy,
  subscriberMaxAgeHours: number,
): { deadline: DeadlineName; due: Date; hours: number } {
  if (policy.scope === 'root') {
    const hours = MAX_ARL_DAYS * 24;
    return { deadline: 'arl-reissue', due: new Date(thisUpdate.getTime() + hours * HOUR_MS), hours };
  }
  const hours = policy.certificatesWithoutOcsp
    ? Math.min(4 * 24, subscriberMaxAgeHours)
    : subscriberMaxAgeHours;
  return { deadline: 'crl-reissue', due: new Date(thisUpdate.getTime() + hours * HOUR_MS), hours };
}

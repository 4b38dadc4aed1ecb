/**
 * BR §7.2.2 (CRL entry reasonCode): only keyCompromise, affiliationChanged, superseded,
 * cessationOfOperation and privilegeWithdrawn, plus cACompromise on an ARL (entries are CA
 * certificates). unspecified (0) is never encoded (the extension is omitted instead) and
 * certificateHold (6) is not allowed in the Web PKI (BR §4.9.13: suspension is not permitted).
 */
import { reasonName } from '../crl-reason.ts';
import { entryReasons } from './crl-entry-reasons.ts';
import type { CrlLintInput, Lint } from './lint.ts';

const SUBSCRIBER_REASONS = new Set([1, 3, 4, 5, 9]);
const ARL_REASONS = new Set([...SUBSCRIBER_REASONS, 2]);

export const crlReasonBrAllowed: Lint<CrlLintInput> = {
  id: 'crl-reason-br-allowed',
  citation: 'BR §7.2.2',
  severity: { br: 'error' },
  check: ({ crl, policy }) => {
    const allowed = policy.scope === 'root' ? ARL_REASONS : SUBSCRIBER_REASONS;
    return entryReasons(crl)
      .filter((r) => r.code === undefined || !allowed.has(r.code))
      .map(
        (r) =>
          `entry ${r.serialHex}: reasonCode ${r.code === undefined ? 'unreadable' : reasonName(r.code)} is not allowed${
            r.code === 0 ? ' (omit reasonCode instead of unspecified)' : ''
          }`,
      );
  },
};

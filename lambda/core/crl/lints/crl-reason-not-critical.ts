/** RFC 5280 §5.3.1: reasonCode "is a non-critical CRL entry extension". */
import { entryReasons } from './crl-entry-reasons.ts';
import type { CrlLintInput, Lint } from './lint.ts';

export const crlReasonNotCritical: Lint<CrlLintInput> = {
  id: 'crl-reason-not-critical',
  citation: 'RFC 5280 §5.3.1',
  severity: { rfc5280: 'error', br: 'error' },
  check: ({ crl }) =>
    entryReasons(crl)
      .filter((r) => r.critical)
      .map((r) => `entry ${r.serialHex}: reasonCode is marked critical`),
};

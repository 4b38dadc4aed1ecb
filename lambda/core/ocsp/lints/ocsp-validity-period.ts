/**
 * BR §4.9.10: an OCSP response's validity interval (nextUpdate − thisUpdate, counted inclusively,
 * BR §1.6.4) is at least eight hours and at most ten days. The gate's policy already refuses more
 * than maxOcspValiditySeconds under every profile; this rule adds the lower bound and holds the
 * upper one to the inclusive count. A warning under rfc5280: RFC 6960 sets no interval.
 */
import { ocspValidityProblem } from '../presign-schedule.ts';
import type { Lint } from '../../crl/lints/lint.ts';
import type { OcspLintInput } from './ocsp-lint-input.ts';

export const ocspValidityPeriod: Lint<OcspLintInput> = {
  id: 'ocsp-validity-period',
  citation: 'BR §4.9.10',
  severity: { rfc5280: 'warning', br: 'error' },
  check: ({ facts }) =>
    facts.responses.flatMap((single) => {
      // "Inclusive": thisUpdate 00:00:00 to nextUpdate 08:00:00 is eight hours and one second.
      const validityMs = single.nextUpdate.getTime() - single.thisUpdate.getTime() + 1000;
      const problem = ocspValidityProblem(validityMs);
      return problem
        ? [`serial ${single.certId.serialHex}: validity ${(validityMs / 3600_000).toFixed(2)} h ${problem}`]
        : [];
    }),
};

/** The OCSP response lints, in the order their findings are reported (one rule per file beside this one). */
import type { Lint } from '../../crl/lints/lint.ts';
import type { OcspLintInput } from './ocsp-lint-input.ts';
import { ocspResponderId } from './ocsp-responder-id.ts';
import { ocspResponderNoCheck } from './ocsp-responder-nocheck.ts';
import { ocspResponderValidThroughNextUpdate } from './ocsp-responder-valid-through-next-update.ts';
import { ocspValidityPeriod } from './ocsp-validity-period.ts';

export const OCSP_LINTS: readonly Lint<OcspLintInput>[] = [
  ocspResponderId,
  ocspValidityPeriod,
  ocspResponderValidThroughNextUpdate,
  ocspResponderNoCheck,
];

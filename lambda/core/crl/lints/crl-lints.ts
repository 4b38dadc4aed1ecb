/** The CRL lints, in the order their findings are reported (one rule per file beside this one). */
import { crlAkiPresent } from './crl-aki-present.ts';
import { crlNoDelta } from './crl-no-delta.ts';
import { crlNumberBelow2To159 } from './crl-number-below-2-159.ts';
import { crlNumberNotCritical } from './crl-number-not-critical.ts';
import { crlNumberPresent } from './crl-number-present.ts';
import { crlReasonBrAllowed } from './crl-reason-br-allowed.ts';
import { crlReasonNotCritical } from './crl-reason-not-critical.ts';
import { crlSignatureAlgorithm } from './crl-signature-algorithm.ts';
import { crlSize } from './crl-size.ts';
import { crlValidityPeriod } from './crl-validity-period.ts';
import { crlVersionV2 } from './crl-version-v2.ts';
import type { CrlLintInput, Lint } from './lint.ts';

export const CRL_LINTS: readonly Lint<CrlLintInput>[] = [
  crlVersionV2,
  crlNumberPresent,
  crlNumberNotCritical,
  crlNumberBelow2To159,
  crlAkiPresent,
  crlSignatureAlgorithm,
  crlReasonNotCritical,
  crlReasonBrAllowed,
  crlNoDelta,
  crlValidityPeriod,
  crlSize,
];

/** RFC 5280 §5.1.2.1: a CRL with extensions (cRLNumber is required) is version 2 (value 1). */
import type { CrlLintInput, Lint } from './lint.ts';

export const crlVersionV2: Lint<CrlLintInput> = {
  id: 'crl-version-v2',
  citation: 'RFC 5280 §5.1.2.1',
  severity: { rfc5280: 'error', br: 'error' },
  check: ({ crl }) => (crl.version === 1 ? [] : [`version is v${crl.version + 1}, not v2`]),
};

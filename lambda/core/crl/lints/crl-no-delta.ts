/**
 * BR §7.2.2: the deltaCRLIndicator and freshestCRL extensions are not present: relying parties of
 * the Web PKI fetch full CRLs and partitions only (RFC 5280 §5.2.4 and §5.2.6 allow deltas elsewhere).
 */
import { OID } from '../../pki/oids.ts';
import { crlExtension } from './crl-extensions.ts';
import type { CrlLintInput, Lint } from './lint.ts';

export const crlNoDelta: Lint<CrlLintInput> = {
  id: 'crl-no-delta',
  citation: 'BR §7.2.2',
  severity: { br: 'error' },
  check: ({ crl }) => [
    ...(crlExtension(crl, OID.deltaCrlIndicator) ? ['delta CRL (deltaCRLIndicator present)'] : []),
    ...(crlExtension(crl, OID.freshestCrl) ? ['freshestCRL present (points to delta CRLs)'] : []),
  ],
};

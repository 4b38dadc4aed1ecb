/** RFC 5280 §5.2.3: cRLNumber "is a non-critical CRL extension". */
import { OID } from '../../pki/oids.ts';
import { crlExtension } from './crl-extensions.ts';
import type { CrlLintInput, Lint } from './lint.ts';

export const crlNumberNotCritical: Lint<CrlLintInput> = {
  id: 'crl-number-not-critical',
  citation: 'RFC 5280 §5.2.3',
  severity: { rfc5280: 'error', br: 'error' },
  check: ({ crl }) => (crlExtension(crl, OID.crlNumber)?.critical ? ['cRLNumber is marked critical'] : []),
};

/** RFC 5280 §5.2.3: conforming CRL issuers MUST include the cRLNumber extension. */
import { OID } from '../../pki/oids.ts';
import { crlExtension } from './crl-extensions.ts';
import type { CrlLintInput, Lint } from './lint.ts';

export const crlNumberPresent: Lint<CrlLintInput> = {
  id: 'crl-number-present',
  citation: 'RFC 5280 §5.2.3',
  severity: { rfc5280: 'error', br: 'error' },
  check: ({ crl }) => (crlExtension(crl, OID.crlNumber) ? [] : ['no cRLNumber extension']),
};

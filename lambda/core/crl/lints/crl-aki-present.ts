/** RFC 5280 §5.2.1: conforming CRL issuers MUST use the authority key identifier extension. */
import { OID } from '../../pki/oids.ts';
import { crlExtension } from './crl-extensions.ts';
import type { CrlLintInput, Lint } from './lint.ts';

export const crlAkiPresent: Lint<CrlLintInput> = {
  id: 'crl-aki-present',
  citation: 'RFC 5280 §5.2.1',
  severity: { rfc5280: 'error', br: 'error' },
  check: ({ crl }) =>
    crlExtension(crl, OID.authorityKeyIdentifier) ? [] : ['no authorityKeyIdentifier extension'],
};

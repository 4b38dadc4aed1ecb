/**
 * RFC 5280 §5.2.1: conforming CRL issuers MUST use the authority key identifier extension. An
 * error under br (BR §7.2.2 requires it); a warning under rfc5280: many CAs outside the Web PKI
 * omit it, and the gate finds the issuer by name and signature without it, so refusing their CRLs
 * would stop existing operators publishing revocations at all.
 */
import { OID } from '../../pki/oids.ts';
import { crlExtension } from './crl-extensions.ts';
import type { CrlLintInput, Lint } from './lint.ts';

export const crlAkiPresent: Lint<CrlLintInput> = {
  id: 'crl-aki-present',
  citation: 'RFC 5280 §5.2.1, BR §7.2.2',
  severity: { rfc5280: 'warning', br: 'error' },
  check: ({ crl }) =>
    crlExtension(crl, OID.authorityKeyIdentifier) ? [] : ['no authorityKeyIdentifier extension'],
};

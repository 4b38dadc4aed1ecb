/**
 * A delegated responder's certificate carries id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1), so a
 * relying party does not ask OCSP about the responder itself (a loop it cannot close). The BRs
 * make it a MUST of the OCSP responder certificate (BR §7.1.2.8, §4.9.9); RFC 6960 leaves it to
 * the CA, so a warning under rfc5280. A response the CA signs itself needs none.
 */
import { OID } from '../../pki/oids.ts';
import type { Lint } from '../../crl/lints/lint.ts';
import type { OcspLintInput } from './ocsp-lint-input.ts';

export const ocspResponderNoCheck: Lint<OcspLintInput> = {
  id: 'ocsp-responder-nocheck',
  citation: 'RFC 6960 §4.2.2.2.1, BR §7.1.2.8',
  severity: { rfc5280: 'warning', br: 'error' },
  check: ({ facts }) => {
    const delegate = facts.delegate;
    if (!delegate) return [];
    const noCheck = delegate.certificate.extensions?.some((e) => e.extnID === OID.ocspNoCheck);
    return noCheck
      ? []
      : [`responder certificate "${delegate.name}" lacks id-pkix-ocsp-nocheck (${OID.ocspNoCheck})`];
  },
};

/**
 * A relying party holding a response until its nextUpdate must still find the signer's
 * certificate valid then (RFC 6960 §4.2.2.2: the responder is authorised by a certificate, checked
 * at use; BR §4.9.9: responses are signed by the CA or an OCSP responder it certified): the
 * signer's notAfter is not before any nextUpdate. A warning under rfc5280.
 */
import { isoTime } from '../../policy.ts';
import type { Lint } from '../../crl/lints/lint.ts';
import { signerCertificate, signerName, type OcspLintInput } from './ocsp-lint-input.ts';

export const ocspResponderValidThroughNextUpdate: Lint<OcspLintInput> = {
  id: 'ocsp-responder-valid-through-next-update',
  citation: 'RFC 6960 §4.2.2.2, BR §4.9.9',
  severity: { rfc5280: 'warning', br: 'error' },
  check: ({ facts }) => {
    const notAfter = signerCertificate(facts).notAfter.value;
    const latest = facts.responses.reduce<Date | undefined>(
      (max, single) => (!max || single.nextUpdate > max ? single.nextUpdate : max),
      undefined,
    );
    return latest && notAfter < latest
      ? [`${signerName(facts)} expires ${isoTime(notAfter)}, before nextUpdate ${isoTime(latest)}`]
      : [];
  },
};

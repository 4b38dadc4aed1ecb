/**
 * RFC 6960 §4.2.2.3: the ResponderID names the signer, byName as its subject Name or byKey as the
 * SHA-1 hash of its subjectPublicKey. A MUST of RFC 6960, so an error under every profile. The
 * signer check (ocsp-response-signer.ts) only finds a signer the ResponderID names; this rule
 * states the requirement with its section, and holds should that search ever widen.
 */
import { bytesEqual } from '../../encoding/bytes.ts';
import type { Lint } from '../../crl/lints/lint.ts';
import { signerName, type OcspLintInput } from './ocsp-lint-input.ts';

export const ocspResponderId: Lint<OcspLintInput> = {
  id: 'ocsp-responder-id',
  citation: 'RFC 6960 §4.2.2.3',
  severity: { rfc5280: 'error', br: 'error' },
  check: ({ facts }) => {
    const signer = facts.delegate ?? { subjectDer: facts.issuer.subjectDer, keyId: facts.issuer.keyId };
    const id = facts.responderId;
    const consistent =
      'byName' in id ? bytesEqual(id.byName, signer.subjectDer) : bytesEqual(id.byKey, signer.keyId);
    const how = 'byName' in id ? 'byName does not match its subject' : 'byKey is not the SHA-1 of its key';
    return consistent ? [] : [`ResponderID does not name the signer, ${signerName(facts)}: ${how}`];
  },
};

/**
 * What each OCSP lint reads: the facts of a response the gate verified (its signer, ResponderID
 * and SingleResponses) and the CA's policy. The rules share the CRL lints' machinery
 * (core/crl/lints/lint.ts): one rule per file with its section, an error or a warning per profile.
 */
import type * as pkijs from 'pkijs';
import type { CaPolicy } from '../../publish/ca-policy.ts';
import type { OcspResponseFacts } from '../validate-ocsp-response.ts';

export interface OcspLintInput {
  facts: OcspResponseFacts;
  policy: CaPolicy;
}

/** The certificate whose key signed the response: the delegated responder's, else the CA's own. */
export function signerCertificate(facts: OcspResponseFacts): pkijs.Certificate {
  return facts.delegate?.certificate ?? facts.issuer.certificate;
}

/** The signer as a finding names it. */
export function signerName(facts: OcspResponseFacts): string {
  return facts.delegate ? `responder certificate "${facts.delegate.name}"` : `CA "${facts.issuer.subject}"`;
}

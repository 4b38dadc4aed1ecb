/**
 * A retired CA issues nothing more but keeps publishing CRLs until its last certificate expires
 * (BR §4.9.7: "the CA SHALL continue issuing CRLs until all certificates it issued have
 * expired"); after that date a CRL of it is refused, so a repository does not keep serving a
 * CA that the configuration says is gone.
 */
import type { CaPolicy } from '../publish/ca-policy.ts';
import { RejectedError } from '../rejection.ts';

export function assertCrlStillAccepted(policy: CaPolicy, issuer: string, now: Date): void {
  if (!policy.retired || !policy.lastCertificateExpiry) return;
  if (now.getTime() > Date.parse(policy.lastCertificateExpiry)) {
    throw new RejectedError(
      `"${issuer}" is retired and its last certificate expired at ${policy.lastCertificateExpiry}: its CRLs are no longer published (BR §4.9.7)`,
    );
  }
}

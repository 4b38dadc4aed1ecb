/**
 * A CA certificate is published only if it is byte for byte one of the pinned CA certificates.
 * Anything else, in particular another certificate with a pinned CA's name but another key, is a
 * rogue CA and must never reach relying parties (RFC 5280 §6.1: trust anchors are configured, not
 * discovered).
 */
import { bytesEqual } from '../encoding/bytes.ts';
import { RejectedError } from '../rejection.ts';
import { formatName, type PinnedCa, type TrustStore } from './trust-store.ts';
import { decodeDer, nameDer } from './x509.ts';
import * as pkijs from 'pkijs';

export interface CaCertificateFacts {
  kind: 'ca-certificate';
  ca: PinnedCa;
}

export function validateCaCertificate(der: Uint8Array, trust: TrustStore): CaCertificateFacts {
  const pinned = trust.findByDer(der);
  if (pinned) return { kind: 'ca-certificate', ca: pinned };
  const certificate = decodeDer(der, 'certificate', (schema) => new pkijs.Certificate({ schema }));
  const subject = nameDer(certificate.subject);
  const namesake = trust.cas.find((ca) => bytesEqual(ca.subjectDer, subject));
  if (namesake) {
    throw new RejectedError(
      `rogue CA certificate: same subject as pinned CA "${namesake.subject}" but not the pinned certificate`,
    );
  }
  throw new RejectedError(`certificate "${formatName(certificate.subject)}" is not a pinned CA certificate`);
}

/**
 * Revocation is final (RFC 5280 §3.3): once the repository has published a certificate as
 * revoked, no later OCSP response may answer good or unknown for it and no later CRL may drop it,
 * except that a certificateHold may be lifted (RFC 5280 §5.3.1) and an entry may leave the CRL
 * once the certificate has expired and appeared on one CRL issued after its notAfter (RFC 5280
 * §3.3; CA/B Forum BR §4.10.1: revocation entries stay until the certificate expires).
 *
 * Boulder's crl-storer and Let's Encrypt's 2025-2026 incidents (entries dropped from CRL shards
 * before expiry) are this class of bug; the gate refuses it whatever the CA's software does.
 */
import * as asn1js from 'asn1js';
import { CERTIFICATE_HOLD, reasonName, type CrlEntry } from '../crl/crl-reason.ts';
import { parseBasicOcspResponse } from '../ocsp/ocsp-response-fields.ts';
import type { CertStatus } from '../ocsp/cert-id.ts';
import { serialHexOf } from '../pki/x509.ts';
import { isoTime } from '../policy.ts';
import { RejectedError } from '../rejection.ts';
import type { RevocationRecord } from './revocation-history.ts';

/** CertStatus revoked [1] (RFC 6960 §4.2.1). */
const REVOKED_TAG = 1;

/**
 * The revocationReason of every revoked SingleResponse, by serial (RFC 6960 §4.2.1 RevokedInfo:
 * revocationReason [0] EXPLICIT CRLReason OPTIONAL); undefined where the response gives none.
 */
export function ocspRevocationReasons(der: Uint8Array): Map<string, number | undefined> {
  const reasons = new Map<string, number | undefined>();
  for (const single of parseBasicOcspResponse(der).tbsResponseData.responses) {
    const status = single.certStatus as asn1js.Constructed;
    if (status?.idBlock?.tagNumber !== REVOKED_TAG) continue;
    const tagged = status.valueBlock.value[1];
    const reason = tagged instanceof asn1js.Constructed ? tagged.valueBlock.value[0] : undefined;
    reasons.set(
      serialHexOf(single.certID.serialNumber),
      reason instanceof asn1js.Enumerated ? reason.valueBlock.valueDec : undefined,
    );
  }
  return reasons;
}

/** What is known of one CertID before this response: the served object and the CA's history. */
export interface OcspKnownState {
  served?: { status: string | undefined; thisUpdate: Date | undefined; reason?: number };
  history?: RevocationRecord;
}

/** Refuses a SingleResponse that would take back a revocation, or contradict the served one. */
export function assertOcspKeepsRevocation(
  serial: string,
  next: { status: CertStatus; thisUpdate: Date },
  known: OcspKnownState,
): void {
  const { served, history } = known;
  // Two different answers for the same instant: a relying party cannot tell which one holds.
  if (
    served?.thisUpdate &&
    served.status &&
    served.thisUpdate.getTime() === next.thisUpdate.getTime() &&
    served.status !== next.status
  ) {
    throw new RejectedError(
      `serial ${serial}: says ${next.status} with the same thisUpdate (${isoTime(next.thisUpdate)}) as the served response, which says ${served.status}`,
    );
  }
  if (next.status === 'revoked') return;
  const revokedBy =
    history !== undefined
      ? { reason: history.reason, where: `published as revoked (${history.source})` }
      : served?.status === 'revoked'
        ? { reason: served.reason, where: 'served as revoked' }
        : undefined;
  if (!revokedBy || revokedBy.reason === CERTIFICATE_HOLD) return;
  throw new RejectedError(
    `serial ${serial}: says ${next.status} but the certificate is ${revokedBy.where}, ${reasonName(
      revokedBy.reason,
    )}; revocation is final, only certificateHold may be lifted (RFC 5280 §3.3, §5.3.1)`,
  );
}

/** The certificate a bundle carries to show a dropped entry had expired (BR §4.10.1). */
export interface ExpiryEvidence {
  notAfter: Date;
  sha256: string;
}

/**
 * The serials the previous CRL listed that the next one omits, each with why it may go; refuses
 * the CRL naming every serial that may not. An entry may go when it was a certificateHold
 * (RFC 5280 §5.3.1), or when the certificate had expired before the previous CRL was issued, so
 * that the entry appeared on one CRL issued after the end of the validity period (RFC 5280 §3.3;
 * BR §4.10.1), shown by the certificate itself (`evidence`, checked against the pinned CA).
 */
export function droppedCrlEntries(input: {
  previous: ReadonlyMap<string, CrlEntry>;
  previousThisUpdate: Date;
  next: ReadonlyMap<string, CrlEntry>;
  evidence: ReadonlyMap<string, ExpiryEvidence>;
}): { released: string[]; expired: { entry: CrlEntry; evidence: ExpiryEvidence }[] } {
  const released: string[] = [];
  const expired: { entry: CrlEntry; evidence: ExpiryEvidence }[] = [];
  const refused: string[] = [];
  for (const [serial, entry] of input.previous) {
    if (input.next.has(serial)) continue;
    if (entry.reason === CERTIFICATE_HOLD) {
      released.push(serial);
      continue;
    }
    const evidence = input.evidence.get(serial);
    if (evidence && input.previousThisUpdate > evidence.notAfter) expired.push({ entry, evidence });
    else refused.push(serial);
  }
  if (refused.length > 0) {
    throw new RejectedError(
      `omits revoked serial${refused.length > 1 ? 's' : ''} ${refused.join(', ')} listed on the CRL it replaces; ` +
        'an entry may leave only after the certificate expired and was listed on a CRL issued after its notAfter ' +
        '(RFC 5280 §3.3, BR §4.10.1): include the expired certificate in the bundle as evidence, ' +
        'or certificateHold was its reason (RFC 5280 §5.3.1)',
    );
  }
  return { released, expired };
}

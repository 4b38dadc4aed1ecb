/**
 * What the repository has ever published as revoked, per CA: the memory that makes revocation
 * final across any number of publishes (RFC 5280 §3.3, §5.3.1; BR §4.10.1). A served object
 * only tells its latest status; the history remembers a revocation after its CRL was replaced,
 * after its OCSP response was replaced by a good one when a hold was released and re-revoked,
 * and across the two channels (a serial a CRL revoked cannot be answered good by OCSP).
 *
 * Kept in the repository store beside what it protects, under a key no bundle path can name
 * (validate-bundle-path.ts: segments start with a letter or digit). Revoked serials are public
 * (they are on the CRL), so the record holds nothing secret.
 */
import { CERTIFICATE_HOLD } from '../crl/crl-reason.ts';
import { RejectedError } from '../rejection.ts';

/** Written into every history; readers take an unlabelled one as this format (the same fields). */
export const REVOCATION_HISTORY_FORMAT = 'ca-repo-revocations/1';

const HISTORY_PREFIX = '_revocations/';

export interface RevocationRecord {
  revokedAt: string;
  /** CRLReason code (RFC 5280 §5.3.1); absent when the CA gave none. */
  reason?: number;
  /** Where the revocation was first published: `crl:/<path>` or `ocsp`. */
  source: string;
  /**
   * The entry left a CRL with the certificate as evidence that it had expired (BR §4.10.1): it
   * stays revoked, so OCSP may never answer good for it.
   */
  droppedAfterExpiry?: { certificateSha256: string; notAfter: string };
}

export interface RevocationHistory {
  format: typeof REVOCATION_HISTORY_FORMAT;
  /** The CA's subject, for a human reading the record. */
  issuer: string;
  /** By serial, lowercase hex without leading zero octets. */
  revoked: Record<string, RevocationRecord>;
}

/** What one publish learnt about one CA's revocations. */
export interface RevocationUpdate {
  /** The CA's SHA-256 fingerprint: the history's key. */
  ca: string;
  issuer: string;
  revoked: Record<string, RevocationRecord>;
  /** Serials whose certificateHold was released (RFC 5280 §5.3.1): no longer revoked. */
  released: string[];
}

export function revocationHistoryKey(caSha256: string): string {
  return `${HISTORY_PREFIX}${caSha256}.json`;
}

export function emptyHistory(issuer: string): RevocationHistory {
  return { format: REVOCATION_HISTORY_FORMAT, issuer, revoked: {} };
}

/**
 * Reads a stored history. One this code cannot read (a newer format) refuses the file being
 * judged rather than guessing: forgetting a revocation would un-revoke.
 */
export function parseRevocationHistory(text: string): RevocationHistory {
  let value: Partial<Omit<RevocationHistory, 'format'>> & { format?: unknown };
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    throw new RejectedError('the stored revocation history is not JSON');
  }
  const format = value?.format ?? REVOCATION_HISTORY_FORMAT;
  if (format !== REVOCATION_HISTORY_FORMAT) {
    throw new RejectedError(
      `the stored revocation history is format ${String(format)}; this publisher reads ${REVOCATION_HISTORY_FORMAT}`,
    );
  }
  if (typeof value.revoked !== 'object' || value.revoked === null) {
    throw new RejectedError('the stored revocation history has no revoked map');
  }
  return { format: REVOCATION_HISTORY_FORMAT, issuer: String(value.issuer ?? ''), revoked: value.revoked };
}

export function serialiseRevocationHistory(history: RevocationHistory): string {
  return `${JSON.stringify(history, null, 1)}\n`;
}

/** Applies an update: a revocation already recorded keeps its first record (first source, time). */
export function applyRevocationUpdate(
  history: RevocationHistory,
  update: RevocationUpdate,
): RevocationHistory {
  const revoked = { ...history.revoked };
  for (const serial of update.released) {
    if (isHold(revoked[serial])) delete revoked[serial];
  }
  for (const [serial, record] of Object.entries(update.revoked)) {
    const before = revoked[serial];
    // A hold made final keeps the final reason; a drop after expiry is remembered on the record.
    revoked[serial] = before && !isHold(before) ? { ...before, ...pickDrop(record) } : record;
  }
  return { format: REVOCATION_HISTORY_FORMAT, issuer: update.issuer || history.issuer, revoked };
}

function pickDrop(record: RevocationRecord): Partial<RevocationRecord> {
  return record.droppedAfterExpiry ? { droppedAfterExpiry: record.droppedAfterExpiry } : {};
}

/** certificateHold (RFC 5280 §5.3.1): the only revocation that may be lifted. */
export function isHold(record: { reason?: number } | undefined): boolean {
  return record?.reason === CERTIFICATE_HOLD;
}

export function mergeRevocationUpdates(updates: readonly RevocationUpdate[]): RevocationUpdate[] {
  const byCa = new Map<string, RevocationUpdate>();
  for (const update of updates) {
    const merged = byCa.get(update.ca) ?? { ca: update.ca, issuer: update.issuer, revoked: {}, released: [] };
    Object.assign(merged.revoked, update.revoked);
    merged.released.push(...update.released);
    byCa.set(update.ca, merged);
  }
  return [...byCa.values()];
}

/** A CA's history as stored (its bytes), or an empty one before its first revocation. */
export function readRevocationHistory(stored: Uint8Array | undefined, issuer: string): RevocationHistory {
  if (!stored) return emptyHistory(issuer);
  return parseRevocationHistory(Buffer.from(stored).toString('utf8'));
}

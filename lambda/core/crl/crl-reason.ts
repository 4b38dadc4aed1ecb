/**
 * CRLReason (RFC 5280 §5.3.1), as carried by a CRL entry's reasonCode extension and by an OCSP
 * RevokedInfo's revocationReason (RFC 6960 §4.2.1). Only certificateHold is temporary: every
 * other reason makes the revocation final (RFC 5280 §3.3).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseBer } from '../encoding/asn1.ts';
import { OID } from '../pki/oids.ts';
import { serialHexOf } from '../pki/x509.ts';

/** The names RFC 5280 §5.3.1 gives each code (7 is unused). */
export const CRL_REASON_NAMES: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

export const CERTIFICATE_HOLD = 6;

export function reasonName(code: number | undefined): string {
  if (code === undefined) return 'no reason given';
  return CRL_REASON_NAMES[code] ?? `reason ${code}`;
}

/** One entry of a CRL's revokedCertificates (RFC 5280 §5.1.2.6). */
export interface CrlEntry {
  serialHex: string;
  revokedAt: Date;
  /** The reasonCode entry extension (RFC 5280 §5.3.1), when present. */
  reason?: number;
}

/** The reasonCode (id-ce-cRLReasons, 2.5.29.21) of a CRL entry, when it carries one. */
function entryReason(entry: pkijs.RevokedCertificate): number | undefined {
  const extension = entry.crlEntryExtensions?.extensions.find((e) => e.extnID === OID.crlReason);
  if (!extension) return undefined;
  const parsed = parseBer(new Uint8Array(extension.extnValue.valueBlock.valueHexView));
  return parsed.ok && parsed.result instanceof asn1js.Enumerated
    ? parsed.result.valueBlock.valueDec
    : undefined;
}

/** Every entry of a CRL, by serial (lowercase hex, as CertIDs and the history spell it). */
export function crlEntries(crl: pkijs.CertificateRevocationList): Map<string, CrlEntry> {
  const entries = new Map<string, CrlEntry>();
  for (const entry of crl.revokedCertificates ?? []) {
    const serialHex = serialHexOf(entry.userCertificate);
    const reason = entryReason(entry);
    entries.set(serialHex, {
      serialHex,
      revokedAt: entry.revocationDate.value,
      ...(reason === undefined ? {} : { reason }),
    });
  }
  return entries;
}

/** Each CRL entry's reasonCode extension, for the reason lints (RFC 5280 §5.3.1). */
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { parseBer } from '../../encoding/asn1.ts';
import { OID } from '../../pki/oids.ts';
import { serialHexOf } from '../../pki/x509.ts';

export interface EntryReason {
  serialHex: string;
  critical: boolean;
  /** The CRLReason code; undefined when the value is not an ENUMERATED. */
  code: number | undefined;
}

export function entryReasons(crl: pkijs.CertificateRevocationList): EntryReason[] {
  const reasons: EntryReason[] = [];
  for (const entry of crl.revokedCertificates ?? []) {
    const extension = entry.crlEntryExtensions?.extensions.find((e) => e.extnID === OID.crlReason);
    if (!extension) continue;
    const parsed = parseBer(new Uint8Array(extension.extnValue.valueBlock.valueHexView));
    reasons.push({
      serialHex: serialHexOf(entry.userCertificate),
      critical: extension.critical,
      code:
        parsed.ok && parsed.result instanceof asn1js.Enumerated
          ? parsed.result.valueBlock.valueDec
          : undefined,
    });
  }
  return reasons;
}

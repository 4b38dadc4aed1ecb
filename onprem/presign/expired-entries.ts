/**
 * When a revoked certificate's entry may leave a CRL the pre-signer writes, and the evidence it
 * carries for the repository's gate (lambda/core/publish/revocation-finality.ts).
 *
 * An entry stays until the certificate has expired and the entry has appeared on one CRL issued
 * after its notAfter (RFC 5280 §3.3; CA/B Forum BR §4.10.1). The pre-signer knows a CRL was issued
 * at a path from `--state` (the last thisUpdate written there); a CRL listing every revoked
 * certificate, as every CRL presign writes does, then listed this one. The gate checks the same
 * thing against the CRL it serves, and needs the certificate itself to see its notAfter: the
 * pre-signer reads it from `--certs` (the `newcerts` directory of `openssl ca`, SERIAL.pem) and
 * writes it beside the CRL at `<crl path>.evidence/<serial>.pem`, which the uploader keeps in
 * the CRL's part (onprem/bundle-packer.ts). Without the certificate, the entry stays listed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesEqual } from '../../lambda/core/encoding/bytes.ts';
import { certificatesInFile } from '../../lambda/core/pki/certificate-file.ts';
import { parseCertificate } from '../../lambda/core/pki/trust-store.ts';
import { nameDer, serialHexOf } from '../../lambda/core/pki/x509.ts';
import type { CrlEntryToWrite } from '../../lambda/core/crl/crl-encoder.ts';

/** A revoked entry with the notAfter the status source gives (index.txt always does). */
export interface CrlEntryRecord extends CrlEntryToWrite {
  notAfter?: Date;
}

/** An expired certificate written beside a CRL that no longer lists it. */
export interface ExpiryEvidenceFile {
  serialHex: string;
  /** The certificate as found in --certs (PEM or DER), written unchanged. */
  bytes: Uint8Array;
}

/** The names `openssl ca` gives a serial in newcerts: uppercase hex, an even number of digits. */
function newcertsNames(serialHex: string): string[] {
  const upper = serialHex.toUpperCase();
  const even = upper.length % 2 === 1 ? `0${upper}` : upper;
  return [...new Set([`${even}.pem`, `${upper}.pem`, `${serialHex}.pem`])];
}

/**
 * The CA's certificate with this serial from `--certs`, checked to be the one the entry names
 * (serial, issuer); undefined when the directory does not hold it.
 */
export async function findCertificate(
  certsDir: string,
  serialHex: string,
  caSubjectDer: Uint8Array,
): Promise<{ bytes: Uint8Array; notAfter: Date } | undefined> {
  for (const name of newcertsNames(serialHex)) {
    const bytes = await readFile(join(certsDir, name)).catch(() => undefined);
    if (!bytes) continue;
    for (const der of certificatesInFile(new Uint8Array(bytes))) {
      const certificate = parseCertificate(der);
      if (serialHexOf(certificate.serialNumber) !== serialHex) continue;
      if (!bytesEqual(nameDer(certificate.issuer), caSubjectDer)) continue;
      return { bytes: new Uint8Array(bytes), notAfter: certificate.notAfter.value };
    }
  }
  return undefined;
}

/**
 * Splits a CRL's entries into those it lists and those that leave it with their evidence.
 * `lastIssued` is the thisUpdate of the last CRL written at this path (--state), undefined when
 * none is known: then every entry stays.
 */
export async function dropExpiredEntries(input: {
  entries: readonly CrlEntryRecord[];
  lastIssued: Date | undefined;
  thisUpdate: Date;
  certsDir: string | undefined;
  caSubjectDer: Uint8Array;
  crlPath: string;
  warn: (message: string) => void;
}): Promise<{ listed: CrlEntryRecord[]; evidence: ExpiryEvidenceFile[] }> {
  const { lastIssued } = input;
  const listed: CrlEntryRecord[] = [];
  const evidence: ExpiryEvidenceFile[] = [];
  let withoutCerts = 0;
  for (const entry of input.entries) {
    // The status source's notAfter picks the candidates; the certificate's own decides.
    const candidate = lastIssued !== undefined && entry.notAfter !== undefined && entry.notAfter < lastIssued;
    if (!candidate) {
      listed.push(entry);
      continue;
    }
    if (!input.certsDir) {
      withoutCerts++;
      listed.push(entry);
      continue;
    }
    const found = await findCertificate(input.certsDir, entry.serialHex, input.caSubjectDer);
    if (!found) {
      input.warn(
        `${input.crlPath}: serial ${entry.serialHex} expired and was listed after its notAfter, but stays on the CRL: ${input.certsDir} holds no certificate for it (the evidence the repository needs, BR §4.10.1)`,
      );
      listed.push(entry);
    } else if (found.notAfter < lastIssued && found.notAfter < input.thisUpdate) {
      evidence.push({ serialHex: entry.serialHex, bytes: found.bytes });
    } else {
      listed.push(entry); // the certificate says it had not expired yet: the index was wrong
    }
  }
  if (withoutCerts > 0)
    input.warn(
      `${input.crlPath}: ${withoutCerts} expired entr${withoutCerts === 1 ? 'y stays' : 'ies stay'} on the CRL: give --certs NEWCERTS_DIR so that presign can carry the certificates the repository needs to let them go (BR §4.10.1)`,
    );
  return { listed, evidence };
}

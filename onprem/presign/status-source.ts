/**
 * Where the pre-signer learns each certificate's status: the `index.txt` database of `openssl ca`
 * or a CSV a CA exports from its own database. Both are read line by line, so a million
 * certificates cost no more memory than ten.
 *
 * index.txt (openssl's apps/lib/apps.c, `ca` DB_* fields), tab-separated:
 *   status (V valid, R revoked, E expired) · notAfter (UTCTime YYMMDDHHMMSSZ) · revocation
 *   ("time[,reason[,holdInstruction or compromise time]]", empty unless R) · serial (hex) ·
 *   file name · subject.
 * CSV: `serial,status,revocationTime,reason,notAfter` (a header line is skipped), status good,
 *   revoked or expired (or V, R, E), times ISO 8601, reason a RFC 5280 §5.3.1 name or code.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CRL_REASON_NAMES } from '../../lambda/core/crl/crl-reason.ts';
import { normaliseSerialHex } from '../../lambda/core/pki/x509.ts';

export interface StatusRecord {
  /** Lowercase minimal hex, as CertIDs spell it. */
  serialHex: string;
  status: 'valid' | 'revoked' | 'expired';
  revokedAt?: Date;
  /** CRLReason code (RFC 5280 §5.3.1); undefined for unspecified or none. */
  reason?: number;
  notAfter?: Date;
}

export type StatusSource = { index: string } | { csv: string };

export class StatusSourceError extends Error {}

/** Reason names as openssl and RFC 5280 spell them, lowercased; openssl writes "CACompromise". */
const REASON_CODES = new Map<string, number>(
  Object.entries(CRL_REASON_NAMES).map(([code, name]) => [name.toLowerCase(), Number(code)]),
);

function reasonCode(text: string, where: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const code = /^\d+$/.test(trimmed) ? Number(trimmed) : REASON_CODES.get(trimmed.toLowerCase());
  if (code === undefined || CRL_REASON_NAMES[code] === undefined)
    throw new StatusSourceError(`${where}: unknown revocation reason ${JSON.stringify(trimmed)}`);
  // unspecified (0) is written as no reason at all (CA/B Forum BR §7.2.2).
  return code === 0 ? undefined : code;
}

/** YYMMDDHHMMSSZ (UTCTime, RFC 5280 §4.1.2.5.1) or YYYYMMDDHHMMSSZ, as openssl writes index times. */
export function parseIndexTime(text: string, where: string): Date {
  const match = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text.trim());
  if (!match) throw new StatusSourceError(`${where}: ${JSON.stringify(text)} is not an index.txt time`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const year =
    (match[1] as string).length === 4
      ? (y as number)
      : (y as number) < 50
        ? 2000 + (y as number)
        : 1900 + (y as number);
  return new Date(Date.UTC(year, (mo as number) - 1, d, h, mi, s));
}

function parseSerial(text: string, where: string): string {
  const hex = text.trim().replace(/^0x/i, '').replace(/:/g, '');
  if (!/^[0-9a-fA-F]+$/.test(hex))
    throw new StatusSourceError(`${where}: serial ${JSON.stringify(text)} is not hex`);
  return normaliseSerialHex(hex);
}

function parseIndexLine(line: string, where: string): StatusRecord {
  const fields = line.split('\t');
  if (fields.length < 4)
    throw new StatusSourceError(`${where}: not an index.txt line (fewer than 4 tab-separated fields)`);
  const [type, expiry, revocation, serial] = fields as [string, string, string, string];
  const serialHex = parseSerial(serial, where);
  const notAfter = parseIndexTime(expiry, where);
  if (type === 'V') return { serialHex, status: 'valid', notAfter };
  if (type === 'E') return { serialHex, status: 'expired', notAfter };
  if (type !== 'R') throw new StatusSourceError(`${where}: status ${JSON.stringify(type)} is not V, R or E`);
  const [time, reason] = revocation.split(',');
  return {
    serialHex,
    status: 'revoked',
    revokedAt: parseIndexTime(time ?? '', where),
    reason: reasonCode(reason ?? '', where),
    notAfter,
  };
}

function parseIsoTime(text: string, where: string, field: string): Date | undefined {
  if (text.trim() === '') return undefined;
  const date = new Date(text.trim());
  if (Number.isNaN(date.getTime()))
    throw new StatusSourceError(`${where}: ${field} ${JSON.stringify(text)} is not an ISO 8601 time`);
  return date;
}

const CSV_STATUS: Record<string, StatusRecord['status']> = {
  good: 'valid',
  valid: 'valid',
  v: 'valid',
  revoked: 'revoked',
  r: 'revoked',
  expired: 'expired',
  e: 'expired',
};

function parseCsvLine(line: string, where: string): StatusRecord | undefined {
  const fields = line.split(',').map((field) => field.trim().replace(/^"(.*)"$/, '$1'));
  if ((fields[0] ?? '').toLowerCase() === 'serial') return undefined; // the header
  if (fields.length < 2)
    throw new StatusSourceError(`${where}: expected serial,status,revocationTime,reason,notAfter`);
  const [serial, statusText, revokedText = '', reasonText = '', notAfterText = ''] = fields as string[];
  const status = CSV_STATUS[(statusText ?? '').toLowerCase()];
  if (!status)
    throw new StatusSourceError(
      `${where}: status ${JSON.stringify(statusText)} is not good, revoked or expired`,
    );
  const record: StatusRecord = { serialHex: parseSerial(serial ?? '', where), status };
  const notAfter = parseIsoTime(notAfterText, where, 'notAfter');
  if (notAfter) record.notAfter = notAfter;
  if (status === 'revoked') {
    const revokedAt = parseIsoTime(revokedText, where, 'revocationTime');
    if (!revokedAt) throw new StatusSourceError(`${where}: a revoked certificate needs its revocationTime`);
    record.revokedAt = revokedAt;
    const reason = reasonCode(reasonText, where);
    if (reason !== undefined) record.reason = reason;
  }
  return record;
}

/**
 * Every record of the source, in its order. A serial listed twice is refused where its response is
 * written (the file exists already), so that no set of serials grows with the certificate count.
 */
export async function* readStatusSource(source: StatusSource): AsyncGenerator<StatusRecord> {
  const file = 'index' in source ? source.index : source.csv;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const where = `${file}:${number}`;
    const record = 'index' in source ? parseIndexLine(line, where) : parseCsvLine(line, where);
    if (!record) continue;
    yield record;
  }
}

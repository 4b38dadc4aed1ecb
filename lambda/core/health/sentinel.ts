/**
 * A health-checker sentinel: a certificate whose OCSP status is known, probed by GET and POST on
 * every run. Operators name sentinels in three places (the configuration's `health.sentinels`,
 * `--sentinel CERT:ISSUER:STATUS[:HASH]`, and the sentinels file the construct ships to the Lambda);
 * each reads its own files or JSON and hands the values here, so all three follow one rule.
 *
 * Errors say which part is wrong (`SentinelError.part`) in words that name no flag or field: each
 * caller prefixes its own (`health.sentinels[0].issuer:`, `--sentinel SPEC:`).
 */
import { bytesEqual } from '../encoding/bytes.ts';
import { CERT_ID_HASHES, CERT_STATUSES, type CertStatus } from '../ocsp/cert-id.ts';
import type { HashAlgorithmName } from '../pki/hash-algorithms.ts';
import { parseCertificate } from '../pki/trust-store.ts';
import { isIssuedBy } from '../pki/x509.ts';

export interface Sentinel {
  certificate: Uint8Array;
  /** The issuing CA's certificate (DER). */
  issuer: Uint8Array;
  expectedStatus: CertStatus;
  /** CertID hash; absent: the probe's default, SHA-1 (what OpenSSL, Java and Firefox send). */
  hashAlgorithm?: HashAlgorithmName;
}

export class SentinelError extends Error {
  override name = 'SentinelError';
  constructor(
    readonly part: keyof Sentinel,
    message: string,
  ) {
    super(message);
  }
}

/** The expected status, one of CERT_STATUSES. */
export function readExpectedStatus(value: unknown): CertStatus {
  if (typeof value !== 'string' || !(CERT_STATUSES as readonly string[]).includes(value)) {
    throw new SentinelError('expectedStatus', `is required: one of ${CERT_STATUSES.join(', ')}`);
  }
  return value as CertStatus;
}

/** The CertID hash, one of CERT_ID_HASHES, or undefined when not given. */
export function readHashAlgorithm(value: unknown): HashAlgorithmName | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(CERT_ID_HASHES as readonly string[]).includes(value)) {
    throw new SentinelError('hashAlgorithm', `must be one of ${CERT_ID_HASHES.join(', ')}`);
  }
  return value as HashAlgorithmName;
}

/** One sentinel as its source gives it: certificates found in files, the rest as written. */
export interface SentinelSource {
  /** Every certificate where the sentinel certificate was given (a PEM file may hold several). */
  certificate: readonly Uint8Array[];
  /** Every certificate where the issuer was given; absent: found among `pinned`. */
  issuer?: readonly Uint8Array[];
  expectedStatus: unknown;
  hashAlgorithm?: unknown;
}

export interface SentinelContext {
  /** How the operator knows where the certificate came from (its file path), for errors. */
  certificateName: string;
  /** The same for the issuer. */
  issuerName?: string;
  /**
   * The pinned CA certificates and how the operator knows them (`trust`). Given, the issuer must be
   * one of them and must have issued the certificate (else every probe would fail, and the publish
   * gate would never accept responses for it), or is found among them when not given. Absent, the
   * issuer is required, and the probe checks that it issued the certificate when it is created.
   */
  pinned?: { certificates: readonly Uint8Array[]; name: string };
}

/** Checks one sentinel: exactly one certificate each, status and hash words, the issuer. */
export async function checkSentinel(source: SentinelSource, context: SentinelContext): Promise<Sentinel> {
  const certificate = oneCertificate(source.certificate, 'certificate', context.certificateName);
  const expectedStatus = readExpectedStatus(source.expectedStatus);
  const hashAlgorithm = readHashAlgorithm(source.hashAlgorithm);
  const issuer = await findIssuer(certificate, source.issuer, context);
  return { certificate, issuer, expectedStatus, ...(hashAlgorithm ? { hashAlgorithm } : {}) };
}

function oneCertificate(
  found: readonly Uint8Array[],
  part: 'certificate' | 'issuer',
  name: string,
): Uint8Array {
  if (found.length !== 1) {
    throw new SentinelError(part, `${name} holds ${found.length} certificates; give a file with exactly one`);
  }
  const der = found[0]!;
  try {
    parseCertificate(der);
  } catch (error) {
    throw new SentinelError(part, `${name} is not an X.509 certificate: ${(error as Error).message}`);
  }
  return der;
}

async function findIssuer(
  certificate: Uint8Array,
  given: readonly Uint8Array[] | undefined,
  context: SentinelContext,
): Promise<Uint8Array> {
  const { certificateName, pinned } = context;
  if (given === undefined) {
    if (!pinned) throw new SentinelError('issuer', 'is required');
    const parsed = parseCertificate(certificate);
    for (const der of pinned.certificates) {
      if (await isIssuedBy(parsed, parseCertificate(der))) return der;
    }
    throw new SentinelError(
      'issuer',
      `no pinned CA certificate in ${pinned.name} issued ${certificateName}; pin its CA or give the issuer file`,
    );
  }
  const issuerName = context.issuerName ?? 'the issuer';
  const issuer = oneCertificate(given, 'issuer', issuerName);
  if (!pinned) return issuer;
  if (!pinned.certificates.some((der) => bytesEqual(der, issuer))) {
    throw new SentinelError(
      'issuer',
      `${issuerName} is not one of the pinned CA certificates in ${pinned.name} (the checker trusts only those)`,
    );
  }
  if (!(await isIssuedBy(parseCertificate(certificate), parseCertificate(issuer)))) {
    throw new SentinelError(
      'issuer',
      `${issuerName} did not issue ${certificateName} (issuer name or signature does not match)`,
    );
  }
  return issuer;
}

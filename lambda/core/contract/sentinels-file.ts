/**
 * The sentinels file the HealthChecker construct ships beside the health Lambda and the handler
 * reads at cold start: the certificates whose OCSP answers are probed.
 */
import type { HashAlgorithmName } from '../pki/oids.ts';
import type { CertStatus } from '../ocsp/validate-ocsp-response.ts';

/** One sentinel in the sentinels file: certificates as base64 DER. */
export interface SentinelFileEntry {
  certificate: string;
  issuer: string;
  expectedStatus: CertStatus;
  hashAlgorithm?: HashAlgorithmName;
}

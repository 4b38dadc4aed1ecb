/**
 * The sentinels file the HealthChecker construct ships beside the health Lambda and the handler
 * reads at cold start: the certificates whose OCSP answers are probed, as a JSON list.
 */
import { readExpectedStatus, readHashAlgorithm, SentinelError, type Sentinel } from '../health/sentinel.ts';

/** One sentinel in the sentinels file: certificates as base64 DER. */
export interface SentinelFileEntry {
  certificate: string;
  issuer: string;
  expectedStatus: Sentinel['expectedStatus'];
  hashAlgorithm?: Sentinel['hashAlgorithm'];
}

/** The file's text for these sentinels (what the construct writes). */
export function formatSentinelsFile(sentinels: readonly Sentinel[]): string {
  const entries: SentinelFileEntry[] = sentinels.map((sentinel) => ({
    certificate: Buffer.from(sentinel.certificate).toString('base64'),
    issuer: Buffer.from(sentinel.issuer).toString('base64'),
    expectedStatus: sentinel.expectedStatus,
    ...(sentinel.hashAlgorithm ? { hashAlgorithm: sentinel.hashAlgorithm } : {}),
  }));
  return `${JSON.stringify(entries, null, 2)}\n`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The sentinels of the file's text (what the handler reads). The certificates are checked when the
 * probe is created; here, that each is base64 and the words are ones the probe knows. Errors name
 * the entry by its index; the caller adds which file.
 */
export function parseSentinelsFile(text: string): Sentinel[] {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw new SentinelsFileError(`is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new SentinelsFileError('is not a JSON list');
  return entries.map((raw: unknown, index) => {
    const entry = (raw ?? {}) as Partial<Record<keyof SentinelFileEntry, unknown>>;
    try {
      const hashAlgorithm = readHashAlgorithm(entry.hashAlgorithm);
      return {
        certificate: base64Part(entry.certificate, 'certificate'),
        issuer: base64Part(entry.issuer, 'issuer'),
        expectedStatus: readExpectedStatus(entry.expectedStatus),
        ...(hashAlgorithm ? { hashAlgorithm } : {}),
      };
    } catch (error) {
      if (!(error instanceof SentinelError)) throw error;
      throw new SentinelsFileError(`entry ${index}: ${error.part} ${error.message}`);
    }
  });
}

export class SentinelsFileError extends Error {
  override name = 'SentinelsFileError';
}

function base64Part(value: unknown, part: 'certificate' | 'issuer'): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new SentinelError(part, 'is not base64 DER');
  return new Uint8Array(Buffer.from(value, 'base64'));
}

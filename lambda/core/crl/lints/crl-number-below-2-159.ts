/**
 * RFC 5280 §5.2.3: a cRLNumber is a non-negative integer of at most 20 octets, i.e. below 2^159
 * (the sign bit of the 20th octet is clear); relying parties must handle no more.
 */
import { crlNumberOf } from '../validate-crl.ts';
import type { CrlLintInput, Lint } from './lint.ts';

const LIMIT = 1n << 159n;

export const crlNumberBelow2To159: Lint<CrlLintInput> = {
  id: 'crl-number-below-2-159',
  citation: 'RFC 5280 §5.2.3',
  severity: { rfc5280: 'error', br: 'error' },
  check: ({ crl }) => {
    const number = crlNumberOf(crl);
    if (number === undefined) return [];
    if (number < 0n) return [`cRLNumber ${number} is negative`];
    return number < LIMIT ? [] : [`cRLNumber ${number} is not below 2^159 (more than 20 octets)`];
  },
};

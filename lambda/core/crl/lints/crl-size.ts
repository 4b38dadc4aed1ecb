/**
 * A CRL over 10 MB is warned: relying parties (browsers building CRLite/CRLSets, Windows CryptoAPI)
 * time out or give up on large downloads; partition it (BR §7.2.2.1, CCADB "JSON array of
 * partitioned CRLs").
 */
import type { CrlLintInput, Lint } from './lint.ts';

export const CRL_SIZE_WARNING_BYTES = 10 * 1000 * 1000;

export const crlSize: Lint<CrlLintInput> = {
  id: 'crl-size',
  citation: 'BR §7.2.2.1 (partitioning)',
  severity: { rfc5280: 'warning', br: 'warning' },
  check: ({ der }) =>
    der.byteLength > CRL_SIZE_WARNING_BYTES ? [`${der.byteLength} bytes, more than 10 MB: partition it`] : [],
};

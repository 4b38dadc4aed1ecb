/**
 * Where a bundle carries the expired certificates a CRL needs as evidence to drop their entries
 * (lambda/core/publish/revocation-finality.ts; RFC 5280 §3.3, BR §4.10.1): a directory named
 * after the CRL. The pre-signer writes them there and the uploader keeps them in the CRL's part,
 * where the gate looks for them; the gate itself accepts evidence at any path of that part.
 */
export const EVIDENCE_DIR_SUFFIX = '.evidence';

export function evidencePath(crlPath: string, serialHex: string): string {
  return `${crlPath}${EVIDENCE_DIR_SUFFIX}/${serialHex}.pem`;
}

/**
 * What makes a certificate a CA certificate (RFC 5280 §4.2.1.9 basicConstraints cA, §4.2.1.3
 * keyUsage keyCertSign): the pinned trust anchors and every intermediate CA a signature carries.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseBer } from '../encoding/asn1.ts';
import { OID } from './oids.ts';

/** KeyUsage bit positions (RFC 5280 §4.2.1.3). */
export const KEY_USAGE = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyCertSign: 5,
} as const;

/** keyUsage bits (RFC 5280 §4.2.1.3), or undefined when the extension is absent. */
export function keyUsageBits(certificate: pkijs.Certificate): { has(bit: number): boolean } | undefined {
  const extension = certificate.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!extension) return undefined;
  const asn1 = parseBer(new Uint8Array(extension.extnValue.valueBlock.valueHexView));
  const bits =
    asn1.ok && asn1.result instanceof asn1js.BitString
      ? new Uint8Array(asn1.result.valueBlock.valueHexView)
      : new Uint8Array();
  return { has: (bit) => (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1 };
}

/** basicConstraints cA is TRUE (RFC 5280 §4.2.1.9). */
export function isCa(certificate: pkijs.Certificate): boolean {
  const extension = certificate.extensions?.find((e) => e.extnID === OID.basicConstraints);
  const parsed = extension?.parsedValue as pkijs.BasicConstraints | undefined;
  return parsed instanceof pkijs.BasicConstraints && parsed.cA === true;
}

/**
 * Why `certificate` cannot sign certificates and CRLs as a CA, worded to follow its name, or
 * undefined when it can. RFC 5280 §4.2.1.3 makes keyUsage a MUST for CA certificates: a trust
 * anchor the operator pins is held to it (`keyUsage: 'required'`); a carried intermediate only
 * when it has the extension (`'if-present'`), as path validation does (§6.1.4 (n)).
 */
export function caCertificateProblem(
  certificate: pkijs.Certificate,
  keyUsage: 'required' | 'if-present',
): string | undefined {
  if (!isCa(certificate)) return 'is not a CA (basicConstraints cA is not set)';
  const usage = keyUsageBits(certificate);
  if (!usage) return keyUsage === 'required' ? 'has no keyUsage extension (keyCertSign required)' : undefined;
  if (!usage.has(KEY_USAGE.keyCertSign)) return 'keyUsage lacks keyCertSign';
  return undefined;
}

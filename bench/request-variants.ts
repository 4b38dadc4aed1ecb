/**
 * The ways real clients and proxies write one OCSP GET (RFC 6960 Appendix A.1 asks for the URL
 * encoding of the base64 of the DER request; REFERENCE.md lists what is seen instead). Each
 * returns the part after the OCSP prefix, starting with "/".
 */
export const ENCODING_VARIANTS = [
  'percent-encoded',
  'raw base64',
  'base64url',
  'no padding',
  'lowercase escapes',
  'doubled slash',
  'space for plus',
] as const;

export type EncodingVariant = (typeof ENCODING_VARIANTS)[number];

export function encodeVariant(der: Uint8Array, variant: EncodingVariant): string {
  const base64 = Buffer.from(der).toString('base64');
  switch (variant) {
    case 'percent-encoded':
      return `/${encodeURIComponent(base64)}`;
    case 'raw base64':
      return `/${base64}`;
    case 'base64url':
      return `/${Buffer.from(der).toString('base64url')}`;
    case 'no padding':
      return `/${encodeURIComponent(base64.replace(/=+$/, ''))}`;
    case 'lowercase escapes':
      return `/${encodeURIComponent(base64).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`;
    case 'doubled slash':
      return `//${encodeURIComponent(base64)}`;
    case 'space for plus':
      return `/${base64.replace(/\+/g, '%20')}`;
  }
}

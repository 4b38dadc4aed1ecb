import * as asn1js from 'asn1js';
import { toArrayBuffer } from './bytes.ts';

export type BerParse =
  | { ok: true; result: asn1js.AsnType; /** octets the first element used */ length: number }
  | { ok: false; error: string };

export interface ParseBerOptions {
  /**
   * asn1js also tries to decode the contents of every primitive OCTET STRING and BIT STRING as BER
   * (`valueBlock.value`); a reader that takes their bytes (`valueHexView`) can turn that off and skip
   * decoding, for an OCSP response, its BasicOCSPResponse and signature a second time. Default true.
   */
  parseEmbedded?: boolean;
}

/**
 * asn1js.fromBER for untrusted bytes. asn1js reports most decoding errors through `offset: -1`, but
 * some of its value decoders throw plain Errors instead (a GeneralizedTime whose text is not a date:
 * "Wrong input string for conversion"); both come back here as one failed parse, so a hostile file
 * is refused with a reason rather than escaping as an internal error. Found by the seeded fuzzer.
 */
export function parseBer(bytes: Uint8Array, options: ParseBerOptions = {}): BerParse {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    // Our own copy already: asn1js need not copy it again.
    parsed = asn1js.fromBER(toArrayBuffer(bytes), {
      copyInput: false,
      parseEmbedded: options.parseEmbedded ?? true,
    });
  } catch (error) {
    return { ok: false, error: (error as Error).message || 'bad ASN.1' };
  }
  if (parsed.offset === -1) return { ok: false, error: parsed.result.error || 'bad ASN.1' };
  return { ok: true, result: parsed.result, length: parsed.offset };
}

/**
 * The one reader of certificate files as operators hand them over (`--trust`, the configuration's
 * `trust` and sentinels, the trust directory shipped with the Lambdas, the evidence pack): PEM with
 * any number of CERTIFICATE blocks (RFC 7468 §5), or a single DER certificate. It says nothing
 * about where the bytes came from, so every caller words its own error with its own flag or field.
 */
import { looksLikePem, parsePemBlocks } from '../encoding/pem.ts';

/** Every certificate of a PEM file as DER (other blocks are skipped), or the DER file itself. */
export function certificatesInFile(bytes: Uint8Array): Uint8Array[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (!looksLikePem(text)) return [bytes];
  return parsePemBlocks(text)
    .filter((block) => block.label === 'CERTIFICATE')
    .map((block) => block.der);
}

/** File names the trust directories hold certificates under. */
export const CERTIFICATE_FILE_NAME = /\.(pem|crt|cer|der)$/i;

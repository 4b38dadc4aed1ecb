import { WEBCRYPTO_HASH, type HashAlgorithmName } from './oids.ts';

/** Lowercase hex of a byte array. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy of the bytes in a fresh ArrayBuffer (what asn1js and WebCrypto want). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

export async function digest(algorithm: HashAlgorithmName, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await globalThis.crypto.subtle.digest(WEBCRYPTO_HASH[algorithm], toArrayBuffer(data)),
  );
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

const textDecoder = new TextDecoder('latin1');
/** Bytes as a latin1 string: one character per byte, for scanning text markers in binary files. */
export function toLatin1(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

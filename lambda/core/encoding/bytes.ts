import { createHash } from 'node:crypto';
import { WEBCRYPTO_HASH, type HashAlgorithmName } from '../pki/hash-algorithms.ts';

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

/** Below this size a hash is computed on the spot; above it, off the event loop. */
const INLINE_DIGEST_BYTES = 64 * 1024;

/**
 * SHA-1/SHA-2 of `data`. Small inputs (an OCSP response, a key, one per file the gate judges) are
 * hashed by node:crypto on the spot: WebCrypto's digest copies the bytes and makes a round trip
 * through the thread pool, which cost more than the hash itself. Large ones (tar parts, PDFs) still
 * go to WebCrypto's thread pool, so hashing them never stalls the event loop.
 */
export async function digest(algorithm: HashAlgorithmName, data: Uint8Array): Promise<Uint8Array> {
  if (data.byteLength <= INLINE_DIGEST_BYTES) return digestSync(algorithm, data);
  return new Uint8Array(
    await globalThis.crypto.subtle.digest(WEBCRYPTO_HASH[algorithm], toArrayBuffer(data)),
  );
}

export function digestSync(algorithm: HashAlgorithmName, data: Uint8Array): Uint8Array {
  // A copy in its own ArrayBuffer: node may hand out small Buffers from a shared pool.
  return new Uint8Array(createHash(algorithm).update(data).digest());
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

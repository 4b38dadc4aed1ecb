/**
 * The pre-signer's signing keys: a PEM key file, signed with node:crypto on every core, or a key in
 * a PKCS#11 token (pkcs11-signer.ts). Either signs SHA-256 over the octets it is given, ECDSA or
 * RSASSA-PKCS1-v1_5 (signature-encoding.ts), and is checked against its certificate before use.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { SigningKeyType } from '../../lambda/core/pki/signature-encoding.ts';
import {
  ResponseWorkers,
  type ResponseBatch,
  type ResponseFrameParts,
  type ResponseWriter,
} from './response-workers.ts';

export {
  DuplicateResponseError,
  type ResponseBatch,
  type ResponseFrameParts,
  type ResponseWriter,
} from './response-workers.ts';

export interface Signer {
  readonly keyType: SigningKeyType;
  /** What the key is, for messages: "key file ca.key", "PKCS#11 key ca on token demo". */
  readonly description: string;
  /** The signature value over each of `tbs`, in order (SHA-256; ECDSA as DER Ecdsa-Sig-Value). */
  sign(tbs: Uint8Array[]): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/** Throws unless `signer` makes signatures the certificate's public key verifies. */
export async function assertSignerMatches(signer: Signer, spkiDer: Uint8Array, what: string): Promise<void> {
  const probe = new TextEncoder().encode(`ca-repo presign key check ${what}`);
  const [signature] = await signer.sign([probe]);
  const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  if (!signature || !verify('sha256', probe, key, signature))
    throw new Error(`${signer.description} is not the key of ${what}`);
}

/** Below this many signatures a batch is signed on the calling thread: a worker's round trip costs more. */
const INLINE_BATCH = 8;

/** A PEM key file (PKCS#8, SEC1 or PKCS#1, unencrypted), signing on one worker thread per core. */
export class FileKeySigner implements Signer, ResponseWriter {
  readonly keyType: SigningKeyType;
  private readonly workers: ResponseWorkers | undefined;

  private constructor(
    private readonly key: KeyObject,
    readonly description: string,
    threads: number,
  ) {
    const type = key.asymmetricKeyType;
    if (type !== 'ec' && type !== 'rsa')
      throw new Error(`${description}: a ${type} key cannot sign here (EC or RSA)`);
    if (
      type === 'ec' &&
      key.asymmetricKeyDetails?.namedCurve !== 'prime256v1' &&
      key.asymmetricKeyDetails?.namedCurve !== 'secp384r1'
    )
      throw new Error(
        `${description}: EC curve ${key.asymmetricKeyDetails?.namedCurve} is not P-256 or P-384`,
      );
    this.keyType = type;
    if (threads > 0)
      this.workers = new ResponseWorkers({ pkcs8: key.export({ type: 'pkcs8', format: 'der' }) }, threads);
  }

  /** `threads` defaults to every core; 0 signs on the calling thread only. */
  static fromPem(pem: string, description: string, threads = availableParallelism()): FileKeySigner {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (error) {
      throw new Error(
        `${description}: not a readable unencrypted private key (${(error as Error).message})`,
        {
          cause: error,
        },
      );
    }
    return new FileKeySigner(key, description, threads);
  }

  sign(tbs: Uint8Array[]): Promise<Uint8Array[]> {
    if (!this.workers || tbs.length <= INLINE_BATCH) {
      return Promise.resolve(tbs.map((bytes) => new Uint8Array(sign('sha256', bytes, this.key))));
    }
    return this.workers.sign(tbs);
  }

  /** Whether `writeResponses` can run (on worker threads); otherwise the caller signs and writes. */
  get writesResponses(): boolean {
    return this.workers !== undefined;
  }

  /** See ResponseWorkers.writeResponses. */
  async writeResponses(batch: ResponseBatch, parts: ResponseFrameParts): Promise<void> {
    if (!this.workers) throw new Error(`${this.description}: no worker threads to write responses`);
    await this.workers.writeResponses(batch, parts);
  }

  get parallelism(): number {
    return Math.max(1, this.workers?.threads ?? 0);
  }

  async close(): Promise<void> {
    await this.workers?.close();
  }
}

/**
 * The signer as a writer of whole responses on its worker threads (a key file with threads, a
 * PKCS#11 key: response-workers.ts), or undefined where the caller signs and writes them.
 */
export function responseWriterOf(signer: Signer): ResponseWriter | undefined {
  if (signer instanceof FileKeySigner) return signer.writesResponses ? signer : undefined;
  const writer = signer as Signer & Partial<ResponseWriter>;
  return typeof writer.writeResponses === 'function' ? (writer as Signer & ResponseWriter) : undefined;
}

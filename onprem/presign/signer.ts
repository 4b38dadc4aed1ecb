/**
 * The pre-signer's signing keys: a PEM key file, signed with node:crypto on every core, or a key in
 * a PKCS#11 token (pkcs11-signer.ts). Either signs SHA-256 over the octets it is given, ECDSA or
 * RSASSA-PKCS1-v1_5 (signature-encoding.ts), and is checked against its certificate before use.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SigningKeyType } from '../../lambda/core/pki/signature-encoding.ts';

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

/**
 * The worker's code, evaluated (not a module file): the single-file build and tsx run it alike. It
 * holds a copy of the key and signs each batch it is sent.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const key = createPrivateKey({ key: Buffer.from(workerData.pkcs8), format: 'der', type: 'pkcs8' });
parentPort.on('message', ({ id, tbs }) => {
  parentPort.postMessage({ id, signatures: tbs.map((bytes) => sign('sha256', bytes, key)) });
});
`;

/** Below this many signatures a batch is signed on the calling thread: a worker's round trip costs more. */
const INLINE_BATCH = 8;

interface PendingBatch {
  resolve(signatures: Uint8Array[]): void;
  reject(error: Error): void;
}

/** A PEM key file (PKCS#8, SEC1 or PKCS#1, unencrypted), signing on one worker thread per core. */
export class FileKeySigner implements Signer {
  readonly keyType: SigningKeyType;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, PendingBatch>();
  private nextId = 0;
  private nextWorker = 0;

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
    const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pkcs8 } });
      worker.on('message', ({ id, signatures }: { id: number; signatures: Uint8Array[] }) => {
        this.pending.get(id)?.resolve(signatures);
        this.pending.delete(id);
      });
      worker.on('error', (error) => {
        for (const batch of this.pending.values()) batch.reject(error);
        this.pending.clear();
      });
      worker.unref();
      this.workers.push(worker);
    }
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
    if (this.workers.length === 0 || tbs.length <= INLINE_BATCH) {
      return Promise.resolve(tbs.map((bytes) => new Uint8Array(sign('sha256', bytes, this.key))));
    }
    const worker = this.workers[this.nextWorker++ % this.workers.length] as Worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, tbs });
    }).finally(() => {
      if (![...this.pending.keys()].length) for (const w of this.workers) w.unref();
    }) as Promise<Uint8Array[]>;
  }

  /** How many batches can usefully be in flight at once. */
  get parallelism(): number {
    return Math.max(1, this.workers.length);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers.length = 0;
  }
}

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
 * holds a copy of the key and either signs a batch it is sent (`sign`), or signs a batch of
 * tbsResponseData, frames each as an OCSPResponse and writes it to its file (`responses`), so that
 * the calling thread only encodes the ResponseData and nothing per response comes back.
 *
 * The frame (RFC 6960 §4.2.1): OCSPResponse { responseStatus, [0] EXPLICIT ResponseBytes {
 * responseType, response OCTET STRING { BasicOCSPResponse { tbsResponseData, signatureAlgorithm,
 * signature BIT STRING, [0] EXPLICIT certs OPTIONAL } } } }. Its constant octets (status, type,
 * signatureAlgorithm, certs) come encoded from ocsp-response-encoder.ts (responseFrameParts); the
 * worker writes only the headers whose lengths vary, DER's minimal definite lengths (X.690 §8.1.3).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const { writeFileSync } = require('node:fs');
const key = createPrivateKey({ key: Buffer.from(workerData.pkcs8), format: 'der', type: 'pkcs8' });
function header(tag, length) {
  if (length < 0x80) return Buffer.from([tag, length]);
  const octets = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return Buffer.from([tag, 0x80 | octets.length, ...octets]);
}
const ZERO = Buffer.from([0]);
function frame(parts, tbs, signature) {
  const bits = signature.length + 1;
  const basicLength = tbs.length + parts.signatureAlgorithm.length + header(3, bits).length + bits + parts.certs.length;
  const basicHeader = header(0x30, basicLength);
  const octets = header(4, basicHeader.length + basicLength);
  const bytesLength = parts.responseType.length + octets.length + basicHeader.length + basicLength;
  const bytesHeader = header(0x30, bytesLength);
  const explicit = header(0xa0, bytesHeader.length + bytesLength);
  const total = parts.successful.length + explicit.length + bytesHeader.length + bytesLength;
  return Buffer.concat([header(0x30, total), parts.successful, explicit, bytesHeader, parts.responseType,
    octets, basicHeader, tbs, parts.signatureAlgorithm, header(3, bits), ZERO, signature, parts.certs]);
}
parentPort.on('message', (message) => {
  if (message.type === 'sign') {
    parentPort.postMessage({ id: message.id, signatures: message.tbs.map((bytes) => sign('sha256', bytes, key)) });
    return;
  }
  const { id, tbs, ends, names, dir, parts } = message;
  try {
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const bytes = tbs.subarray(start, ends[i]);
      start = ends[i];
      const path = dir + '/' + names[i];
      try {
        writeFileSync(path, frame(parts, bytes, sign('sha256', bytes, key)), { flag: 'wx' });
      } catch (error) {
        if (error.code === 'EEXIST') throw new Error('EEXIST ' + names[i]);
        throw error;
      }
    }
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: error.message });
  }
});
`;

/** The constant octets of every OCSPResponse a run writes (see WORKER_SOURCE). */
export interface ResponseFrameParts {
  successful: Uint8Array;
  responseType: Uint8Array;
  signatureAlgorithm: Uint8Array;
  /** `[0] EXPLICIT SEQUENCE OF Certificate`, or empty. */
  certs: Uint8Array;
}

/** A batch of tbsResponseData, concatenated (`ends[i]` is where the i-th ends), for `names[i]`. */
export interface ResponseBatch {
  dir: string;
  tbs: Uint8Array;
  ends: Uint32Array;
  names: string[];
}

/** A batch's file already exists: the status source listed that serial twice. */
export class DuplicateResponseError extends Error {
  constructor(readonly fileName: string) {
    super(`${fileName} is written twice`);
  }
}

/** Below this many signatures a batch is signed on the calling thread: a worker's round trip costs more. */
const INLINE_BATCH = 8;

interface PendingBatch {
  resolve(signatures?: Uint8Array[]): void;
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
      worker.on('message', (reply: { id: number; signatures?: Uint8Array[]; error?: string }) => {
        const batch = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (reply.error?.startsWith('EEXIST '))
          batch?.reject(new DuplicateResponseError(reply.error.slice('EEXIST '.length)));
        else if (reply.error) batch?.reject(new Error(reply.error));
        else batch?.resolve(reply.signatures);
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
    return this.post({ type: 'sign', tbs }) as Promise<Uint8Array[]>;
  }

  /** Whether `writeResponses` can run (on worker threads); otherwise the caller signs and writes. */
  get writesResponses(): boolean {
    return this.workers.length > 0;
  }

  /**
   * Signs each tbsResponseData of the batch, frames it as an OCSPResponse and writes it to
   * `dir/names[i]` (refused if it exists: DuplicateResponseError), all on a worker thread. The
   * batch's buffer is handed over to the worker, not copied.
   */
  async writeResponses(batch: ResponseBatch, parts: ResponseFrameParts): Promise<void> {
    await this.post({ type: 'responses', ...batch, parts }, [batch.tbs.buffer as ArrayBuffer]);
  }

  private post(message: object, transfer: ArrayBuffer[] = []): Promise<Uint8Array[] | undefined> {
    const worker = this.workers[this.nextWorker++ % this.workers.length] as Worker;
    const id = this.nextId++;
    return new Promise<Uint8Array[] | undefined>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...message, id }, transfer);
    }).finally(() => {
      if (this.pending.size === 0) for (const w of this.workers) w.unref();
    });
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

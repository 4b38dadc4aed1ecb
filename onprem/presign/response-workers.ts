/**
 * The pre-signer's worker threads, one per core: each holds the signing key (a copy of a key
 * file's PKCS#8, or its own session on a PKCS#11 token), and for each batch of tbsResponseData it
 * is sent signs each, frames it as an OCSPResponse and writes it to its file, answering once per
 * batch; the calling thread only reads the status source and encodes each ResponseData. A key file
 * and a PKCS#11 key take the same path, so a token that signs in parallel is kept busy from every
 * core and nothing per response comes back to the main thread.
 *
 * The worker's code is evaluated (not a module file): the single-file build and tsx run it alike.
 *
 * The frame (RFC 6960 §4.2.1): OCSPResponse { responseStatus, [0] EXPLICIT ResponseBytes {
 * responseType, response OCTET STRING { BasicOCSPResponse { tbsResponseData, signatureAlgorithm,
 * signature BIT STRING, [0] EXPLICIT certs OPTIONAL } } } }. Its constant octets (status, type,
 * signatureAlgorithm, certs) come encoded from ocsp-response-encoder.ts (responseFrameParts); the
 * worker writes only the headers whose lengths vary, DER's minimal definite lengths (X.690 §8.1.3),
 * straight into one buffer it reuses, so a response costs its signature, no other allocation, and
 * three system calls (open, write, close).
 *
 * PKCS#11 in a worker: pkcs11js is a Node-API addon, so each worker loads its own instance of it
 * and opens its own session (a session runs one operation at a time, PKCS#11 v2.40 §5.12). The
 * module is initialised once per process (a worker's C_Initialize answers
 * CKR_CRYPTOKI_ALREADY_INITIALIZED) and the login is the application's (§5.6: every session of
 * the process shares it), made on the main thread, which also finalises the module after the
 * workers end. ECDSA signs the SHA-256 digest (CKM_ECDSA) and its r ‖ s is written as DER
 * Ecdsa-Sig-Value (RFC 5480 §2.2 via RFC 3279 §2.2.3); RSA signs with CKM_SHA256_RSA_PKCS.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SigningKeyType } from '../../lambda/core/pki/signature-encoding.ts';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash, createPrivateKey, sign } = require('node:crypto');
const { openSync, writeSync, closeSync, constants } = require('node:fs');

function pkcs11Signer(options) {
  const p = require(options.binding);
  const m = new p.PKCS11();
  m.load(options.module);
  try { m.C_Initialize({ flags: 0x2 }); } catch (error) { if (error.code !== 0x191) throw error; }
  const slot = m.C_GetSlotList(true).find((s) => m.C_GetTokenInfo(s).label.trim() === options.token);
  if (slot === undefined) throw new Error('no PKCS#11 token labelled "' + options.token + '"');
  const session = m.C_OpenSession(slot, p.CKF_SERIAL_SESSION);
  m.C_FindObjectsInit(session, [{ type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY }, { type: p.CKA_LABEL, value: options.label }]);
  const keys = m.C_FindObjects(session, 2);
  m.C_FindObjectsFinal(session);
  if (keys.length !== 1) throw new Error('PKCS#11 key "' + options.label + '" not found once on the token');
  const key = keys[0];
  const ec = options.keyType === 'ec';
  const mechanism = { mechanism: ec ? p.CKM_ECDSA : p.CKM_SHA256_RSA_PKCS };
  const out = Buffer.alloc(1024);
  return (bytes) => {
    m.C_SignInit(session, mechanism, key);
    // The binding reads a Buffer from its start: a view into a batch is wrapped, not copied.
    const data = ec ? createHash('sha256').update(bytes).digest() : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const signature = m.C_Sign(session, data, out);
    return ec ? ecdsaDer(signature) : Buffer.from(signature);
  };
}
/** INTEGER of an unsigned big-endian magnitude: minimal, with a zero octet where the top bit is set. */
function integer(magnitude) {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const value = magnitude.subarray(start);
  const pad = value[0] & 0x80 ? 1 : 0;
  const der = Buffer.alloc(2 + pad + value.length);
  der[0] = 2; der[1] = pad + value.length; der.set(value, 2 + pad);
  return der;
}
/** r ‖ s as Ecdsa-Sig-Value; P-256 and P-384 keep it under 128 octets, a one-octet length. */
function ecdsaDer(raw) {
  const half = raw.length / 2;
  const r = integer(raw.subarray(0, half)), s = integer(raw.subarray(half));
  return Buffer.concat([Buffer.from([0x30, r.length + s.length]), r, s]);
}

let signOne;
if (workerData.pkcs8) {
  const key = createPrivateKey({ key: Buffer.from(workerData.pkcs8), format: 'der', type: 'pkcs8' });
  signOne = (bytes) => sign('sha256', bytes, key);
} else {
  signOne = pkcs11Signer(workerData.pkcs11);
}

function headerSize(length) {
  return length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : length < 0x1000000 ? 5 : 6;
}
function putHeader(buffer, at, tag, length) {
  buffer[at++] = tag;
  if (length < 0x80) { buffer[at++] = length; return at; }
  const octets = headerSize(length) - 2;
  buffer[at++] = 0x80 | octets;
  for (let i = octets - 1; i >= 0; i--) buffer[at++] = (length >>> (8 * i)) & 0xff;
  return at;
}
let scratch = Buffer.allocUnsafe(4096);
/** The OCSPResponse around tbs and its signature, in scratch; returns its length. */
function frame(parts, tbs, signature) {
  const bits = signature.length + 1;
  const basicLength = tbs.length + parts.signatureAlgorithm.length + headerSize(bits) + bits + parts.certs.length;
  const octetsLength = headerSize(basicLength) + basicLength;
  const bytesLength = parts.responseType.length + headerSize(octetsLength) + octetsLength;
  const explicitLength = headerSize(bytesLength) + bytesLength;
  const totalLength = parts.successful.length + headerSize(explicitLength) + explicitLength;
  const size = headerSize(totalLength) + totalLength;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(size * 2);
  const b = scratch;
  let at = putHeader(b, 0, 0x30, totalLength);
  b.set(parts.successful, at); at += parts.successful.length;
  at = putHeader(b, at, 0xa0, explicitLength);
  at = putHeader(b, at, 0x30, bytesLength);
  b.set(parts.responseType, at); at += parts.responseType.length;
  at = putHeader(b, at, 0x04, octetsLength);
  at = putHeader(b, at, 0x30, basicLength);
  b.set(tbs, at); at += tbs.length;
  b.set(parts.signatureAlgorithm, at); at += parts.signatureAlgorithm.length;
  at = putHeader(b, at, 0x03, bits);
  b[at++] = 0;
  b.set(signature, at); at += signature.length;
  b.set(parts.certs, at); at += parts.certs.length;
  return at;
}
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
function writeNew(path, length) {
  const fd = openSync(path, CREATE, 0o666);
  try {
    for (let written = 0; written < length; ) written += writeSync(fd, scratch, written, length - written);
  } finally {
    closeSync(fd);
  }
}
parentPort.on('message', (message) => {
  const { id } = message;
  try {
    if (message.type === 'sign') {
      parentPort.postMessage({ id, signatures: message.tbs.map((bytes) => new Uint8Array(signOne(bytes))) });
      return;
    }
    const { tbs, ends, names, dir, parts } = message;
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const bytes = tbs.subarray(start, ends[i]);
      start = ends[i];
      const length = frame(parts, bytes, signOne(bytes));
      try {
        writeNew(dir + '/' + names[i], length);
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

/** The constant octets of every OCSPResponse a run writes (see above). */
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

/** A signer whose worker threads write responses themselves (a key file, a PKCS#11 key). */
export interface ResponseWriter {
  writeResponses(batch: ResponseBatch, parts: ResponseFrameParts): Promise<void>;
  /** How many batches can usefully be in flight at once. */
  readonly parallelism: number;
}

/** A batch's file already exists: the status source listed that serial twice. */
export class DuplicateResponseError extends Error {
  constructor(readonly fileName: string) {
    super(`${fileName} is written twice`);
  }
}

/** What a worker signs with: a key file's PKCS#8 DER, or a key on a PKCS#11 token. */
export type WorkerKey =
  | { pkcs8: Uint8Array }
  | {
      pkcs11: {
        /** The resolved path of the pkcs11js module (or the single file's artifact). */
        binding: string;
        module: string;
        token: string;
        label: string;
        keyType: SigningKeyType;
      };
    };

interface PendingBatch {
  resolve(signatures?: Uint8Array[]): void;
  reject(error: Error): void;
}

/** The worker threads of one key, started on first use (a CA key that signs only CRLs needs few). */
export class ResponseWorkers {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, PendingBatch>();
  private nextId = 0;
  private nextWorker = 0;

  constructor(
    private readonly key: WorkerKey,
    readonly threads = availableParallelism(),
  ) {}

  private start(): void {
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.key });
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

  /** The signature value of each of `tbs`, signed on a worker. */
  async sign(tbs: Uint8Array[]): Promise<Uint8Array[]> {
    return (await this.post({ type: 'sign', tbs })) as Uint8Array[];
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
    if (this.workers.length === 0) this.start();
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

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers.length = 0;
  }
}

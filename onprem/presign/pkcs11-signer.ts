/**
 * Signing with a key that never leaves a PKCS#11 token (an HSM; SoftHSM2 in tests and the demo),
 * through the pkcs11js binding (PKCS#11 v2.40). The PIN comes from an environment variable or a
 * file, never from the command line, where `ps` and shell histories would show it.
 *
 * Responses are signed, framed and written on one worker thread per core, each with its own
 * session (response-workers.ts), so a token that signs in parallel is kept busy and nothing per
 * response passes through the main thread; the key check and CRLs are signed here. ECDSA keys
 * sign the SHA-256 digest with CKM_ECDSA (every token has it) and the r ‖ s result is written as
 * DER; RSA keys sign with CKM_SHA256_RSA_PKCS.
 *
 * The binding is native code, so the single-file uploader cannot hold it: it loads `pkcs11js` when
 * installed, else the second artifact `ca-repo-onprem-pkcs11/` beside the single file
 * (onprem/build-single-file.ts).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type * as Pkcs11Js from 'pkcs11js';
import { CliError } from '../../lambda/core/contract/cli-error.ts';
import { ecdsaRawToDer, type SigningKeyType } from '../../lambda/core/pki/signature-encoding.ts';
import {
  ResponseWorkers,
  type ResponseBatch,
  type ResponseFrameParts,
  type ResponseWriter,
} from './response-workers.ts';
import type { Signer } from './signer.ts';

/** The directory beside the single file that holds the binding (see build-single-file.ts). */
export const PKCS11_ARTIFACT_DIR = 'ca-repo-onprem-pkcs11';

export class Pkcs11Error extends Error {}

type Binding = typeof Pkcs11Js;

/** The binding and the path it was loaded from (the worker threads load it there again). */
async function loadBinding(): Promise<{ binding: Binding; path: string }> {
  const require = createRequire(import.meta.url);
  try {
    // A CommonJS module: its constants are on the default export only.
    const imported = (await import('pkcs11js')) as unknown as { default?: Binding } & Binding;
    return { binding: imported.default ?? imported, path: require.resolve('pkcs11js') };
  } catch (installed) {
    try {
      const path = require.resolve(`./${PKCS11_ARTIFACT_DIR}/index.js`);
      return { binding: require(path) as Binding, path };
    } catch {
      throw new Pkcs11Error(
        `the PKCS#11 binding is not available (npm package pkcs11js, or ${PKCS11_ARTIFACT_DIR}/ beside the single file): ${(installed as Error).message}`,
      );
    }
  }
}

/** The user PIN from `file` (first line) or the environment variable `env`. */
export async function readPin(source: { env: string; file?: string }): Promise<string> {
  if (source.file) {
    const text = await readFile(source.file, 'utf8').catch((error: Error) => {
      throw new CliError(`--pkcs11-pin-file ${source.file}: ${error.message}`);
    });
    const pin = text.split(/\r?\n/)[0] ?? '';
    if (pin === '') throw new CliError(`--pkcs11-pin-file ${source.file} is empty`);
    return pin;
  }
  const pin = process.env[source.env];
  if (!pin)
    throw new CliError(
      `no PKCS#11 PIN: set the environment variable ${source.env} or give --pkcs11-pin-file FILE`,
    );
  return pin;
}

const CKF_OS_LOCKING_OK = 0x2; // PKCS#11 v2.40 §5.4 CK_C_INITIALIZE_ARGS flags
const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
const CKR_USER_ALREADY_LOGGED_IN = 0x100;

/** Below this many signatures (the key check, CRLs) a batch is signed here: a worker costs more. */
const INLINE_BATCH = 8;

class Pkcs11KeySigner implements Signer, ResponseWriter {
  private readonly workers: ResponseWorkers;

  constructor(
    private readonly binding: Binding,
    private readonly module: Pkcs11Js.PKCS11,
    /** A session of the main thread's, for the few signatures signed here. */
    private readonly session: { session: Pkcs11Js.Handle; key: Pkcs11Js.Handle },
    worker: { binding: string; module: string; token: string; label: string },
    threads: number,
    readonly keyType: SigningKeyType,
    readonly description: string,
    private readonly release: () => void,
  ) {
    this.workers = new ResponseWorkers({ pkcs11: { ...worker, keyType } }, threads);
  }

  get parallelism(): number {
    return this.workers.threads;
  }

  private signHere(tbs: Uint8Array): Uint8Array {
    const { binding, module, session } = this;
    const ec = this.keyType === 'ec';
    try {
      module.C_SignInit(
        session.session,
        { mechanism: ec ? binding.CKM_ECDSA : binding.CKM_SHA256_RSA_PKCS },
        session.key,
      );
      const input = ec
        ? createHash('sha256').update(tbs).digest()
        : Buffer.from(tbs.buffer, tbs.byteOffset, tbs.byteLength);
      const signature = new Uint8Array(module.C_Sign(session.session, input, Buffer.alloc(1024)));
      return ec ? ecdsaRawToDer(signature) : signature;
    } catch (error) {
      throw new Pkcs11Error(`${this.description}: signing failed: ${(error as Error).message}`);
    }
  }

  async sign(tbs: Uint8Array[]): Promise<Uint8Array[]> {
    if (tbs.length <= INLINE_BATCH) return tbs.map((bytes) => this.signHere(bytes));
    return this.workers.sign(tbs).catch((error: Error) => {
      throw new Pkcs11Error(`${this.description}: ${error.message}`);
    });
  }

  /** Signed, framed and written on a worker thread with its own session (response-workers.ts). */
  async writeResponses(batch: ResponseBatch, parts: ResponseFrameParts): Promise<void> {
    await this.workers.writeResponses(batch, parts);
  }

  /** The workers end first: the module is finalised once no session is left in use. */
  async close(): Promise<void> {
    await this.workers.close();
    this.release();
  }
}

function findSlot(binding: Binding, module: Pkcs11Js.PKCS11, token: string): Pkcs11Js.Handle {
  const labels: string[] = [];
  for (const slot of module.C_GetSlotList(true)) {
    const label = module.C_GetTokenInfo(slot).label.trim();
    if (label === token) return slot;
    labels.push(label);
  }
  void binding;
  throw new Pkcs11Error(
    `no PKCS#11 token labelled "${token}" (tokens: ${labels.map((l) => `"${l}"`).join(', ') || 'none'})`,
  );
}

function findKey(
  binding: Binding,
  module: Pkcs11Js.PKCS11,
  session: Pkcs11Js.Handle,
  label: string,
): { key: Pkcs11Js.Handle; keyType: SigningKeyType } {
  module.C_FindObjectsInit(session, [
    { type: binding.CKA_CLASS, value: binding.CKO_PRIVATE_KEY },
    { type: binding.CKA_LABEL, value: label },
  ]);
  const keys = module.C_FindObjects(session, 2);
  module.C_FindObjectsFinal(session);
  if (keys.length !== 1)
    throw new Pkcs11Error(
      `${keys.length === 0 ? 'no' : 'more than one'} private key labelled "${label}" on the token`,
    );
  const key = keys[0] as Pkcs11Js.Handle;
  const [attribute] = module.C_GetAttributeValue(session, key, [{ type: binding.CKA_KEY_TYPE }]);
  const value = attribute?.value as Buffer | undefined;
  const type = value ? Number(value.readUIntLE(0, Math.min(6, value.byteLength))) : -1;
  if (type === binding.CKK_EC) return { key, keyType: 'ec' };
  if (type === binding.CKK_RSA) return { key, keyType: 'rsa' };
  throw new Pkcs11Error(`the key labelled "${label}" is neither EC nor RSA`);
}

/** Signers for each key label, in order, from one token; closing the last finalizes the module. */
export async function openPkcs11Signers(options: {
  module: string;
  token: string;
  pin: string;
  keyLabels: string[];
  /** Worker threads per key, each with its own session (default: one per core). */
  sessionsPerKey?: number;
}): Promise<Signer[]> {
  const { binding, path: bindingPath } = await loadBinding();
  const module = new binding.PKCS11();
  try {
    module.load(options.module);
  } catch (error) {
    throw new Pkcs11Error(`--pkcs11-module ${options.module}: ${(error as Error).message}`);
  }
  try {
    module.C_Initialize({ flags: CKF_OS_LOCKING_OK });
  } catch (error) {
    if ((error as { code?: number }).code !== CKR_CRYPTOKI_ALREADY_INITIALIZED) throw error;
  }
  let open = options.keyLabels.length;
  const finalize = () => {
    if (--open > 0) return;
    try {
      module.C_Finalize();
    } catch {
      // Finalizing is best effort: the process ends next.
    }
  };
  try {
    const slot = findSlot(binding, module, options.token);
    const flags = binding.CKF_SERIAL_SESSION;
    const login = module.C_OpenSession(slot, flags);
    try {
      module.C_Login(login, binding.CKU_USER, options.pin);
    } catch (error) {
      if ((error as { code?: number }).code !== CKR_USER_ALREADY_LOGGED_IN)
        throw new Pkcs11Error(`login to token "${options.token}" failed: ${(error as Error).message}`);
    }
    const threads = options.sessionsPerKey ?? availableParallelism();
    return options.keyLabels.map((label) => {
      const { key, keyType } = findKey(binding, module, login, label);
      return new Pkcs11KeySigner(
        binding,
        module,
        { session: login, key },
        { binding: bindingPath, module: options.module, token: options.token, label },
        threads,
        keyType,
        `PKCS#11 key "${label}" on token "${options.token}"`,
        finalize,
      );
    });
  } catch (error) {
    open = 1;
    finalize();
    throw error instanceof Pkcs11Error ? error : new Pkcs11Error(`PKCS#11: ${(error as Error).message}`);
  }
}

/**
 * Signing with a key that never leaves a PKCS#11 token (an HSM; SoftHSM2 in tests and the demo),
 * through the pkcs11js binding (PKCS#11 v2.40). The PIN comes from an environment variable or a
 * file, never from the command line, where `ps` and shell histories would show it.
 *
 * One session per core, each signing its share of a batch with the asynchronous C_Sign (the
 * binding runs it on libuv's thread pool), so a token that signs in parallel is kept busy. ECDSA
 * keys sign the SHA-256 digest with CKM_ECDSA (every token has it) and the r ‖ s result is written
 * as DER; RSA keys sign with CKM_SHA256_RSA_PKCS.
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
import type { Signer } from './signer.ts';

/** The directory beside the single file that holds the binding (see build-single-file.ts). */
export const PKCS11_ARTIFACT_DIR = 'ca-repo-onprem-pkcs11';

export class Pkcs11Error extends Error {}

type Binding = typeof Pkcs11Js;

async function loadBinding(): Promise<Binding> {
  try {
    // A CommonJS module: its constants are on the default export only.
    const imported = (await import('pkcs11js')) as unknown as { default?: Binding } & Binding;
    return imported.default ?? imported;
  } catch (installed) {
    try {
      return createRequire(import.meta.url)(`./${PKCS11_ARTIFACT_DIR}/index.js`) as Binding;
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

class Pkcs11KeySigner implements Signer {
  constructor(
    private readonly binding: Binding,
    private readonly module: Pkcs11Js.PKCS11,
    private readonly sessions: { session: Pkcs11Js.Handle; key: Pkcs11Js.Handle }[],
    readonly keyType: SigningKeyType,
    readonly description: string,
    private readonly release: () => void,
  ) {
    this.idle = [...sessions];
  }

  get parallelism(): number {
    return this.sessions.length;
  }

  private signOne(
    lane: { session: Pkcs11Js.Handle; key: Pkcs11Js.Handle },
    tbs: Uint8Array,
  ): Promise<Uint8Array> {
    const { binding, module } = this;
    const ec = this.keyType === 'ec';
    try {
      module.C_SignInit(
        lane.session,
        { mechanism: ec ? binding.CKM_ECDSA : binding.CKM_SHA256_RSA_PKCS },
        lane.key,
      );
    } catch (error) {
      return Promise.reject(
        new Pkcs11Error(`${this.description}: C_SignInit failed: ${(error as Error).message}`),
      );
    }
    const input = ec
      ? createHash('sha256').update(tbs).digest()
      : Buffer.from(tbs.buffer, tbs.byteOffset, tbs.byteLength);
    return new Promise((resolve, reject) => {
      module.C_Sign(lane.session, input, Buffer.alloc(1024), (error, signature) => {
        if (error) reject(new Pkcs11Error(`${this.description}: C_Sign failed: ${error.message}`));
        else resolve(ec ? ecdsaRawToDer(new Uint8Array(signature)) : new Uint8Array(signature));
      });
    });
  }

  /** Signatures waiting for a free session, from every batch in flight. */
  private readonly queue: {
    tbs: Uint8Array;
    resolve(signature: Uint8Array): void;
    reject(error: Error): void;
  }[] = [];
  private readonly idle: { session: Pkcs11Js.Handle; key: Pkcs11Js.Handle }[];

  /** Hands queued signatures to idle sessions: a session has one active operation (PKCS#11 §5.12). */
  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const lane = this.idle.pop() as { session: Pkcs11Js.Handle; key: Pkcs11Js.Handle };
      const job = this.queue.shift() as (typeof this.queue)[number];
      this.signOne(lane, job.tbs)
        .then(job.resolve, job.reject)
        .finally(() => {
          this.idle.push(lane);
          this.pump();
        });
    }
  }

  sign(tbs: Uint8Array[]): Promise<Uint8Array[]> {
    const signatures = tbs.map(
      (bytes) =>
        new Promise<Uint8Array>((resolve, reject) => {
          this.queue.push({ tbs: bytes, resolve, reject });
        }),
    );
    this.pump();
    return Promise.all(signatures);
  }

  async close(): Promise<void> {
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
  sessionsPerKey?: number;
}): Promise<Signer[]> {
  const binding = await loadBinding();
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
    const lanes = options.sessionsPerKey ?? availableParallelism();
    return options.keyLabels.map((label) => {
      const sessions = Array.from({ length: lanes }, () => {
        const session = module.C_OpenSession(slot, flags);
        return { session, key: findKey(binding, module, session, label).key };
      });
      const { keyType } = findKey(binding, module, login, label);
      return new Pkcs11KeySigner(
        binding,
        module,
        sessions,
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

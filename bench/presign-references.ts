/**
 * The references the presign bench sets its figures against, each run as its own small Node
 * process and counted per CPU-second of that process (user + system, every thread, from
 * `process.cpuUsage`), which the load of a shared machine disturbs less than wall-clock time:
 * - Node's own `crypto.sign` in a loop: the most any Node signer can do with a key file, the
 *   ceiling below `openssl speed` that presign cannot pass;
 * - creating one file per response (open, write, close of a response-sized file, in one
 *   directory): the cost the bundle's one-file-per-response layout adds to every signature;
 * - a raw PKCS#11 `C_SignInit` + `C_Sign` loop, on one session or on one session per core (each
 *   on its own thread), on the token presign signs with.
 */
import { spawn } from 'node:child_process';

/** Runs `script` (CommonJS) in a child node and returns the JSON its last output line holds. */
async function nodeScript<T>(script: string, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const child = spawn(process.execPath, ['-e', script], { env, cwd: process.cwd() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || last === '') throw new Error(`reference script exited ${code}: ${stderr}`);
  return JSON.parse(last) as T;
}

/** `crypto.sign('sha256', 300 octets, key)` in a loop on one thread: signatures per CPU-second. */
export async function nodeSignPerCpuSecond(keyPath: string, seconds: number): Promise<number> {
  const script = `
const { createPrivateKey, randomBytes, sign } = require('node:crypto');
const key = createPrivateKey(require('node:fs').readFileSync(${JSON.stringify(keyPath)}));
const data = randomBytes(300);
for (let i = 0; i < 100; i++) sign('sha256', data, key);
const start = process.cpuUsage();
const end = Date.now() + ${seconds * 1000};
let n = 0;
while (Date.now() < end) { for (let i = 0; i < 20; i++) sign('sha256', data, key); n += 20; }
const cpu = process.cpuUsage(start);
console.log(JSON.stringify(n / ((cpu.user + cpu.system) / 1e6)));`;
  return nodeScript<number>(script);
}

/**
 * `count` files of `size` octets created in a fresh directory `dir`, as the workers write them
 * (open O_CREAT|O_EXCL, write, close): files per CPU-second, and the system time's share.
 */
export async function fileCreatePerCpuSecond(
  dir: string,
  count: number,
  size: number,
): Promise<{ perCpuSecond: number; systemShare: number }> {
  const script = `
const fs = require('node:fs');
const dir = ${JSON.stringify(dir)};
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
const data = Buffer.alloc(${size}, 0x30);
const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;
const start = process.cpuUsage();
for (let i = 0; i < ${count}; i++) {
  const fd = fs.openSync(dir + '/' + (0x1000000 + i).toString(16) + '.ocsp', flags, 0o666);
  fs.writeSync(fd, data);
  fs.closeSync(fd);
}
const cpu = process.cpuUsage(start);
fs.rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ perCpuSecond: ${count} / ((cpu.user + cpu.system) / 1e6), systemShare: cpu.system / (cpu.user + cpu.system) }));`;
  return nodeScript(script);
}

/**
 * A raw PKCS#11 sign loop (C_SignInit + C_Sign of a SHA-256 digest with CKM_ECDSA) for `seconds`,
 * on `sessions` sessions, each on its own worker thread when there are more than one: signatures
 * per CPU-second of the process and per wall-clock second.
 */
export async function rawPkcs11Signs(options: {
  module: string;
  token: string;
  pin: string;
  label: string;
  seconds: number;
  sessions: number;
  env: NodeJS.ProcessEnv;
}): Promise<{ perCpuSecond: number; perSecond: number }> {
  return nodeScript(rawPkcs11Script(options), { ...options.env, PIN: options.pin });
}

/** The raw loop's script; the workers evaluate the same source (see rawPkcs11Signs). */
function rawPkcs11Script(options: {
  module: string;
  token: string;
  label: string;
  seconds: number;
  sessions: number;
}): string {
  const settings = JSON.stringify({
    module: options.module,
    token: options.token,
    label: options.label,
    seconds: options.seconds,
    sessions: options.sessions,
  });
  const worker = `
const { parentPort, workerData } = require('node:worker_threads');
const p = require(workerData.binding);
const { createHash } = require('node:crypto');
const o = workerData.options;
const m = new p.PKCS11();
m.load(o.module);
try { m.C_Initialize({ flags: 0x2 }); } catch (error) { if (error.code !== 0x191) throw error; }
const slot = m.C_GetSlotList(true).find((s) => m.C_GetTokenInfo(s).label.trim() === o.token);
const s = m.C_OpenSession(slot, p.CKF_SERIAL_SESSION);
try { m.C_Login(s, p.CKU_USER, workerData.pin); } catch (error) { if (error.code !== 0x100) throw error; }
m.C_FindObjectsInit(s, [{ type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY }, { type: p.CKA_LABEL, value: o.label }]);
const [key] = m.C_FindObjects(s, 1);
m.C_FindObjectsFinal(s);
const digest = createHash('sha256').update('bench').digest();
const out = Buffer.alloc(256);
parentPort.once('message', (until) => {
  let n = 0;
  while (Date.now() < until) { m.C_SignInit(s, { mechanism: p.CKM_ECDSA }, key); m.C_Sign(s, digest, out); n++; }
  parentPort.postMessage(n);
});
parentPort.postMessage('ready');`;
  // One worker thread per session, each logging in (the login is the process's, PKCS#11 v2.40
  // §5.6: all but the first answer CKR_USER_ALREADY_LOGGED_IN), all started together once ready.
  return `
const { Worker } = require('node:worker_threads');
const o = ${settings};
const binding = require.resolve('pkcs11js');
const WORKER = ${JSON.stringify(worker)};
const sessions = Array.from({ length: o.sessions }, () =>
  new Worker(WORKER, { eval: true, workerData: { binding, options: o, pin: process.env.PIN } }));
let ready = 0;
const counts = [];
let start, started;
for (const w of sessions) w.on('message', (message) => {
  if (message === 'ready') {
    if (++ready < sessions.length) return;
    start = process.cpuUsage();
    started = process.hrtime.bigint();
    const until = Date.now() + o.seconds * 1000;
    for (const s of sessions) s.postMessage(until);
    return;
  }
  counts.push(message);
  if (counts.length < sessions.length) return;
  const cpu = process.cpuUsage(start);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const n = counts.reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ perCpuSecond: n / ((cpu.user + cpu.system) / 1e6), perSecond: n / wall }));
  process.exit(0);
});`;
}

/**
 * Process plumbing for the benchmarks: the Debian reference tools, child servers on loopback,
 * wrk as the load generator (a separate process, so the server under test never shares its
 * event loop with the client), and memory readings from /proc.
 *
 * Every server here listens on 127.0.0.1 and every load is bounded in time: nothing is sent
 * anywhere else.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';

export const LOOPBACK = '127.0.0.1';

export interface ToolStatus {
  nginx?: string;
  cfssl?: string;
  wrk?: string;
  ab?: string;
  /** What could not be installed or found, in words for BENCHMARKS.md. */
  notes: string[];
}

export function run(
  file: string,
  args: string[],
  options: { timeoutMs?: number; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.end(options.input);
  });
}

async function which(name: string): Promise<string | undefined> {
  const found = await run('sh', ['-c', `command -v ${name}`]);
  return found.code === 0 ? found.stdout.trim() : undefined;
}

/**
 * Finds nginx, cfssl, wrk and ab, installing the Debian packages when one is missing (the issue asks
 * the bench to install its references). Needs root for apt-get; without it, says what is missing.
 * With `install` false (phases that use none of them) it only looks.
 */
export async function ensureReferenceTools(log: (line: string) => void, install = true): Promise<ToolStatus> {
  const find = async () => ({
    nginx: (await which('nginx')) ?? (await which('/usr/sbin/nginx')),
    cfssl: await which('cfssl'),
    wrk: await which('wrk'),
    ab: await which('ab'),
  });
  let found = await find();
  const notes: string[] = [];
  const missing = Object.entries(found)
    .filter(([, path]) => !path)
    .map(([name]) => name);
  if (missing.length > 0 && install) {
    if (process.getuid?.() !== 0) {
      notes.push(`not root, so apt-get could not install: ${missing.join(', ')}`);
    } else {
      log(`installing Debian packages for: ${missing.join(', ')}`);
      await run('apt-get', ['update', '-qq'], { timeoutMs: 300_000 });
      const env = ['env', 'DEBIAN_FRONTEND=noninteractive'];
      const packages: string[] = [];
      if (missing.includes('wrk')) packages.push('wrk');
      if (missing.includes('cfssl')) packages.push('golang-cfssl');
      if (missing.includes('ab')) packages.push('apache2-utils');
      if (packages.length > 0)
        await run(env[0]!, [...env.slice(1), 'apt-get', 'install', '-y', '-qq', ...packages]);
      if (missing.includes('nginx')) {
        const light = await run(env[0]!, [...env.slice(1), 'apt-get', 'install', '-y', '-qq', 'nginx-light']);
        if (light.code !== 0)
          await run(env[0]!, [...env.slice(1), 'apt-get', 'install', '-y', '-qq', 'nginx']);
      }
      found = await find();
      for (const [name, path] of Object.entries(found)) {
        if (!path) notes.push(`${name}: the Debian package did not install here`);
      }
    }
  }
  return { ...found, notes };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, LOOPBACK);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${LOOPBACK}:${port}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ChildServer {
  child: ChildProcess;
  pid: number;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it has exited. */
  stop(): Promise<void>;
}

/** Starts a long-running process and resolves once `ready` matches its output (or its port opens). */
export async function startServer(
  file: string,
  args: string[],
  ready: { pattern?: RegExp; port?: number; timeoutMs?: number },
): Promise<ChildServer & { match?: RegExpMatchArray }> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let match: RegExpMatchArray | undefined;
  const matched = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${file} ${args.join(' ')} did not become ready:\n${output.slice(-2000)}`)),
      ready.timeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 1 << 20) output = output.slice(-(1 << 19));
      if (ready.pattern && !match) {
        const found = ready.pattern.exec(output);
        if (found) {
          match = found;
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before it was ready:\n${output.slice(-2000)}`));
    });
    if (!ready.pattern && ready.port !== undefined) {
      waitForPort(ready.port, ready.timeoutMs).then(() => {
        clearTimeout(timer);
        resolve();
      }, reject);
    }
  });
  await matched;
  return {
    child,
    pid: child.pid ?? 0,
    match,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident and peak resident memory of a process in MiB (/proc/PID/status VmRSS, VmHWM). */
export async function memoryOf(pid: number): Promise<{ rssMiB: number; peakMiB: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/PID/stat's times (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time a process has used, user + system, in microseconds (/proc/PID/stat utime and stime, at
 * a 10 ms resolution): a measure of a server's work per request that waiting for a core on a
 * loaded machine does not inflate, as it does requests per second.
 */
export async function cpuMicrosOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface WrkResult {
  command: string;
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors (connect, read, write, timeout) plus HTTP statuses >= 400 counted by wrk. */
  errors: { connect: number; read: number; write: number; timeout: number; status: number };
  /** Responses whose status was not 200 (counted only when the script tracks them). */
  non200?: number;
}

/** Lua string literal holding arbitrary bytes (decimal escapes work in LuaJIT and Lua 5.1). */
export function luaBytes(bytes: Uint8Array): string {
  return `"${[...bytes].map((b) => `\\${b}`).join('')}"`;
}

const DONE_LUA = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do non200 = non200 + (t:get("non200") or 0) end
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"non200":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status, non200))
end
`;

/**
 * Runs wrk against a loopback URL. `script` is Lua placed before the summary code; with
 * `countNon200`, a response() hook counts every status that is not 200 (it costs wrk a little
 * throughput, so the serving comparison leaves it off and checks answers before loading).
 */
export async function runWrk(options: {
  wrk: string;
  url: string;
  connections: number;
  durationSeconds: number;
  threads?: number;
  script?: string;
  countNon200?: boolean;
  scriptPath: string;
}): Promise<WrkResult> {
  if (!new URL(options.url).hostname.startsWith('127.')) throw new Error('load goes to loopback only');
  const counting = options.countNon200
    ? `function init(args) non200 = 0 end\nfunction response(status, headers, body) if status ~= 200 then non200 = non200 + 1 end end\n`
    : '';
  await writeFile(options.scriptPath, `${options.script ?? ''}\n${counting}${DONE_LUA}`);
  const args = [
    `-t${options.threads ?? 1}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--timeout',
    '10s',
    '-s',
    options.scriptPath,
    options.url,
  ];
  const result = await run(options.wrk, args, { timeoutMs: (options.durationSeconds + 60) * 1000 });
  const line = /WRK_JSON (\{.*\})/.exec(result.stdout)?.[1];
  if (!line) throw new Error(`wrk printed no summary:\n${result.stdout}\n${result.stderr}`);
  const raw = JSON.parse(line) as Record<string, number>;
  const durationSeconds = (raw.durationUs ?? 0) / 1e6;
  return {
    command: `wrk ${args.join(' ')}`,
    requests: raw.requests ?? 0,
    durationSeconds,
    requestsPerSecond: (raw.requests ?? 0) / durationSeconds,
    p50Ms: (raw.p50Us ?? 0) / 1000,
    p99Ms: (raw.p99Us ?? 0) / 1000,
    errors: {
      connect: raw.connect ?? 0,
      read: raw.read ?? 0,
      write: raw.write ?? 0,
      timeout: raw.timeout ?? 0,
      status: raw.status ?? 0,
    },
    non200: options.countNon200 ? raw.non200 : undefined,
  };
}

export function totalErrors(result: WrkResult): number {
  const e = result.errors;
  return e.connect + e.read + e.write + e.timeout + e.status;
}

/** `openssl speed -seconds N ALG`: signs/s and verifies/s on one core. */
/**
 * `openssl speed` divides by the CPU user time it used unless given `-elapsed` (wall-clock): on a
 * loaded machine the first is what one core signs, the second what this run got.
 */
export async function opensslSpeed(
  algorithm: 'ecdsap256' | 'rsa2048',
  seconds: number,
  options: { elapsed?: boolean } = {},
): Promise<{ command: string; signPerSecond: number; verifyPerSecond: number }> {
  const args = ['speed', ...(options.elapsed ? ['-elapsed'] : []), '-seconds', String(seconds), algorithm];
  const result = await run('openssl', args);
  // Last table line, e.g. " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  48303.4  15427.0"
  //                  or "rsa 2048 bits 0.000580s 0.000017s   1724.1  58823.5"
  const row = result.stdout
    .split('\n')
    .filter((l) => (algorithm === 'rsa2048' ? /^rsa\s+2048 bits/ : /nistp256/).test(l.trim()))
    .at(-1);
  const numbers = row?.trim().split(/\s+/).map(Number).filter(Number.isFinite) ?? [];
  const [signPerSecond, verifyPerSecond] = numbers.slice(-2);
  if (signPerSecond === undefined || verifyPerSecond === undefined) {
    throw new Error(`could not read openssl speed output:\n${result.stdout}\n${result.stderr}`);
  }
  return { command: `openssl ${args.join(' ')}`, signPerSecond, verifyPerSecond };
}

export interface AbResult extends Omit<WrkResult, 'errors'> {
  errors: { connect: number; receive: number; exceptions: number; non2xx: number };
  /** Responses whose length differed from the first (expected for a signer: ECDSA varies). */
  lengthVaried: number;
}

/**
 * Runs ApacheBench (HTTP/1.0, a new connection per request, as OCSP clients behave) against a
 * loopback URL. Used where wrk cannot be: `openssl ocsp -port` hangs on wrk's connection check.
 */
export async function runAb(options: {
  ab: string;
  url: string;
  concurrency: number;
  durationSeconds: number;
  postFile?: string;
  csvPath: string;
}): Promise<AbResult> {
  if (!new URL(options.url).hostname.startsWith('127.')) throw new Error('load goes to loopback only');
  const args = [
    '-q',
    '-c',
    String(options.concurrency),
    '-t',
    String(options.durationSeconds),
    '-n',
    '10000000',
    '-e',
    options.csvPath,
    ...(options.postFile ? ['-p', options.postFile, '-T', 'application/ocsp-request'] : []),
    options.url,
  ];
  const result = await run(options.ab, args, { timeoutMs: (options.durationSeconds + 60) * 1000 });
  const number = (pattern: RegExp) => Number(pattern.exec(result.stdout)?.[1] ?? 0);
  const complete = number(/Complete requests:\s+(\d+)/);
  if (complete === 0) throw new Error(`ab completed no request:\n${result.stdout}\n${result.stderr}`);
  const csv = await readFile(options.csvPath, 'utf8');
  const percentile = (p: number) => Number(new RegExp(`^${p},([\\d.]+)`, 'm').exec(csv)?.[1] ?? NaN);
  const durationSeconds = number(/Time taken for tests:\s+([\d.]+)/);
  return {
    command: `ab ${args.filter((a) => a !== options.csvPath && a !== '-e').join(' ')}`,
    requests: complete,
    durationSeconds,
    requestsPerSecond: complete / durationSeconds,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    errors: {
      connect: number(/Connect: (\d+)/),
      receive: number(/Receive: (\d+)/),
      exceptions: number(/Exceptions: (\d+)/),
      non2xx: number(/Non-2xx responses:\s+(\d+)/),
    },
    lengthVaried: number(/Length: (\d+)/),
  };
}

/**
 * `npm run bench -- --only presign`: how fast `ca-repo presign` signs, against references measured
 * in the same run:
 * - responses per second per core with an EC P-256 and an RSA-2048 key file, against `openssl
 *   speed` signatures per second on one core for the same key type (every response is one
 *   signature; presign uses every core);
 * - against `openssl ocsp -index ... -respout`, one process per response, as a CA scripts it today;
 * - with a SoftHSM2 key, against a raw PKCS#11 C_Sign loop on the same token;
 * - peak RSS of the CLI for N and 10·N certificates (flat: the index streams through).
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatNumber,
  markdownTable,
  ratio,
  type BenchContext,
  type Figure,
  type PhaseResult,
} from './bench-context.ts';
import { CA_REPO_CLI, createBenchCa, type BenchCa } from './bench-pki.ts';
import { memoryOf, opensslSpeed, run } from './bench-tools.ts';
import { softHsmModule, softHsmToken } from '../testkit/presign-fixture.ts';

/** An index.txt of `count` valid certificates with serials from `first`. */
export async function writeIndex(path: string, count: number, first = 0x1000000): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(`V\t351231000000Z\t\t${(first + i).toString(16).toUpperCase()}\tunknown\t/CN=bench-${i}`);
    if (lines.length === 10_000) {
      await writeFile(path, `${lines.join('\n')}\n`, { flag: 'a' });
      lines.length = 0;
    }
  }
  if (lines.length) await writeFile(path, `${lines.join('\n')}\n`, { flag: 'a' });
}

/** `times` output (POSIX sh): "0m2.390000s 0m1.940000s" for the children's user and system time. */
function childCpuSeconds(stderr: string): number {
  const line = stderr.trim().split('\n').at(-1) ?? '';
  const times = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return times.length === 2 ? (times[0] as number) + (times[1] as number) : NaN;
}

/**
 * The CLI run as an operator runs it, timed, with its CPU time (user + system, every thread, from
 * the shell's `times`) and its peak RSS (VmHWM of the node process, sampled until it exits).
 */
export async function timedCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ seconds: number; cpuSeconds: number; peakMiB: number; code: number; stderr: string }> {
  const started = process.hrtime.bigint();
  const child = spawn(
    'sh',
    ['-c', '"$@"; code=$?; times >&2; exit $code', 'sh', CA_REPO_CLI[0], CA_REPO_CLI[1], ...args],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let peakMiB = 0;
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    const node = child.pid ? await firstChild(child.pid) : undefined;
    const memory = node ? await memoryOf(node) : undefined;
    if (memory && Number.isFinite(memory.peakMiB)) peakMiB = Math.max(peakMiB, memory.peakMiB);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 50))]);
  }
  const code = await exited;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, cpuSeconds: childCpuSeconds(stderr), peakMiB, code, stderr };
}

async function firstChild(pid: number): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const first = Number(text.trim().split(/\s+/)[0]);
  return Number.isInteger(first) && first > 0 ? first : undefined;
}

export function presignArgs(bench: BenchCa, index: string, out: string): string[] {
  return ['presign', '--ca', bench.ca.cert.certPath, '--index', index, '--out', out];
}

/** `openssl ocsp -index` answering one serial into a file: one process per response. */
async function opensslOcspPerSecond(bench: BenchCa, index: string, dir: string, count: number) {
  const cert = bench.ca.cert.certPath;
  const args = (i: number) => [
    'ocsp',
    '-index',
    index,
    '-rsigner',
    cert,
    '-rkey',
    bench.ca.cert.keyPath,
    '-CA',
    cert,
    '-issuer',
    cert,
    '-serial',
    `0x${(0x1000000 + i).toString(16)}`,
    '-ndays',
    '4',
    '-respout',
    join(dir, `openssl-${i}.der`),
  ];
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const result = await run('openssl', args(i));
    if (result.code !== 0) throw new Error(`openssl ocsp failed: ${result.stderr}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: count / seconds, command: `openssl ${args(0).join(' ')}` };
}

/** A raw PKCS#11 sign loop on one session: C_SignInit + C_Sign of a SHA-256 digest (CKM_ECDSA). */
async function rawPkcs11SignsPerSecond(options: {
  module: string;
  token: string;
  pin: string;
  label: string;
  seconds: number;
  env: NodeJS.ProcessEnv;
}) {
  const script = `
const p = require('pkcs11js'); const crypto = require('node:crypto');
const m = new p.PKCS11(); m.load(${JSON.stringify(options.module)}); m.C_Initialize();
const slot = m.C_GetSlotList(true).find((s) => m.C_GetTokenInfo(s).label.trim() === ${JSON.stringify(options.token)});
const s = m.C_OpenSession(slot, p.CKF_SERIAL_SESSION); m.C_Login(s, p.CKU_USER, process.env.PIN);
m.C_FindObjectsInit(s, [{ type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY }, { type: p.CKA_LABEL, value: ${JSON.stringify(options.label)} }]);
const [key] = m.C_FindObjects(s, 1); m.C_FindObjectsFinal(s);
const digest = crypto.createHash('sha256').update('bench').digest(); const out = Buffer.alloc(256);
let n = 0; const end = Date.now() + ${options.seconds * 1000}; const start = process.hrtime.bigint();
while (Date.now() < end) { m.C_SignInit(s, { mechanism: p.CKM_ECDSA }, key); m.C_Sign(s, digest, out); n++; }
console.log(n / (Number(process.hrtime.bigint() - start) / 1e9)); m.C_Finalize();`;
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...options.env, PIN: options.pin },
    cwd: process.cwd(),
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  await new Promise((resolve) => child.on('exit', resolve));
  return Number(stdout.trim());
}

export async function runPresignBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const figures: Figure[] = [];
  const rows: string[][] = [];
  const cores = availableParallelism();
  const dir = join(ctx.workDir, 'presign');
  await mkdir(dir, { recursive: true });
  const rsa = await createBenchCa(join(ctx.workDir, 'ca-rsa-presign'), 'rsa');
  const count = { ec: ctx.quick ? 5_000 : 50_000, rsa: ctx.quick ? 1_000 : 5_000 };
  const opensslCount = ctx.quick ? 20 : 200;

  for (const [bench, algorithm, label, n] of [
    [ctx.ec, 'ecdsap256', 'EC P-256', count.ec],
    [rsa, 'rsa2048', 'RSA 2048', count.rsa],
  ] as const) {
    ctx.log(`presign: ${label}, ${n} certificates`);
    const index = join(dir, `index-${algorithm}.txt`);
    await writeIndex(index, n);
    const out = join(dir, `out-${algorithm}`);
    const timed = await timedCli([...presignArgs(bench, index, out), '--key', bench.ca.cert.keyPath]);
    if (timed.code !== 0) failures.push(`${label}: presign exited ${timed.code}: ${timed.stderr}`);
    // Per core: responses per CPU-second of the CLI (every thread, user + system), against openssl
    // speed, which divides by its CPU user time: like with like on a machine other work loads.
    const perCore = n / timed.cpuSeconds;
    const coresUsed = timed.cpuSeconds / timed.seconds;
    const speed = await opensslSpeed(algorithm, ctx.quick ? 1 : 3);
    const elapsed = await opensslSpeed(algorithm, ctx.quick ? 1 : 3, { elapsed: true });
    const ocsp = await opensslOcspPerSecond(bench, index, dir, opensslCount);
    rows.push([
      label,
      formatNumber(n),
      `${formatNumber(n / timed.seconds)} (${coresUsed.toFixed(2)} cores busy)`,
      formatNumber(perCore),
      formatNumber(speed.signPerSecond),
      ratio(perCore, speed.signPerSecond),
      formatNumber(elapsed.signPerSecond),
      ratio(n / timed.seconds / cores, elapsed.signPerSecond),
      formatNumber(ocsp.perSecond, 1),
      ratio(n / timed.seconds, ocsp.perSecond, 0),
    ]);
    figures.push(
      {
        name: `presign responses per CPU-second (every thread), ${label} key file`,
        value: `${formatNumber(perCore)} /s/core`,
        reference: `openssl speed ${algorithm} (per CPU-second): ${formatNumber(speed.signPerSecond)} sign/s`,
        ratio: ratio(perCore, speed.signPerSecond),
        commands: ['npm run bench -- --only presign', speed.command],
      },
      {
        name: `presign responses per second per core, wall-clock, ${label} key file (${cores} cores)`,
        value: `${formatNumber(n / timed.seconds / cores)} /s/core`,
        reference: `openssl speed -elapsed ${algorithm}: ${formatNumber(elapsed.signPerSecond)} sign/s`,
        ratio: ratio(n / timed.seconds / cores, elapsed.signPerSecond),
        commands: ['npm run bench -- --only presign', elapsed.command],
      },
      {
        name: `presign vs openssl ocsp -index -respout (one process per response), ${label}`,
        value: `${formatNumber(n / timed.seconds)} responses/s`,
        reference: `${formatNumber(ocsp.perSecond, 1)} responses/s`,
        ratio: ratio(n / timed.seconds, ocsp.perSecond, 0),
        commands: ['npm run bench -- --only presign', ocsp.command],
      },
    );
    await rm(out, { recursive: true, force: true });
  }

  // Peak RSS for N and 10·N certificates: the index streams, so it stays flat.
  const small = ctx.quick ? 2_000 : 20_000;
  const memoryRows: string[][] = [];
  const peaks: number[] = [];
  for (const n of [small, small * 10]) {
    const index = join(dir, `index-rss-${n}.txt`);
    await writeIndex(index, n);
    const out = join(dir, `out-rss-${n}`);
    const timed = await timedCli([...presignArgs(ctx.ec, index, out), '--key', ctx.ec.ca.cert.keyPath]);
    if (timed.code !== 0) failures.push(`RSS run ${n}: exit ${timed.code}`);
    peaks.push(timed.peakMiB);
    memoryRows.push([
      formatNumber(n),
      `${formatNumber(timed.peakMiB)} MiB`,
      `${timed.seconds.toFixed(1)} s`,
      `${timed.cpuSeconds.toFixed(1)} s`,
    ]);
    await rm(out, { recursive: true, force: true });
    await rm(index, { force: true });
  }
  figures.push({
    name: `presign peak RSS, ${formatNumber(small)} vs ${formatNumber(small * 10)} certificates (EC)`,
    value: `${formatNumber(peaks[1] ?? NaN)} MiB`,
    reference: `${formatNumber(peaks[0] ?? NaN)} MiB`,
    ratio: ratio(peaks[1] ?? NaN, peaks[0] ?? NaN),
    commands: ['npm run bench -- --only presign'],
  });

  // SoftHSM2: presign through PKCS#11 against a raw C_Sign loop on the same token.
  let hsmMarkdown = 'SoftHSM2 is not installed (apt-get install softhsm2): PKCS#11 not measured.';
  const module = await softHsmModule();
  if (module) {
    const token = await softHsmToken(module, { 'bench-ca': ctx.ec.ca.cert.keyPath });
    const n = ctx.quick ? 2_000 : 20_000;
    const index = join(dir, 'index-hsm.txt');
    await writeIndex(index, n);
    const out = join(dir, 'out-hsm');
    const timed = await timedCli(
      [
        ...presignArgs(ctx.ec, index, out),
        '--pkcs11-module',
        module,
        '--pkcs11-token',
        token.token,
        '--pkcs11-key',
        'bench-ca',
      ],
      { ...token.env, CA_REPO_PKCS11_PIN: token.pin },
    );
    if (timed.code !== 0) failures.push(`SoftHSM2 presign exited ${timed.code}: ${timed.stderr}`);
    const raw = await rawPkcs11SignsPerSecond({
      module,
      token: token.token,
      pin: token.pin,
      label: 'bench-ca',
      seconds: ctx.quick ? 1 : 5,
      env: token.env,
    });
    const perCore = n / timed.seconds / cores;
    figures.push({
      name: `presign with a SoftHSM2 EC P-256 key, responses per second per core`,
      value: `${formatNumber(perCore)} /s/core`,
      reference: `raw PKCS#11 C_Sign loop, one session: ${formatNumber(raw)} sign/s`,
      ratio: ratio(perCore, raw),
      commands: ['npm run bench -- --only presign'],
    });
    hsmMarkdown = `SoftHSM2 (${module}), EC P-256 key imported with softhsm2-util: presign signed ${formatNumber(n)} responses in ${timed.seconds.toFixed(1)} s (${formatNumber(n / timed.seconds)} /s on ${cores} sessions, ${formatNumber(perCore)} /s per core); a raw \`C_SignInit\` + \`C_Sign\` loop on one session of the same token signs ${formatNumber(raw)} /s: ${ratio(perCore, raw)}.`;
    await rm(out, { recursive: true, force: true });
  }

  const markdown = `${markdownTable(
    [
      'key',
      'certificates',
      'presign responses/s (wall)',
      'per CPU-second',
      'openssl speed sign/s (per CPU-second)',
      'per CPU-second ÷ openssl speed',
      'openssl speed -elapsed sign/s',
      'wall per core ÷ openssl speed -elapsed',
      'openssl ocsp -respout /s',
      'presign ÷ openssl ocsp',
    ],
    rows,
  )}

Each response is one signature over a BasicOCSPResponse with a SHA-1 and a SHA-256 CertID, written as its own file;
presign runs as the CLI (\`node bin/ca-repo.mjs presign ... --key KEY\`), reading a synthetic \`index.txt\`, signing on
one worker thread per core (${cores} here). \`openssl ocsp -index ... -respout\` runs once per response, sequentially
(${opensslCount} runs), as a script around \`openssl ocsp\` produces pre-signed responses today.

Peak RSS (VmHWM of the CLI process, EC key):

${markdownTable(['certificates', 'peak RSS', 'wall time', 'CPU time'], memoryRows)}

${hsmMarkdown}`;
  return { title: 'Pre-signing (presign)', markdown, figures, failures };
}

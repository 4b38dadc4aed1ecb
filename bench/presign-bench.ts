/**
 * `npm run bench -- --only presign`: how fast `ca-repo presign` signs, against references measured
 * in the same run (presign-references.ts), every rate per CPU-second of every thread:
 * - responses with an EC P-256 and an RSA-2048 key file, against `openssl speed` for the same key
 *   type and against Node's own `crypto.sign` loop (no Node signer passes it), and what a response
 *   costs against a signature plus the creation of its file;
 * - against `openssl ocsp -index ... -respout`, one process per response, as a CA scripts it today;
 * - with a SoftHSM2 key, against a raw PKCS#11 C_Sign loop on the same token (one session, and one
 *   per core on as many threads);
 * - peak RSS of the CLI for N and 10·N certificates (flat: the index streams through).
 * Runs are large enough that the CLI's start-up is a few per cent of their CPU time (reported).
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
import { fileCreatePerCpuSecond, nodeSignPerCpuSecond, rawPkcs11Signs } from './presign-references.ts';
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

/** Microseconds of CPU per item, from a rate per CPU-second. */
const micros = (perCpuSecond: number) => `${formatNumber(1e6 / perCpuSecond)} µs`;

export async function runPresignBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const figures: Figure[] = [];
  const rows: string[][] = [];
  const costRows: string[][] = [];
  const cores = availableParallelism();
  const dir = join(ctx.workDir, 'presign');
  await mkdir(dir, { recursive: true });
  const rsa = await createBenchCa(join(ctx.workDir, 'ca-rsa-presign'), 'rsa');
  // Runs long enough that the CLI's start (about a CPU-second of tsx and module loading, measured
  // below on a one-certificate index) stays under 5 % of their CPU time.
  const count = { ec: ctx.quick ? 5_000 : 200_000, rsa: ctx.quick ? 1_000 : 50_000 };
  const opensslCount = ctx.quick ? 20 : 200;
  const seconds = ctx.quick ? 1 : 3;
  const oneCertificate = join(dir, 'index-one.txt');
  await writeIndex(oneCertificate, 1);
  let ecRun: { n: number; peakMiB: number; seconds: number; cpuSeconds: number } | undefined;

  for (const [bench, algorithm, label, n] of [
    [ctx.ec, 'ecdsap256', 'EC P-256', count.ec],
    [rsa, 'rsa2048', 'RSA 2048', count.rsa],
  ] as const) {
    ctx.log(`presign: ${label}, ${n} certificates`);
    const keyPath = bench.ca.cert.keyPath;
    const start = await timedCli([
      ...presignArgs(bench, oneCertificate, join(dir, 'out-one')),
      '--key',
      keyPath,
    ]);
    const index = join(dir, `index-${algorithm}.txt`);
    await writeIndex(index, n);
    const out = join(dir, `out-${algorithm}`);
    const timed = await timedCli([...presignArgs(bench, index, out), '--key', keyPath]);
    if (timed.code !== 0) failures.push(`${label}: presign exited ${timed.code}: ${timed.stderr}`);
    if (algorithm === 'ecdsap256') ecRun = { n, ...timed };
    const [first] = await readdir(join(out, 'ocsp'));
    const responseSize = (await stat(join(out, 'ocsp', first ?? ''))).size;
    await rm(out, { recursive: true, force: true });
    // Per core: responses per CPU-second of the CLI (every thread, user + system, start-up
    // included), against openssl speed, which divides by its CPU user time: like with like on a
    // machine other work loads. The references run right after, on the same machine state.
    const perCore = n / timed.cpuSeconds;
    const coresUsed = timed.cpuSeconds / timed.seconds;
    const files = await fileCreatePerCpuSecond(join(dir, 'files'), ctx.quick ? 2_000 : 20_000, responseSize);
    const nodeSign = await nodeSignPerCpuSecond(keyPath, seconds);
    const ceiling = 1 / (1 / nodeSign + 1 / files.perCpuSecond);
    const speed = await opensslSpeed(algorithm, seconds);
    const elapsed = await opensslSpeed(algorithm, seconds, { elapsed: true });
    const ocsp = await opensslOcspPerSecond(bench, index, dir, opensslCount);
    await rm(index, { force: true });
    rows.push([
      label,
      formatNumber(n),
      `${formatNumber(n / timed.seconds)} (${coresUsed.toFixed(2)} cores busy)`,
      formatNumber(perCore),
      `${((100 * start.cpuSeconds) / timed.cpuSeconds).toFixed(1)} %`,
      formatNumber(speed.signPerSecond),
      ratio(perCore, speed.signPerSecond),
      formatNumber(nodeSign),
      ratio(nodeSign, speed.signPerSecond),
      formatNumber(elapsed.signPerSecond),
      ratio(n / timed.seconds / cores, elapsed.signPerSecond),
      formatNumber(ocsp.perSecond, 1),
      ratio(n / timed.seconds, ocsp.perSecond, 0),
    ]);
    costRows.push([
      label,
      micros(perCore),
      micros(nodeSign),
      `${micros(files.perCpuSecond)} (${Math.round(100 * files.systemShare)} % system)`,
      micros(ceiling),
      ratio(perCore, ceiling),
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
        name: `Node crypto.sign loop per CPU-second (the ceiling of a Node signer), ${label}`,
        value: `${formatNumber(nodeSign)} sign/s`,
        reference: `openssl speed ${algorithm} (per CPU-second): ${formatNumber(speed.signPerSecond)} sign/s`,
        ratio: ratio(nodeSign, speed.signPerSecond),
        commands: ['npm run bench -- --only presign', speed.command],
      },
      {
        name: `presign responses per CPU-second against Node's sign + one file create each, ${label}`,
        value: `${formatNumber(perCore)} /s/core`,
        reference: `crypto.sign loop ${formatNumber(nodeSign)} /s with a file create ${formatNumber(files.perCpuSecond)} /s: ${formatNumber(ceiling)} /s`,
        ratio: ratio(perCore, ceiling),
        commands: ['npm run bench -- --only presign'],
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
  }

  // Peak RSS for N and 10·N certificates (the EC run above is 10·N): the index streams, so it stays flat.
  const small = count.ec / 10;
  const memoryRows: string[][] = [];
  const index = join(dir, `index-rss-${small}.txt`);
  await writeIndex(index, small);
  const out = join(dir, `out-rss-${small}`);
  const smallRun = await timedCli([...presignArgs(ctx.ec, index, out), '--key', ctx.ec.ca.cert.keyPath]);
  if (smallRun.code !== 0) failures.push(`RSS run ${small}: exit ${smallRun.code}`);
  await rm(out, { recursive: true, force: true });
  await rm(index, { force: true });
  for (const run of [{ n: small, ...smallRun }, ecRun]) {
    if (!run) continue;
    memoryRows.push([
      formatNumber(run.n),
      `${formatNumber(run.peakMiB)} MiB`,
      `${run.seconds.toFixed(1)} s`,
      `${run.cpuSeconds.toFixed(1)} s`,
    ]);
  }
  figures.push({
    name: `presign peak RSS, ${formatNumber(small)} vs ${formatNumber(count.ec)} certificates (EC)`,
    value: `${formatNumber(ecRun?.peakMiB ?? NaN)} MiB`,
    reference: `${formatNumber(smallRun.peakMiB)} MiB`,
    ratio: ratio(ecRun?.peakMiB ?? NaN, smallRun.peakMiB),
    commands: ['npm run bench -- --only presign'],
  });

  const hsmMarkdown = await softHsmSection(ctx, dir, cores, figures, failures);
  const markdown = `${markdownTable(
    [
      'key',
      'certificates',
      'presign responses/s (wall)',
      'presign per CPU-second',
      'CLI start-up share of that CPU',
      'openssl speed sign/s (per CPU-second)',
      'presign ÷ openssl speed',
      'Node crypto.sign loop per CPU-second',
      'Node ÷ openssl speed',
      'openssl speed -elapsed sign/s',
      'wall per core ÷ openssl speed -elapsed',
      'openssl ocsp -respout /s',
      'presign ÷ openssl ocsp',
    ],
    rows,
  )}

Each response is one signature over a BasicOCSPResponse with a SHA-1 and a SHA-256 CertID, written as its own file;
presign runs as the CLI (\`node bin/ca-repo.mjs presign ... --key KEY\`), reading a synthetic \`index.txt\`, signing on
one worker thread per core (${cores} here); its CPU time is user + system over every thread, start-up included (the
start-up column is a run of the same CLI on a one-certificate index). The Node \`crypto.sign\` loop signs 300 octets with
the same key on one thread: no Node signer passes it. \`openssl ocsp -index ... -respout\` runs once per response,
sequentially (${opensslCount} runs), as a script around \`openssl ocsp\` produces pre-signed responses today.

Where a response's CPU time goes, against what it cannot do without: Node's signature and the creation of its file
(open, write, close of a file of the response's size in one directory, in a loop right after the presign run; this
machine's file system costs vary several-fold with the other work on it):

${markdownTable(
  [
    'key',
    'presign CPU per response',
    'crypto.sign loop',
    'file create',
    'sign + file create',
    'presign ÷ (sign + file create)',
  ],
  costRows,
)}

Peak RSS (VmHWM of the CLI process, EC key):

${markdownTable(['certificates', 'peak RSS', 'wall time', 'CPU time'], memoryRows)}

${hsmMarkdown}`;
  return { title: 'Pre-signing (presign)', markdown, figures, failures };
}

/**
 * SoftHSM2: presign through PKCS#11 (one worker thread and session per core) against a raw
 * C_SignInit + C_Sign loop on the same token, on one session and on one session per core.
 */
async function softHsmSection(
  ctx: BenchContext,
  dir: string,
  cores: number,
  figures: Figure[],
  failures: string[],
): Promise<string> {
  const module = await softHsmModule();
  if (!module) return 'SoftHSM2 is not installed (apt-get install softhsm2): PKCS#11 not measured.';
  const token = await softHsmToken(module, { 'bench-ca': ctx.ec.ca.cert.keyPath });
  const n = ctx.quick ? 2_000 : 100_000;
  const index = join(dir, 'index-hsm.txt');
  await writeIndex(index, n);
  const oneCertificate = join(dir, 'index-hsm-one.txt');
  await writeIndex(oneCertificate, 1);
  const env = { ...token.env, CA_REPO_PKCS11_PIN: token.pin };
  const pkcs11 = ['--pkcs11-module', module, '--pkcs11-token', token.token, '--pkcs11-key', 'bench-ca'];
  const start = await timedCli(
    [...presignArgs(ctx.ec, oneCertificate, join(dir, 'out-hsm-one')), ...pkcs11],
    env,
  );
  const out = join(dir, 'out-hsm');
  const timed = await timedCli([...presignArgs(ctx.ec, index, out), ...pkcs11], env);
  if (timed.code !== 0) failures.push(`SoftHSM2 presign exited ${timed.code}: ${timed.stderr}`);
  await rm(out, { recursive: true, force: true });
  const raw = { module, token: token.token, pin: token.pin, label: 'bench-ca', env: token.env };
  const rawSeconds = ctx.quick ? 1 : 5;
  const one = await rawPkcs11Signs({ ...raw, seconds: rawSeconds, sessions: 1 });
  const every = await rawPkcs11Signs({ ...raw, seconds: rawSeconds, sessions: cores });
  const perCore = n / timed.cpuSeconds;
  figures.push(
    {
      name: `presign with a SoftHSM2 EC P-256 key, responses per CPU-second (every thread)`,
      value: `${formatNumber(perCore)} /s/core`,
      reference: `raw PKCS#11 C_Sign loop, one session, per CPU-second: ${formatNumber(one.perCpuSecond)} sign/s`,
      ratio: ratio(perCore, one.perCpuSecond),
      commands: ['npm run bench -- --only presign'],
    },
    {
      name: `raw PKCS#11 C_Sign loop on SoftHSM2, ${cores} sessions on ${cores} threads vs one (wall-clock)`,
      value: `${formatNumber(every.perSecond)} sign/s`,
      reference: `${formatNumber(one.perSecond)} sign/s`,
      ratio: ratio(every.perSecond, one.perSecond),
      commands: ['npm run bench -- --only presign'],
    },
  );
  return `SoftHSM2 (${module}), EC P-256 key imported with softhsm2-util; presign signs on ${cores} worker threads, each with its own session, and frames and writes there (as with a key file):

${markdownTable(
  [
    'signer',
    'signatures',
    'per second (wall)',
    'per CPU-second (every thread)',
    'CLI start-up share of that CPU',
  ],
  [
    [
      `presign, ${cores} sessions`,
      formatNumber(n),
      `${formatNumber(n / timed.seconds)} (${(timed.cpuSeconds / timed.seconds).toFixed(2)} cores busy)`,
      formatNumber(perCore),
      `${((100 * start.cpuSeconds) / timed.cpuSeconds).toFixed(1)} %`,
    ],
    [
      'raw C_SignInit + C_Sign loop, 1 session',
      `${rawSeconds} s`,
      formatNumber(one.perSecond),
      formatNumber(one.perCpuSecond),
      '',
    ],
    [
      `raw C_SignInit + C_Sign loop, ${cores} sessions on ${cores} threads`,
      `${rawSeconds} s`,
      formatNumber(every.perSecond),
      formatNumber(every.perCpuSecond),
      '',
    ],
  ],
)}

presign per CPU-second ÷ the raw loop's (one session): ${ratio(perCore, one.perCpuSecond)}; ${cores} sessions ÷ one, wall-clock: ${ratio(every.perSecond, one.perSecond)} (SoftHSM2 signs in parallel where that is near ${cores}×, on a machine with ${cores} idle cores).`;
}

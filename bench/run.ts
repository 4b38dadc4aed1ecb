/**
 * `npm run bench`: every figure of docs/BENCHMARKS.md, each as a ratio against a reference
 * measured in the same run on this machine, with the command that produced it.
 *
 *   npm run bench                       full run, writes docs/BENCHMARKS.md
 *   npm run bench -- --only serving,fuzz   some phases, written to a scratch file
 *   npm run bench -- --only validation,publish   (phases without servers install no reference tools)
 *   npm run bench -- --quick            small counts to try the bench out (figures not for recording)
 *   npm run bench -- --only soak --duration 120   a shorter soak than its 10 minutes
 *
 * Loopback only: every server listens on 127.0.0.1 and every load is bounded in time or count.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchContext, PhaseResult } from './bench-context.ts';
import { checkFixtures, createBenchCa, ROOT } from './bench-pki.ts';
import { ensureReferenceTools, run } from './bench-tools.ts';
import { renderBenchmarks } from './render-benchmarks.ts';
import { runServingBench } from './serving-bench.ts';
import { runEdgeFunctionBench } from './edge-function-bench.ts';
import { runValidationBench } from './validation-bench.ts';
import { runPublishBench } from './publish-bench.ts';
import { runEdgeCacheBench } from './edge-cache-bench.ts';
import { runFreshnessBench } from './freshness-bench.ts';
import { runFuzzBench } from './fuzz-bench.ts';
import { runSoakBench } from './soak-bench.ts';
import { runPresignBench } from './presign-bench.ts';
import { runPresignStateBench } from './presign-state-bench.ts';
import { runScaleBench } from './scale-bench.ts';

// The AWS SDK warns on every client under Node 20; the bench output is for figures.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) console.warn(warning);
});

/** Phases that load servers with the Debian reference tools; the others need only openssl. */
const PHASES_USING_REFERENCE_TOOLS = new Set(['serving', 'soak']);

const PHASES: Record<string, (ctx: BenchContext) => Promise<PhaseResult>> = {
  serving: runServingBench,
  'edge-function': runEdgeFunctionBench,
  validation: runValidationBench,
  publish: runPublishBench,
  'edge-cache': runEdgeCacheBench,
  freshness: runFreshnessBench,
  fuzz: runFuzzBench,
  soak: runSoakBench,
  presign: runPresignBench,
  'presign-state': runPresignStateBench,
  scale: runScaleBench,
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      duration: { type: 'string' },
    },
  });
  const names = values.only ? values.only.split(',') : Object.keys(PHASES);
  for (const name of names)
    if (!PHASES[name]) throw new Error(`unknown phase ${name}: ${Object.keys(PHASES).join(', ')}`);
  const partial = Boolean(values.only) || values.quick || values.duration !== undefined;
  const out =
    values.out ?? (partial ? join(tmpdir(), 'BENCHMARKS.partial.md') : join(ROOT, 'docs', 'BENCHMARKS.md'));

  const started = Date.now();
  const log = (line: string) =>
    process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const workDir = await mkdtemp(join(tmpdir(), 'ca-repo-bench-'));
  // nginx workers drop to an unprivileged user: they must be able to read the served file.
  await chmod(workDir, 0o755);
  try {
    // `--only validation,publish` neither installs nor needs nginx, cfssl, wrk or ab.
    const needsTools = names.some((name) => PHASES_USING_REFERENCE_TOOLS.has(name));
    const tools = await ensureReferenceTools(log, needsTools);
    for (const note of tools.notes) log(`note: ${note}`);
    if (needsTools && (!tools.wrk || !tools.ab))
      throw new Error('wrk and ab are required (Debian packages wrk, apache2-utils)');
    const ec = await createBenchCa(join(workDir, 'ca-ec'), 'ec');
    await checkFixtures(ec);
    const durationSeconds = values.duration === undefined ? undefined : Number(values.duration);
    if (durationSeconds !== undefined && !(durationSeconds >= 10))
      throw new Error(`--duration ${values.duration}: give at least 10 seconds`);
    const ctx: BenchContext = { workDir, tools, ec, quick: values.quick, durationSeconds, log };

    const results: PhaseResult[] = [];
    for (const name of names) {
      const phaseStart = Date.now();
      log(`phase ${name}`);
      const result = await PHASES[name]!(ctx);
      log(`phase ${name} done in ${((Date.now() - phaseStart) / 1000).toFixed(0)} s`);
      for (const failure of result.failures) log(`FAILURE (${name}): ${failure}`);
      results.push(result);
    }
    const machine = await describeMachine(tools);
    const markdown = renderBenchmarks({
      results,
      machine,
      durationSeconds: (Date.now() - started) / 1000,
      partial,
      tools,
    });
    await writeFile(out, markdown);
    log(`wrote ${out} after ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    const failures = results.flatMap((r) => r.failures);
    return failures.length === 0 ? 0 : 1;
  } finally {
    if (!values.keep) await rm(workDir, { recursive: true, force: true });
    else log(`kept ${workDir}`);
  }
}

async function describeMachine(tools: BenchContext['tools']): Promise<string[]> {
  const version = async (file: string | undefined, args: string[]) => {
    if (!file) return 'not installed';
    const r = await run(file, args);
    return (
      `${r.stdout}${r.stderr}`
        .split('\n')
        .find((l) => l.trim())
        ?.trim() ?? '?'
    );
  };
  return [
    `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}`,
    `openssl: ${await version('openssl', ['version'])}`,
    `nginx: ${await version(tools.nginx, ['-v'])}`,
    `cfssl: ${(await version(tools.cfssl, ['version'])).replace(/\s+/g, ' ')}`,
    `wrk: ${await version(tools.wrk, ['-v'])}`,
    `ab: ${await version(tools.ab, ['-V'])}`,
  ];
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);

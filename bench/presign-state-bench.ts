/**
 * `npm run bench -- --only presign-state`: peak RSS of `ca-repo presign --state` for N and 10·N
 * certificates, flat in the certificate count since the state is stored in shards joined one at a
 * time (onprem/presign/presign-state.ts). Two runs each: the first signs every response and
 * writes the state; the second, an hour's cron later, finds nothing due and only joins the state.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatNumber,
  markdownTable,
  ratio,
  type BenchContext,
  type Figure,
  type PhaseResult,
} from './bench-context.ts';
import { presignArgs, timedCli, writeIndex } from './presign-bench.ts';

export async function runPresignStateBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const figures: Figure[] = [];
  const dir = join(ctx.workDir, 'presign-state');
  await mkdir(dir, { recursive: true });
  const small = ctx.quick ? 2_000 : 20_000;
  const rows: string[][] = [];
  const peaks: Record<'first' | 'second', number[]> = { first: [], second: [] };
  for (const n of [small, small * 10]) {
    ctx.log(`presign --state: ${n} certificates`);
    const index = join(dir, `index-${n}.txt`);
    await writeIndex(index, n);
    const out = join(dir, `out-${n}`);
    const args = [
      ...presignArgs(ctx.ec, index, out),
      '--key',
      ctx.ec.ca.cert.keyPath,
      '--state',
      join(dir, `state-${n}`),
    ];
    for (const run of ['first', 'second'] as const) {
      const timed = await timedCli(args);
      if (timed.code !== 0)
        failures.push(`presign --state ${n} (${run} run): exit ${timed.code}: ${timed.stderr}`);
      peaks[run].push(timed.peakMiB);
      rows.push([
        formatNumber(n),
        run === 'first' ? 'first: signs all, writes the state' : 'second: nothing due, joins the state',
        `${formatNumber(timed.peakMiB)} MiB`,
        `${timed.seconds.toFixed(1)} s`,
        `${timed.cpuSeconds.toFixed(1)} s`,
      ]);
      await rm(out, { recursive: true, force: true }); // published: the next run starts from the state
    }
    await rm(index, { force: true });
  }
  for (const run of ['first', 'second'] as const)
    figures.push({
      name: `presign --state peak RSS, ${formatNumber(small)} vs ${formatNumber(small * 10)} certificates (EC), ${run} run`,
      value: `${formatNumber(peaks[run][1] ?? NaN)} MiB`,
      reference: `${formatNumber(peaks[run][0] ?? NaN)} MiB`,
      ratio: ratio(peaks[run][1] ?? NaN, peaks[run][0] ?? NaN),
      commands: ['npm run bench -- --only presign-state'],
    });
  const markdown = `Peak RSS (VmHWM of the CLI process, EC key) with \`--state\`:

${markdownTable(['certificates', 'run', 'peak RSS', 'wall time', 'CPU time'], rows)}`;
  return { title: 'Pre-signing with --state (presign-state)', markdown, figures, failures };
}

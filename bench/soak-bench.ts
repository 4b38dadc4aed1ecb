/**
 * Sustained mixed load on the local repository for 10 minutes (`--duration` shortens it): OCSP GET
 * (several encodings, some with nonces) and POST, the CRL and the CA certificate, from wrk in its
 * own process. Pass: no connection closed or refused, every answer HTTP 200, and the repository
 * process's memory flat: RSS sampled every 10 s, and the least-squares trend after the warm-up
 * rises over the window by no more than the samples' own noise (trendOf below). wrk's timeouts
 * (no answer within 10 s, which a loaded machine causes) are reported apart, not as failures.
 *
 * Alongside RSS, the heap used just after each full collection (bench/heap-probe.mjs, loaded into
 * the process, forcing none): RSS also moves with what the allocator and V8 keep, the heap after a
 * full GC only with what the process holds, so a leak shows in both and allocator drift in RSS alone.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatNumber, markdownTable, ratio, type BenchContext, type PhaseResult } from './bench-context.ts';
import {
  publishDirectory,
  startLocalRepositoryProcess,
  syntheticRequest,
  syntheticResponse,
  wholeSecondsNow,
  writeBundle,
} from './bench-pki.ts';
import { luaBytes, memoryOf, runWrk, totalErrors } from './bench-tools.ts';
import { benchSerial } from '../testkit/ocsp-fixtures.ts';
import { ENCODING_VARIANTS, encodeVariant } from './request-variants.ts';
import { seededRandom } from '../testkit/seeded-random.ts';

const CERTIFICATES = 1000;
/** Request mix per 20 requests: 8 OCSP GET, 6 OCSP POST, 3 CRL, 3 CA certificate. */
const MIX = { get: 8, post: 6, crl: 3, cert: 3 };
const HEAP_PROBE = join(dirname(fileURLToPath(import.meta.url)), 'heap-probe.mjs');

interface HeapProbeLine {
  sequence: number;
  forcedGc: boolean;
  majorCollections: number;
  /** Heap used just after the last full (mark-compact) collection; null before the first. */
  heapUsedAfterMajorMiB: number | null;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
}

/** The last `heap-probe {json}` line the process printed, if any. */
function lastHeapProbe(output: string): HeapProbeLine | undefined {
  const lines = output.match(/^heap-probe \{.*\}$/gm);
  const last = lines?.at(-1);
  return last ? (JSON.parse(last.slice('heap-probe '.length)) as HeapProbeLine) : undefined;
}

/** User + system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15, in clock ticks). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15. Linux's USER_HZ is 100.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function runSoakBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const seconds = ctx.durationSeconds ?? (ctx.quick ? 30 : 600);
  // Every 10 s as the soak asks; a short try-out samples each second to have a trend at all.
  const sampleSeconds = seconds >= 300 ? 10 : 1;
  const warmUpSeconds = Math.min(60, seconds / 5);
  const dir = join(ctx.workDir, 'soak');
  const now = wholeSecondsNow();
  const files: Record<string, Uint8Array | string> = {
    'ca/root.crt': ctx.ec.ca.cert.certPem,
    'crl/root.crl': await ctx.ec.ca.generateCrl(),
  };
  for (let i = 0; i < CERTIFICATES; i++)
    files[`ocsp/${benchSerial(i)}.ocsp`] = syntheticResponse(ctx.ec, i, now);

  const server = await startLocalRepositoryProcess({
    trustPath: ctx.ec.ca.cert.certPath,
    dataDir: join(dir, 'data'),
    nodeArgs: ['--import', `${pathToFileURL(HEAP_PROBE).href}?every=${sampleSeconds}`],
  });
  try {
    const receipt = await publishDirectory(server.url, await writeBundle(join(dir, 'bundle'), files));
    if (receipt.status !== 'completed' || receipt.rejected.length > 0)
      throw new Error('soak: publish failed');

    // 200 requests in the mix, cycled by every connection.
    const random = seededRandom(60);
    const lua: string[] = [];
    const nonce = () =>
      random() < 0.3 ? new Uint8Array(16).map(() => Math.floor(random() * 256)) : undefined;
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < MIX.get; k++) {
        const cert = Math.floor(random() * CERTIFICATES);
        const variant = ENCODING_VARIANTS[Math.floor(random() * ENCODING_VARIANTS.length)]!;
        const path = `/ocsp${encodeVariant(syntheticRequest(ctx.ec, cert, nonce()), variant)}`;
        lua.push(`wrk.format("GET", ${luaBytes(Buffer.from(path))})`);
      }
      for (let k = 0; k < MIX.post; k++) {
        const body = syntheticRequest(ctx.ec, Math.floor(random() * CERTIFICATES), nonce());
        lua.push(
          `wrk.format("POST", "/ocsp", {["Content-Type"] = "application/ocsp-request"}, ${luaBytes(body)})`,
        );
      }
      for (let k = 0; k < MIX.crl; k++) lua.push('wrk.format("GET", "/crl/root.crl")');
      for (let k = 0; k < MIX.cert; k++) lua.push('wrk.format("GET", "/ca/root.crt")');
    }
    // Built on first use, after wrk.init has set the Host header (wrk also calls request() once on
    // its main state, where init never runs, to check the script).
    const script = `local requests = nil
local n = 0
function init(args)
  non200 = 0
end
function request()
  if requests == nil then
    requests = { ${lua.join(',\n      ')} }
  end
  n = n % #requests + 1
  return requests[n]
end
`;
    const samples: { t: number; value: number }[] = [];
    const heapSamples: { t: number; value: number; line: HeapProbeLine }[] = [];
    const start = performance.now();
    const cpuAtStart = await cpuSecondsOf(server.pid);
    const sampler = setInterval(() => {
      const t = (performance.now() - start) / 1000;
      void memoryOf(server.pid).then((m) => m && samples.push({ t, value: m.rssMiB }));
      const heap = lastHeapProbe(server.output());
      if (heap?.heapUsedAfterMajorMiB != null && heap.sequence !== heapSamples.at(-1)?.line.sequence)
        heapSamples.push({ t, value: heap.heapUsedAfterMajorMiB, line: heap });
    }, sampleSeconds * 1000);
    ctx.log(`soak: ${seconds} s of mixed load`);
    const result = await runWrk({
      wrk: ctx.tools.wrk!,
      url: `${server.url}/`,
      connections: 16,
      durationSeconds: seconds,
      script,
      countNon200: true,
      scriptPath: join(ctx.workDir, 'soak.lua'),
    }).finally(() => clearInterval(sampler));
    const cpuSeconds = (await cpuSecondsOf(server.pid)) - cpuAtStart;
    const errors = totalErrors(result);
    // A timeout is wrk giving up after 10 s without an answer: load on the machine, not an answer.
    const serverErrors = errors - result.errors.timeout;
    if (serverErrors > 0) failures.push(`soak: wrk errors ${JSON.stringify(result.errors)}`);
    if ((result.non200 ?? 0) > 0) failures.push(`soak: ${result.non200} answers were not HTTP 200`);
    const settled = samples.filter((s) => s.t >= warmUpSeconds);
    const first = settled[0]?.value ?? NaN;
    const last = settled.at(-1)?.value ?? NaN;
    const max = Math.max(...settled.map((s) => s.value));
    const trend = trendOf(settled);
    // Warm-up that outlasts a minute shows as a trend that fades: the last half is reported on its own.
    const lastHalf = trendOf(settled.slice(Math.floor(settled.length / 2)));
    if (!trend.flat) {
      failures.push(
        `soak: RSS rises ${formatNumber(trend.slopePerMinute, 2)} MiB/min after the warm-up, ${formatNumber(trend.rise, 1)} MiB over the window against ${formatNumber(trend.noise, 1)} MiB of noise`,
      );
    }
    const heapSettled = heapSamples.filter((s) => s.t >= warmUpSeconds);
    const heapTrend = trendOf(heapSettled);
    const heapFirst = heapSettled[0]?.line;
    const heapLast = heapSettled.at(-1)?.line;
    if (!heapFirst) failures.push('soak: no heap figure after a full GC (probe not run, or no full GC)');
    else if (!heapTrend.flat) {
      failures.push(
        `soak: heap used after GC rises ${formatNumber(heapTrend.slopePerMinute, 2)} MiB/min after the warm-up, ${formatNumber(heapTrend.rise, 1)} MiB over the window against ${formatNumber(heapTrend.noise, 1)} MiB of noise`,
      );
    }
    const heapFigures = (line: HeapProbeLine | undefined) =>
      line
        ? `${formatNumber(line.heapUsedAfterMajorMiB ?? NaN, 1)} (${formatNumber(line.heapTotalMiB, 1)}, ${formatNumber(line.externalMiB, 1)})`
        : 'n/a';
    const majorCollections = (heapLast?.majorCollections ?? 0) - (heapFirst?.majorCollections ?? 0);
    const markdown = `${markdownTable(
      ['measure', 'value'],
      [
        ['duration, connections', `${formatNumber(result.durationSeconds, 1)} s, 16`],
        [
          'requests (mix per 20: 8 OCSP GET, 6 OCSP POST, 3 CRL, 3 CA certificate)',
          formatNumber(result.requests),
        ],
        ['requests/s', formatNumber(result.requestsPerSecond)],
        ['latency p50 / p99', `${formatNumber(result.p50Ms, 2)} / ${formatNumber(result.p99Ms, 2)} ms`],
        [
          'server CPU time (user + system) per 1,000 requests',
          `${formatNumber((cpuSeconds / result.requests) * 1000, 3)} s`,
        ],
        [
          'connections closed or refused (wrk read/write/connect errors)',
          String(result.errors.read + result.errors.write + result.errors.connect),
        ],
        ['wrk timeouts (no answer within 10 s: load, counted apart)', String(result.errors.timeout)],
        ['answers not HTTP 200', String(result.non200 ?? 'n/a')],
        [
          `repository RSS at ${formatNumber(warmUpSeconds)} s (end of warm-up) → end (max)`,
          `${formatNumber(first)} → ${formatNumber(last)} MiB (${formatNumber(max)})`,
        ],
        ['RSS end ÷ start', ratio(last, first)],
        [
          `RSS trend after the warm-up (least squares over ${settled.length} samples, one per ${sampleSeconds} s)`,
          `${formatNumber(trend.slopePerMinute, 3)} MiB/min`,
        ],
        [
          'trend × window ÷ noise (2 × residual standard deviation; ≤ 1× is flat)',
          `${formatNumber(trend.rise, 1)} MiB ÷ ${formatNumber(trend.noise, 1)} MiB = ${ratio(trend.rise, trend.noise)} (${trend.flat ? 'flat' : 'RISING'})`,
        ],
        [
          'the same over the last half of the samples',
          `${formatNumber(lastHalf.slopePerMinute, 3)} MiB/min; ${formatNumber(lastHalf.rise, 1)} MiB ÷ ${formatNumber(lastHalf.noise, 1)} MiB = ${ratio(lastHalf.rise, lastHalf.noise)} (${lastHalf.flat ? 'flat' : 'RISING'})`,
        ],
        ['RSS samples after the warm-up (MiB)', settled.map((s) => formatNumber(s.value)).join(' ')],
        [
          `heap used after the last full GC at the end of warm-up → end, MiB (heap total, external); ${formatNumber(majorCollections)} full GCs between`,
          `${heapFigures(heapFirst)} → ${heapFigures(heapLast)}`,
        ],
        [
          `heap used after GC: trend (${heapSettled.length} samples); trend × window ÷ noise`,
          `${formatNumber(heapTrend.slopePerMinute, 3)} MiB/min; ${formatNumber(heapTrend.rise, 2)} MiB ÷ ${formatNumber(heapTrend.noise, 2)} MiB = ${ratio(heapTrend.rise, heapTrend.noise)} (${heapTrend.flat ? 'flat' : 'RISING'})`,
        ],
        [
          'heap used after GC, samples after the warm-up (MiB)',
          heapSettled.map((s) => formatNumber(s.value, 1)).join(' '),
        ],
      ],
    )}

Command: \`${result.command.replace(/http:\/\/127\.0\.0\.1:\d+/, 'http://127.0.0.1:PORT').replace(/-s \S+/, '-s soak.lua')}\` against
\`ca-repo local\` holding the CA certificate, a CRL and ${formatNumber(CERTIFICATES)} OCSP responses; soak.lua cycles 200 requests
(OCSP GETs in ${ENCODING_VARIANTS.length} encodings and POSTs for random certificates, 30 % with nonces) and counts every status that is not
200. RSS of the \`ca-repo local\` process from /proc every ${sampleSeconds} s; the first ${formatNumber(warmUpSeconds)} s are warm-up
(JIT, caches filling, heap growing to its working size). The heap figures come from bench/heap-probe.mjs, loaded into
the process (\`node --import heap-probe.mjs\`): the heap used just after V8's last full (mark-compact) collection,
none forced, read every ${sampleSeconds} s with \`process.memoryUsage()\`. \`npm run bench -- --only soak --duration 60\` tries it in a minute.`;
    return {
      title: 'Sustained mixed load',
      markdown,
      figures: [
        {
          name: `${seconds} s mixed load (OCSP GET/POST, CRL, certificate) on the local repository`,
          value: `${formatNumber(result.requests)} requests, ${serverErrors + (result.non200 ?? 0)} errors (${result.errors.timeout} wrk timeouts), RSS ${formatNumber(first)} → ${formatNumber(last)} MiB, heap after full GC ${formatNumber(heapFirst?.heapUsedAfterMajorMiB ?? NaN, 1)} → ${formatNumber(heapLast?.heapUsedAfterMajorMiB ?? NaN, 1)} MiB`,
          reference: 'zero errors, RSS flat within noise',
          ratio: `RSS trend ${formatNumber(trend.slopePerMinute, 3)} MiB/min after warm-up, rise ÷ noise ${ratio(trend.rise, trend.noise)}; heap after GC rise ÷ noise ${ratio(heapTrend.rise, heapTrend.noise)}`,
          commands: [
            result.command
              .replace(/http:\/\/127\.0\.0\.1:\d+/, 'http://127.0.0.1:PORT')
              .replace(/-s \S+/, '-s soak.lua'),
          ],
        },
      ],
      failures,
    };
  } finally {
    await server.stop();
  }
}

/**
 * Least-squares trend of a memory figure (MiB) after the warm-up. Flat: the rise the trend predicts
 * over the window is within the noise (twice the residuals' standard deviation: garbage collection
 * moves RSS by a few MiB either way) or under 2 MiB.
 */
function trendOf(samples: { t: number; value: number }[]): {
  slopePerMinute: number;
  rise: number;
  noise: number;
  flat: boolean;
} {
  const n = samples.length;
  if (n < 3) return { slopePerMinute: NaN, rise: NaN, noise: NaN, flat: false };
  const meanT = samples.reduce((s, x) => s + x.t, 0) / n;
  const meanR = samples.reduce((s, x) => s + x.value, 0) / n;
  const covariance = samples.reduce((s, x) => s + (x.t - meanT) * (x.value - meanR), 0);
  const variance = samples.reduce((s, x) => s + (x.t - meanT) ** 2, 0);
  const slope = covariance / variance;
  const residuals = samples.map((x) => x.value - (meanR + slope * (x.t - meanT)));
  const noise = 2 * Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / (n - 2));
  const rise = slope * (samples[n - 1]!.t - samples[0]!.t);
  return { slopePerMinute: slope * 60, rise, noise, flat: rise <= Math.max(noise, 2) };
}

/**
 * Sustained mixed load on the local repository for 60 s: OCSP GET (several encodings, some with
 * nonces) and POST, the CRL and the CA certificate, from wrk in its own process. Pass: no socket
 * error, every answer HTTP 200, and the repository process's memory flat (RSS sampled each second).
 */
import { join } from 'node:path';
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

export async function runSoakBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const seconds = ctx.quick ? 10 : 60;
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
    const samples: { t: number; rss: number }[] = [];
    const start = performance.now();
    const sampler = setInterval(() => {
      void memoryOf(server.pid).then(
        (m) => m && samples.push({ t: (performance.now() - start) / 1000, rss: m.rssMiB }),
      );
    }, 1000);
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
    const errors = totalErrors(result);
    if (errors > 0) failures.push(`soak: wrk errors ${JSON.stringify(result.errors)}`);
    if ((result.non200 ?? 0) > 0) failures.push(`soak: ${result.non200} answers were not HTTP 200`);
    const settled = samples.filter((s) => s.t >= 5);
    const first = settled[0]?.rss ?? NaN;
    const last = settled.at(-1)?.rss ?? NaN;
    const max = Math.max(...settled.map((s) => s.rss));
    const slope = slopePerMinute(settled);
    if (last > first * 1.5) failures.push(`soak: RSS grew from ${first} to ${last} MiB`);
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
        ['socket errors + HTTP errors (wrk)', String(errors)],
        ['answers not HTTP 200', String(result.non200 ?? 'n/a')],
        [
          'repository RSS at 5 s → end (max)',
          `${formatNumber(first)} → ${formatNumber(last)} MiB (${formatNumber(max)})`,
        ],
        ['RSS end ÷ start', ratio(last, first)],
        ['RSS trend after 5 s (least squares)', `${formatNumber(slope, 2)} MiB/min`],
      ],
    )}

Command: \`${result.command.replace(/http:\/\/127\.0\.0\.1:\d+/, 'http://127.0.0.1:PORT').replace(/-s \S+/, '-s soak.lua')}\` against
\`ca-repo local\` holding the CA certificate, a CRL and ${formatNumber(CERTIFICATES)} OCSP responses; soak.lua cycles 200 requests
(OCSP GETs in ${ENCODING_VARIANTS.length} encodings and POSTs for random certificates, 30 % with nonces) and counts every status that is not
200. RSS of the \`ca-repo local\` process from /proc every second.`;
    return {
      title: 'Sustained mixed load',
      markdown,
      figures: [
        {
          name: `${seconds} s mixed load (OCSP GET/POST, CRL, certificate) on the local repository`,
          value: `${formatNumber(result.requests)} requests, ${errors + (result.non200 ?? 0)} errors, RSS ${formatNumber(first)} → ${formatNumber(last)} MiB`,
          reference: 'zero errors, flat memory',
          ratio: `RSS end ÷ start ${ratio(last, first)}`,
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

function slopePerMinute(samples: { t: number; rss: number }[]): number {
  const n = samples.length;
  if (n < 2) return NaN;
  const meanT = samples.reduce((s, x) => s + x.t, 0) / n;
  const meanR = samples.reduce((s, x) => s + x.rss, 0) / n;
  const covariance = samples.reduce((s, x) => s + (x.t - meanT) * (x.rss - meanR), 0);
  const variance = samples.reduce((s, x) => s + (x.t - meanT) ** 2, 0);
  return (covariance / variance) * 60;
}

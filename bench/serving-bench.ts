/**
 * OCSP serving, GET and POST: the local repository (`ca-repo local`: built CloudFront Function,
 * edge cache, Lambda@Edge handlers, embedded S3) against three references serving the same
 * certificate's response on the same machine:
 *   nginx (static file: the ceiling for HTTP serving here), cfssl ocspserve (pre-generated
 *   responses, the closest peer), openssl ocsp -port (signs every answer, what a small CA runs).
 *
 * Two load shapes, each run with the same client against every target:
 *   keep-alive (wrk): what a CDN edge or a busy proxy sends;
 *   a new connection per request (ab, HTTP/1.0): what OCSP clients send, and the only shape
 *   `openssl ocsp -port` survives (it spins forever on wrk's initial connection check).
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  describeOcspAnswer,
  formatNumber,
  markdownTable,
  ratio,
  type BenchContext,
  type Figure,
  type PhaseResult,
  tidyCommand,
} from './bench-context.ts';
import { issueRealLeaf, publishDirectory, startLocalRepositoryProcess, writeBundle } from './bench-pki.ts';
import {
  LOOPBACK,
  freePort,
  luaBytes,
  runAb,
  cpuMicrosOf,
  runWrk,
  startServer,
  totalErrors,
  type AbResult,
  type ChildServer,
  type WrkResult,
} from './bench-tools.ts';

type Method = 'GET' | 'POST';

interface Target {
  name: string;
  /** Base URL and the OCSP paths for GET (`getPath(encoded)`) and POST. */
  base: string;
  getPath?: (encoded: string) => string;
  postPath: string;
  /** Why GET or POST cannot be measured on this target. */
  unavailable?: Partial<Record<Method, string>>;
  /** Signs on the fly: bytes differ from the pre-generated response. */
  signs?: boolean;
  start(): Promise<ChildServer>;
  /** Restart before every run (openssl: one bad connection and it never answers again). */
  restartPerRun?: boolean;
}

interface Measured {
  target: string;
  method: Method;
  tool: 'wrk' | 'ab';
  result?: WrkResult | AbResult;
  skipped?: string;
  /** The server's CPU time per request (ca-repo local only: one process, see cpuMicrosOf). */
  cpuMicrosPerRequest?: number;
}

export async function runServingBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const dir = join(ctx.workDir, 'serving');
  await mkdir(dir, { recursive: true });
  const real = await issueRealLeaf(ctx.ec, 'serving.bench.example');
  const encoded = encodeURIComponent(Buffer.from(real.request).toString('base64'));
  const requestPath = join(dir, 'request.der');
  await writeFile(requestPath, real.request);
  const seconds = ctx.quick ? 3 : 10;
  const abSeconds = ctx.quick ? 2 : 5;
  const connections = 16;

  // --- the local repository, with the response published through the real publish path
  const caRepo: Target = {
    name: 'ca-repo local',
    base: '',
    getPath: (e) => `/ocsp/${e}`,
    postPath: '/ocsp',
    start: async () => {
      const server = await startLocalRepositoryProcess({
        trustPath: ctx.ec.ca.cert.certPath,
        dataDir: join(dir, 'ca-repo-data'),
      });
      caRepo.base = server.url;
      const receipt = await publishDirectory(
        server.url,
        await writeBundle(join(dir, 'bundle'), {
          'ca/root.crt': ctx.ec.ca.cert.certPem,
          'ocsp/serving.ocsp': real.response,
        }),
      );
      if (receipt.status !== 'completed' || receipt.rejected.length > 0) {
        throw new Error(`publish for the serving bench failed: ${JSON.stringify(receipt.rejected)}`);
      }
      return server;
    },
  };

  // --- nginx: the same response file, served statically for GET and (via error_page) POST
  const nginxPort = await freePort();
  const nginxDir = join(dir, 'nginx');
  const targets: Target[] = [caRepo];
  if (ctx.tools.nginx) {
    await mkdir(join(nginxDir, 'www'), { recursive: true });
    await writeFile(join(nginxDir, 'www', 'response.der'), real.response);
    await writeFile(join(nginxDir, 'nginx.conf'), nginxConfig(nginxDir, nginxPort));
    targets.push({
      name: 'nginx (static file)',
      base: `http://${LOOPBACK}:${nginxPort}`,
      getPath: (e) => `/ocsp/${e}`,
      postPath: '/ocsp',
      start: () =>
        startServer(
          ctx.tools.nginx!,
          ['-c', join(nginxDir, 'nginx.conf'), '-e', join(nginxDir, 'error.log')],
          { port: nginxPort },
        ),
    });
  }

  // --- cfssl ocspserve: responses file of base64 DER lines (cfssl's NewSourceFromFile format)
  if (ctx.tools.cfssl) {
    const cfsslPort = await freePort();
    const responsesFile = join(dir, 'cfssl-responses.txt');
    await writeFile(responsesFile, `${Buffer.from(real.response).toString('base64')}\n`);
    targets.push({
      name: 'cfssl ocspserve',
      base: `http://${LOOPBACK}:${cfsslPort}`,
      getPath: (e) => `/${e}`,
      postPath: '/',
      start: () =>
        startServer(
          ctx.tools.cfssl!,
          ['ocspserve', '-address', LOOPBACK, '-port', String(cfsslPort), '-responses', responsesFile],
          { port: cfsslPort },
        ),
    });
  }

  // --- openssl ocsp -port: signs each answer from index.txt with the CA key
  const opensslPort = await freePort();
  targets.push({
    name: 'openssl ocsp -port',
    base: `http://${LOOPBACK}:${opensslPort}`,
    getPath: (e) => `/${e}`,
    postPath: '/',
    signs: true,
    restartPerRun: true,
    unavailable: {},
    start: () =>
      startServer(
        'openssl',
        [
          'ocsp',
          '-index',
          join(ctx.ec.ca.dir, 'index.txt'),
          '-CA',
          ctx.ec.ca.cert.certPath,
          '-rsigner',
          ctx.ec.ca.cert.certPath,
          '-rkey',
          ctx.ec.ca.cert.keyPath,
          '-port',
          String(opensslPort),
          '-nmin',
          '60',
          '-ignore_err',
        ],
        // Not a port probe: a connection closed without a request is what hangs it.
        { pattern: /waiting for OCSP client connections/ },
      ),
  });

  const measured: Measured[] = [];
  for (const target of targets) {
    ctx.log(`serving: ${target.name}`);
    let server: ChildServer | undefined = await target.start();
    try {
      // Every target must answer this exact request correctly before it is loaded.
      for (const method of ['GET', 'POST'] as const) {
        const problem = await checkTarget(target, method, encoded, real.request, real.response);
        if (problem) {
          const why =
            target.name.startsWith('cfssl') && method === 'GET'
              ? `${problem} (cfssl 1.2.0 as Debian packages it hands the URL path with its leading "/" to the base64 decoder and logs "Error decoding base64 from URL"; it never strips the prefix)`
              : problem;
          target.unavailable = { ...target.unavailable, [method]: why };
          ctx.log(`  ${method} not measurable: ${problem}`);
        }
      }
      if (target.restartPerRun) {
        await server.stop();
        server = undefined;
      }
      // Keep-alive load with wrk (not possible against openssl ocsp, see the header).
      for (const method of ['GET', 'POST'] as const) {
        if (target.unavailable?.[method]) {
          measured.push({ target: target.name, method, tool: 'wrk', skipped: target.unavailable[method] });
          continue;
        }
        if (target.restartPerRun) {
          measured.push({
            target: target.name,
            method,
            tool: 'wrk',
            skipped: 'hangs at 100% CPU on wrk’s connection check (see notes)',
          });
          continue;
        }
        const url = `${target.base}${method === 'GET' ? target.getPath!(encoded) : target.postPath}`;
        const script =
          method === 'POST'
            ? `wrk.method = "POST"\nwrk.body = ${luaBytes(real.request)}\nwrk.headers["Content-Type"] = "application/ocsp-request"\n`
            : '';
        const scriptPath = join(dir, `wrk-${method}.lua`);
        await runWrk({ wrk: ctx.tools.wrk!, url, connections, durationSeconds: 2, script, scriptPath }); // warm-up
        const cpuBefore = target === caRepo && server ? await cpuMicrosOf(server.pid) : undefined;
        const result = await runWrk({
          wrk: ctx.tools.wrk!,
          url,
          connections,
          durationSeconds: seconds,
          script,
          scriptPath,
        });
        const cpuAfter = cpuBefore !== undefined && server ? await cpuMicrosOf(server.pid) : undefined;
        if (totalErrors(result) > 0)
          failures.push(`${target.name} ${method} (wrk): ${JSON.stringify(result.errors)}`);
        measured.push({
          target: target.name,
          method,
          tool: 'wrk',
          result,
          cpuMicrosPerRequest:
            cpuBefore !== undefined && cpuAfter !== undefined && result.requests > 0
              ? (cpuAfter - cpuBefore) / result.requests
              : undefined,
        });
      }
      // A new connection per request with ab.
      for (const method of ['GET', 'POST'] as const) {
        if (target.unavailable?.[method]) {
          measured.push({ target: target.name, method, tool: 'ab', skipped: target.unavailable[method] });
          continue;
        }
        if (target.restartPerRun) server = await target.start();
        const url = `${target.base}${method === 'GET' ? target.getPath!(encoded) : target.postPath}`;
        const result = await runAb({
          ab: ctx.tools.ab!,
          url,
          concurrency: connections,
          durationSeconds: abSeconds,
          postFile: method === 'POST' ? requestPath : undefined,
          csvPath: join(dir, `ab-${method}.csv`),
        });
        const e = result.errors;
        if (e.connect + e.receive + e.exceptions + e.non2xx > 0) {
          failures.push(`${target.name} ${method} (ab): ${JSON.stringify(e)}`);
        }
        if (!target.signs && result.lengthVaried > 0) {
          failures.push(`${target.name} ${method} (ab): ${result.lengthVaried} answers of another length`);
        }
        measured.push({ target: target.name, method, tool: 'ab', result });
        if (target.restartPerRun) {
          await server?.stop();
          server = undefined;
        }
      }
    } finally {
      await server?.stop();
    }
  }

  return report(measured, targets, failures, ctx);
}

/** Sends the request once and checks the answer is the certificate's good response. */
async function checkTarget(
  target: Target,
  method: Method,
  encoded: string,
  request: Uint8Array,
  expected: Uint8Array,
): Promise<string | undefined> {
  const url = `${target.base}${method === 'GET' ? target.getPath!(encoded) : target.postPath}`;
  const response = await fetch(url, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/ocsp-request' } : {},
    body: method === 'POST' ? Buffer.from(request) : undefined,
  });
  const body = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) return `answers HTTP ${response.status} to a well-formed ${method}`;
  if (target.signs) {
    const answer = describeOcspAnswer(body);
    return answer.status === 'good' ? undefined : `answers ${answer.status}`;
  }
  return Buffer.from(body).equals(Buffer.from(expected)) ? undefined : 'answers other bytes';
}

function nginxConfig(dir: string, port: number): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/ocsp-response;
  server {
    listen ${LOOPBACK}:${port};
    root ${dir}/www;
    # Every GET under /ocsp/ gets the one response file; a POST (405 for a static file) too.
    location /ocsp {
      error_page 405 =200 /response.der;
      try_files /response.der =404;
    }
  }
}
`;
}

/** The ca-repo server's CPU time per request, where measured (keep-alive runs). */
function cpuNote(getCpu: number | undefined, postCpu: number | undefined): string {
  if (getCpu === undefined || postCpu === undefined) return '';
  return (
    `\n\nServer CPU per request, ca-repo local (user + system time of its process, /proc/PID/stat, over the same run;` +
    ` the load generator and other processes not counted): GET ${formatNumber(getCpu, 1)} µs, POST ${formatNumber(postCpu, 1)} µs,` +
    ` GET ÷ POST ${ratio(getCpu, postCpu, 3)}: the POST ÷ GET rate where the server’s own core is what bounds it.`
  );
}

function report(measured: Measured[], targets: Target[], failures: string[], ctx: BenchContext): PhaseResult {
  const figures: Figure[] = [];
  const sections: string[] = [];
  for (const tool of ['wrk', 'ab'] as const) {
    const rows: string[][] = [];
    for (const method of ['GET', 'POST'] as const) {
      const ours = measured.find(
        (m) => m.target === 'ca-repo local' && m.method === method && m.tool === tool,
      );
      for (const m of measured.filter((x) => x.method === method && x.tool === tool)) {
        if (!m.result) {
          rows.push([m.target, method, '—', '—', '—', '—', `not measured: ${m.skipped}`]);
          continue;
        }
        const r = m.result;
        const versus =
          m.target === 'ca-repo local' || !ours?.result
            ? 'reference point'
            : `ca-repo ${ratio(ours.result.requestsPerSecond, r.requestsPerSecond, 3)} req/s, p50 ${ratio(
                ours.result.p50Ms,
                r.p50Ms,
              )}, p99 ${ratio(ours.result.p99Ms, r.p99Ms)}`;
        rows.push([
          m.target,
          method,
          formatNumber(r.requestsPerSecond),
          formatNumber(r.p50Ms, 2),
          formatNumber(r.p99Ms, 2),
          formatNumber(r.requests),
          versus,
        ]);
        if (m.target !== 'ca-repo local' && ours?.result) {
          figures.push({
            name: `OCSP ${method} ${tool === 'wrk' ? 'keep-alive' : 'new connection per request'}: ca-repo vs ${m.target}`,
            value: `${formatNumber(ours.result.requestsPerSecond)} req/s, p50 ${formatNumber(ours.result.p50Ms, 2)} ms, p99 ${formatNumber(ours.result.p99Ms, 2)} ms`,
            reference: `${formatNumber(r.requestsPerSecond)} req/s, p50 ${formatNumber(r.p50Ms, 2)} ms, p99 ${formatNumber(r.p99Ms, 2)} ms`,
            ratio: `${ratio(ours.result.requestsPerSecond, r.requestsPerSecond, 3)} throughput, ${ratio(ours.result.p50Ms, r.p50Ms)} p50 latency`,
            commands: [
              `ca-repo: ${tidyCommand(ours.result.command)}`,
              `${m.target}: ${tidyCommand(r.command)}`,
            ],
          });
        }
      }
    }
    // Issue 14's POST goal is against the same repository's GET, measured in this run.
    const ourMeasure = (method: Method) =>
      measured.find((m) => m.target === 'ca-repo local' && m.method === method && m.tool === tool);
    const [ourGet, ourPost] = [ourMeasure('GET')?.result, ourMeasure('POST')?.result];
    if (ourGet && ourPost) {
      // Server CPU per request, where measured: what the rates would be on a machine not shared.
      const [getCpu, postCpu] = [
        ourMeasure('GET')?.cpuMicrosPerRequest,
        ourMeasure('POST')?.cpuMicrosPerRequest,
      ];
      const cpu =
        getCpu !== undefined && postCpu !== undefined
          ? {
              post: `, server CPU ${formatNumber(postCpu, 1)} µs/request`,
              get: `, server CPU ${formatNumber(getCpu, 1)} µs/request`,
              ratio: `; ${ratio(getCpu, postCpu, 3)} by server CPU per request (GET ÷ POST)`,
            }
          : { post: '', get: '', ratio: '' };
      figures.push({
        name: `OCSP POST ÷ GET ${tool === 'wrk' ? 'keep-alive' : 'new connection per request'}: ca-repo local`,
        value: `POST ${formatNumber(ourPost.requestsPerSecond)} req/s, p50 ${formatNumber(ourPost.p50Ms, 2)} ms${cpu.post}`,
        reference: `GET ${formatNumber(ourGet.requestsPerSecond)} req/s, p50 ${formatNumber(ourGet.p50Ms, 2)} ms${cpu.get}`,
        ratio: `${ratio(ourPost.requestsPerSecond, ourGet.requestsPerSecond, 3)} throughput, ${ratio(ourPost.p50Ms, ourGet.p50Ms)} p50 latency${cpu.ratio}`,
        commands: [`POST: ${tidyCommand(ourPost.command)}`, `GET: ${tidyCommand(ourGet.command)}`],
      });
    }
    const example = measured.find((m) => m.tool === tool && m.result)?.result?.command ?? '';
    sections.push(
      `### ${tool === 'wrk' ? 'Keep-alive connections (wrk)' : 'A new connection per request (ab, HTTP/1.0)'}\n\n` +
        `Command (PORT and the path vary per target; REQUEST is the percent-encoded base64 OCSP request): \`${tidyCommand(example)}\`\n\n` +
        markdownTable(
          ['target', 'method', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'ca-repo against it'],
          rows,
        ) +
        cpuNote(ourMeasure('GET')?.cpuMicrosPerRequest, ourMeasure('POST')?.cpuMicrosPerRequest),
    );
  }
  const unavailable = targets
    .flatMap((t) => Object.entries(t.unavailable ?? {}).map(([m, why]) => `- ${t.name} ${m}: ${why}.`))
    .join('\n');
  const markdown = `${sections.join('\n\n')}

Setup: one certificate, its response pre-generated by \`openssl ocsp\` (${ctx.ec.keyType.toUpperCase()} P-256 CA) and
published to the local repository through \`ca-repo publish\`; the same DER file given to nginx and cfssl; openssl
signs each answer from the CA's index.txt. ${16} concurrent connections, servers single-process (nginx
\`worker_processes 1\`), load generator in its own process; the machine has 2 cores, so server and client get one
each. GET requests carry the percent-encoded base64 request; POST sends the DER body.

What the local repository figure means: \`ca-repo local\` runs the edge code for real (the built CloudFront Function
in node:vm, the edge cache, the Lambda@Edge origin-request handler) on one Node.js event loop with an embedded S3
server. GET is answered from the edge cache after the first request. POST is never cached by CloudFront: every POST
runs the origin-request handler, which answers from its container's memory (EDGE_POST_CACHE_SECONDS, never past
nextUpdate) and reads S3 (one GetObject through the AWS SDK to the embedded s3rver) once per lifetime; what is left
of the POST cost is the handler itself (the DER parse of the CertID, Date and max-age of the answer, the Lambda@Edge
event shapes: a remembered answer keeps its other headers and its body in base64) and reading the body. In AWS the
same code runs on CloudFront's fleet, so these numbers bound the cost of the edge logic, not the capacity of the
deployed service.

Not measured:
${unavailable || '- nothing'}
- openssl ocsp -port with wrk: OpenSSL 3.0's responder busy-loops at 100% CPU and never answers again once a client
  connects and closes without sending a request, which wrk does once at start (reproduce: start
  \`openssl ocsp -index index.txt -CA ca.crt -rsigner ca.crt -rkey ca.key -port 8888\`, run
  \`node -e "require('net').connect(8888,'127.0.0.1',function(){this.end()})"\`, then any \`curl\` hangs). The ab runs
  restart it before each run; ab's "Length" mismatches are expected there (ECDSA signatures vary by a byte).`;
  return { title: 'OCSP serving', markdown, figures, failures };
}

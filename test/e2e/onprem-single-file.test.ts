/**
 * The single-file uploader as the CA carries it into a closed network: `npm run build:onprem`
 * writes dist/ca-repo-onprem.mjs and its .sha256; the file alone, copied to an empty directory
 * outside the project (no node_modules anywhere above it), publishes to a local repository with
 * nothing but `node`, once directly and once through an HTTP proxy named by HTTP_PROXY.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startLocalRepositoryProcess,
  writeBundle,
  type LocalRepositoryProcess,
} from '../../bench/bench-pki.ts';
import { runCommand } from '../../testkit/run-command.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

const FILE = 'ca-repo-onprem.mjs';

let pki: TestPki;
let work: string;
let server: LocalRepositoryProcess | undefined;
let proxy: Server | undefined;
/** What the proxy forwarded: method and absolute URL of each request. */
const forwarded: string[] = [];

/** The environment of the CA's machine: no proxy unless the test names one. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(https?|no|all)_proxy$/i.test(name)),
  );
  return { ...env, ...extra };
}

/** A forward proxy for plain HTTP on 127.0.0.1 (absolute-form requests), counting what it forwards. */
function startProxy(): Promise<number> {
  proxy = createServer((incoming, outgoing) => {
    forwarded.push(`${incoming.method} ${incoming.url}`);
    const target = new URL(incoming.url ?? '');
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(upstream);
  });
  return new Promise((resolve) => {
    proxy!.listen(0, '127.0.0.1', () => resolve((proxy!.address() as { port: number }).port));
  });
}

beforeAll(async () => {
  pki = await createTestPki();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-onprem-'));
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the single-file on-prem uploader', () => {
  it('is built with its checksum, and publishes from an empty directory, directly and through a proxy', async () => {
    const dist = join(work, 'dist');
    const build = await runCommand('npm', ['run', '--silent', 'build:onprem', '--', dist], {
      timeoutMs: 120_000,
    });
    expect(build.code, build.stderr).toBe(0);
    const bytes = await readFile(join(dist, FILE));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(build.stdout).toContain(`SHA-256 ${sha256}`);
    expect(await readFile(join(dist, `${FILE}.sha256`), 'utf8')).toBe(`${sha256}  ${FILE}\n`);
    // What the operator runs after carrying both files across.
    const check = await runCommand('sha256sum', ['-c', `${FILE}.sha256`], { cwd: dist });
    expect(check).toMatchObject({ code: 0, stdout: `${FILE}: OK\n` });

    // The file and nothing else, far from the project and its node_modules.
    const closed = join(work, 'closed-network');
    await mkdir(closed);
    await copyFile(join(dist, FILE), join(closed, FILE));
    expect(await readdir(closed)).toEqual([FILE]);

    server = await startLocalRepositoryProcess({
      trustPath: pki.ca.cert.certPath,
      dataDir: join(work, 'data'),
    });
    const direct = await writeBundle(join(work, 'bundle-direct'), {
      'crl/root.crl': await pki.ca.generateCrl(),
    });
    const published = await runCommand('node', [FILE, 'publish', direct, '--repo', server.url, '--json'], {
      cwd: closed,
      env: cleanEnv(),
      timeoutMs: 120_000,
    });
    expect(published.stderr).not.toMatch(/error/i);
    expect(published.code).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({
      accepted: [{ file: 'crl/root.crl', url: `${server.url}/crl/root.crl` }],
      rejected: [],
    });

    const proxyPort = await startProxy();
    const proxied = await writeBundle(join(work, 'bundle-proxied'), {
      'ocsp/good.ocsp': await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' }),
    });
    const throughProxy = await runCommand(
      'node',
      [FILE, 'publish', proxied, '--repo', server.url, '--json'],
      {
        cwd: closed,
        env: cleanEnv({
          HTTP_PROXY: `http://127.0.0.1:${proxyPort}`,
          HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
        }),
        timeoutMs: 120_000,
      },
    );
    expect(throughProxy.code).toBe(0);
    expect(JSON.parse(throughProxy.stdout)).toMatchObject({
      accepted: [{ file: 'ocsp/good.ocsp' }],
      rejected: [],
    });
    // The upload and the wait for the receipt went through the proxy, not around it.
    expect(forwarded.length).toBeGreaterThan(0);
    expect(forwarded).toContainEqual(
      expect.stringMatching(/^PUT http:\/\/127\.0\.0\.1:\d+\/\S+\/bundles\/\S+\/manifest\.json/),
    );
    expect(forwarded).toContainEqual(
      expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/\S+\/receipts\//),
    );
  }, 300_000);
});

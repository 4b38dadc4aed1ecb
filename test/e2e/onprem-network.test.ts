/**
 * The uploader's SDK clients in a closed network (onprem/network.ts), in a process of their own as
 * on the CA's machine: S3 over HTTPS through a CONNECT proxy named by HTTPS_PROXY, at the endpoint
 * AWS_ENDPOINT_URL_S3 names, whose certificate only NODE_EXTRA_CA_CERTS makes trusted.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCommand } from '../../testkit/run-command.ts';

let work: string;
const servers: Server[] = [];
/** The proxy's tunnel sockets, which its server does not track: closed at the end. */
const sockets: { destroy(): void }[] = [];
/** host:port of every tunnel the proxy opened. */
const tunnels: string[] = [];
/** Paths the HTTPS "S3" endpoint was asked for. */
const served: string[] = [];
let s3Port = 0;
let proxyPort = 0;

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function runClient(env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(https?|no|all)_proxy$|^AWS_/i.test(name)),
  );
  return runCommand(
    'node',
    ['--import', 'tsx', join(PROJECT_ROOT, 'test', 'e2e', 'onprem-network-client.ts')],
    {
      env: { ...clean, AWS_ENDPOINT_URL_S3: `https://localhost:${s3Port}`, ...env },
      timeoutMs: 60_000,
    },
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ca-repo-onprem-network-'));
  const [key, cert] = [join(work, 'key.pem'), join(work, 'cert.pem')];
  // A self-signed certificate for localhost (an endpoint has a DNS name): trusted only through NODE_EXTRA_CA_CERTS.
  const made = await runCommand('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=private S3 endpoint'],
    ...['-addext', 'subjectAltName=DNS:localhost'],
  ]);
  expect(made.code).toBe(0);
  s3Port = await listen(
    createHttpsServer({ key: await readFile(key), cert: await readFile(cert) }, (request, response) => {
      served.push(`${request.method} ${request.url}`);
      response.writeHead(200, { 'content-type': 'application/json', etag: '"e"' }).end('{"receipt":true}');
    }),
  );
  const proxy = createHttpServer((_request, response) => response.writeHead(405).end());
  proxy.on('connect', (request, client, head) => {
    tunnels.push(request.url ?? '');
    const [host, port] = (request.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.push(client, upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  proxyPort = await listen(proxy);
}, 60_000);
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the uploader's S3 client in a closed network", () => {
  it('refuses the private endpoint without NODE_EXTRA_CA_CERTS', async () => {
    const result = await runClient({ HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/self-signed certificate|SELF_SIGNED/i);
  });

  it('reaches it through the CONNECT proxy with NODE_EXTRA_CA_CERTS', async () => {
    tunnels.length = 0;
    served.length = 0;
    const result = await runClient({
      HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
      NODE_EXTRA_CA_CERTS: join(work, 'cert.pem'),
    });
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: '{"receipt":true}' });
    expect(tunnels).toEqual([`localhost:${s3Port}`]);
    expect(served).toEqual(['GET /ingest/receipts/r.json?x-id=GetObject']);
  });

  it('goes direct to a host NO_PROXY names', async () => {
    tunnels.length = 0;
    const result = await runClient({
      HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
      NO_PROXY: 'localhost',
      NODE_EXTRA_CA_CERTS: join(work, 'cert.pem'),
    });
    expect(result).toMatchObject({ code: 0, stdout: '{"receipt":true}' });
    expect(tunnels).toEqual([]);
  });
});

/**
 * node:http in front of a request/response function: the local stand-in for the CDN edge.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest, HttpResponse } from '../services/http.ts';

export type RequestHandler = (request: HttpRequest, body: Uint8Array) => Promise<HttpResponse>;

/** Request bodies larger than this are cut off (OCSP requests are a few hundred bytes). */
const MAX_BODY_BYTES = 1024 * 1024;

function readBody(request: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

export async function listen(handler: RequestHandler, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const response = await handler({ method: req.method ?? 'GET', url: req.url ?? '/', headers }, body);
      res.writeHead(response.status, response.headers);
      // A view, not a copy: the body may be a cached answer's, sent again for every request.
      const sent = response.body;
      res.end(sent ? Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength) : undefined);
    } catch (error) {
      console.error('ca-repo local: request failed:', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Internal Server Error\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

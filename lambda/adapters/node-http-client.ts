/**
 * The health probes' HTTP client on node:http / node:https, one fresh connection per request
 * (`agent: false`). A relying party's CRL or OCSP fetch is a one-off exchange, so a probe must pay
 * the same DNS, TCP and TLS set-up in its latency; and a kept-alive socket from the previous
 * minute's run is exactly what Lambda's freeze between invocations leaves dead, which would turn
 * into a false "connection reset" alarm. Redirects are returned, not followed (node:http never
 * follows them), and nothing asks caches to revalidate: the probe must see what a relying party
 * sees, stale CDN copies included.
 */
import { request as requestHttp, type IncomingMessage } from 'node:http';
import { request as requestHttps } from 'node:https';
import type { HttpAnswer } from '../core/health/health-record.ts';
import type { HttpClient, HttpRequestSpec } from '../services/health/health-http.ts';

export class NodeHttpClient implements HttpClient {
  private readonly userAgent: string;

  constructor(options: { userAgent?: string } = {}) {
    this.userAgent = options.userAgent ?? 'ca-repo-health/1';
  }

  send(spec: HttpRequestSpec): Promise<HttpAnswer> {
    const url = new URL(spec.url);
    const request =
      url.protocol === 'https:' ? requestHttps : url.protocol === 'http:' ? requestHttp : undefined;
    if (!request) return Promise.reject(new Error(`unsupported URL scheme "${url.protocol}" in ${spec.url}`));
    const body = spec.body ? Buffer.from(spec.body) : undefined;
    // The same signal aborts the body read, so a server that stalls mid-body still times out.
    let abort = () => {};
    return new Promise<HttpAnswer>((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: spec.method,
          agent: false,
          headers: {
            'user-agent': this.userAgent,
            ...(body ? { 'content-length': String(body.length) } : {}),
            ...spec.headers,
          },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('aborted', () => reject(new Error('connection closed before the whole body arrived')));
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              headers: flattenHeaders(incoming),
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      outgoing.on('error', reject);
      abort = () => {
        outgoing.destroy();
        reject(spec.signal.reason ?? new Error('aborted'));
      };
      if (spec.signal.aborted) return abort();
      spec.signal.addEventListener('abort', abort, { once: true });
      outgoing.end(body);
    }).finally(() => spec.signal.removeEventListener('abort', abort));
  }
}

/** node:http lower-cases names and keeps repeated headers as arrays; the probe wants one string. */
function flattenHeaders(incoming: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * The health probes' HTTP client on Node's fetch (undici). Redirects are returned, not followed
 * (`redirect: 'manual'` gives the 3xx itself in Node), and nothing asks caches to revalidate: the
 * probe must see what a relying party sees, stale CDN copies included.
 */
import type { HttpAnswer } from '../core/health-record.ts';
import type { HttpClient, HttpRequestSpec } from '../services/health-http.ts';

export class FetchHttpClient implements HttpClient {
  private readonly userAgent: string;

  constructor(options: { userAgent?: string } = {}) {
    this.userAgent = options.userAgent ?? 'ca-repo-health/1';
  }

  async send(request: HttpRequestSpec): Promise<HttpAnswer> {
    const response = await fetch(request.url, {
      method: request.method,
      headers: { 'user-agent': this.userAgent, ...request.headers },
      body: request.body ? Buffer.from(request.body) : undefined,
      redirect: 'manual',
      signal: request.signal,
    });
    // The same signal aborts the body read, so a server that stalls mid-body still times out.
    const body = new Uint8Array(await response.arrayBuffer());
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    return { status: response.status, headers, body };
  }
}

/**
 * The HTTP port the health probes fetch through. The node:http adapter
 * (lambda/adapters/node-http-client.ts) is the only implementation the product uses; tests drive
 * it against the local repository over real sockets rather than faking answers.
 */
import type { HttpAnswer } from '../../core/health/health-record.ts';

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Aborts the exchange, body included: the probe's timeout. */
  signal: AbortSignal;
}

export interface HttpClient {
  /** Sends one request and reads the whole body. Never follows redirects: a relying party's CRL
   *  or OCSP fetch that gets a redirect is a failure to report, not to hide. */
  send(request: HttpRequestSpec): Promise<HttpAnswer>;
}

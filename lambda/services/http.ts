/** A transport-neutral HTTP exchange: the edge handlers, the local CDN and node:http translate to it. */
export interface HttpRequest {
  method: string;
  /** Path and query as received, e.g. `/crl/ca.crl?x=1`. */
  url: string;
  headers: Record<string, string | undefined>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body?: Uint8Array;
}

export function textResponse(status: number, text: string, extra: Record<string, string> = {}): HttpResponse {
  const body = new Uint8Array(Buffer.from(`${text}\n`));
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(body.length),
      'cache-control': 'max-age=10, public',
      ...extra,
    },
    body,
  };
}

/**
 * Answers GET and HEAD for repository objects the way the CDN does: content type from the stored
 * object, cache headers recomputed at response time (never past nextUpdate), conditional requests,
 * 404 for a path that holds nothing. Used by the local repository; the edge code shares
 * `servingHeaders` with it.
 */
import { DEFAULT_CACHE_CAPS, servingHeaders, type CacheCaps } from '../core/cache-policy.ts';
import type { Clock, ObjectStore } from './ports.ts';

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

export interface RepositoryReaderProps {
  store: ObjectStore;
  clock: Clock;
  cacheCaps?: CacheCaps;
}

function textResponse(status: number, text: string, extra: Record<string, string> = {}): HttpResponse {
  const body = Buffer.from(`${text}\n`);
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

/** The object key a request path names, or undefined when it cannot name one. */
export function objectKeyOfPath(url: string): string | undefined {
  const path = url.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded === '/' || decoded === '') return 'index.html';
  const key = decoded.replace(/^\/+/, '');
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    return undefined;
  return key;
}

export class RepositoryReader {
  private readonly caps: CacheCaps;

  constructor(private readonly props: RepositoryReaderProps) {
    this.caps = props.cacheCaps ?? DEFAULT_CACHE_CAPS;
  }

  async respond(request: HttpRequest): Promise<HttpResponse> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return textResponse(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    }
    const key = objectKeyOfPath(request.url);
    const object = key === undefined ? undefined : await this.props.store.get(key);
    if (!object) return textResponse(404, 'Not Found');
    const now = this.props.clock.now();
    const headers = servingHeaders(object, now, this.caps);
    if (isNotModified(request.headers, headers)) {
      const { 'content-length': _length, 'content-type': _type, ...rest } = headers;
      return { status: 304, headers: rest };
    }
    return { status: 200, headers, body: request.method === 'HEAD' ? undefined : object.body };
  }
}

/** RFC 9110 §13.1.2 / §13.1.3: If-None-Match wins over If-Modified-Since. */
function isNotModified(
  request: Record<string, string | undefined>,
  headers: Record<string, string>,
): boolean {
  const ifNoneMatch = request['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch
      .split(',')
      .map((tag) => tag.trim().replace(/^W\//, ''))
      .some((tag) => tag === '*' || tag === headers.etag);
  }
  const ifModifiedSince = request['if-modified-since'];
  const lastModified = headers['last-modified'];
  if (!ifModifiedSince || !lastModified) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Date.parse(lastModified) <= since;
}

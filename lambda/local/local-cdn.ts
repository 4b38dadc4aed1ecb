/**
 * A faithful local CloudFront for the repository, so the edge code runs here exactly as in AWS:
 *
 *   viewer-request  the BUILT CloudFront Function, in node:vm, below the OCSP prefix (not on the
 *                   prefix itself, where POSTs go: core/ocsp/ocsp-path.ts viewerFunctionRunsOn)
 *   edge cache      keyed by the (rewritten) URI, honouring Cache-Control (s-maxage before
 *                   max-age, as CloudFront: an OCSP answer's s-maxage runs to its refresh deadline)
 *                   or Expires; invalidations are asynchronous as CloudFront's: an ID, InProgress,
 *                   then Completed, and until then the edge still answers from the copies cached
 *                   before it was created
 *   origin-request  the Lambda@Edge handler (OCSP behaviour, includeBody): answers POST, and GET
 *                   cache misses from the store (primary, replica on a failure); what it answers
 *                   to a GET is cached and no origin-response runs on it, as in CloudFront
 *   origin          S3 semantics (403 for a missing key); origin group primary → replica on the
 *                   default behaviour (fallback on 403, 404, 5xx)
 *   origin-response the Lambda@Edge handler on the default behaviour only
 *
 * Its memory is bounded, as `ca-repo local` may run for days under any mix of URIs: CloudFront
 * evicts what is not requested, here the least recently used copies go beyond a count and a byte
 * budget, and only the most recent invalidation records are kept.
 */
import { DEFAULT_CACHE_CAPS, type CacheCaps } from '../core/serving/cache-policy.ts';
import { isOcspPath, viewerFunctionRunsOn } from '../core/ocsp/ocsp-path.ts';
import { TimedLruCache } from '../core/serving/post-answer-cache.ts';
import { buildViewerRequestSource } from '../edge/build-viewer-request.ts';
import type { CfFunctionResponse } from '../edge/cloudfront-function-event.ts';
import {
  fromCfHeaders,
  toCfHeaders,
  type CfResponse,
  type CfS3Origin,
} from '../core/serving/cloudfront-events.ts';
import { DEFAULT_UNAUTHORIZED_MAX_AGE_SECONDS, ORIGIN_HEADER } from '../core/contract/edge-origin-headers.ts';
import {
  createOcspOriginRequestHandler,
  createOriginResponseHandler,
  type OcspOriginRequestHandler,
} from '../handlers/edge-handlers.ts';
import { textResponse, type HttpRequest, type HttpResponse } from '../services/http.ts';
import type { Clock, ObjectStore } from '../services/ports.ts';
import { fetchFromS3Origin, type OriginFetch } from '../services/edge/s3-origin.ts';
import { loadViewerRequestFunction, type ViewerRequestHandler } from './cloudfront-function-runtime.ts';

/** Origin-group failover status codes (REFERENCE: include 403, S3's answer for a missing key). */
export const ORIGIN_GROUP_FALLBACK_CODES = [403, 404, 500, 502, 503, 504];
/** Lambda@Edge includeBody limit: larger bodies arrive truncated. */
const MAX_EDGE_BODY_BYTES = 1024 * 1024;
/** Default bounds of the edge cache: ten times the soak's working set, a few large CRLs. */
export const DEFAULT_MAX_CACHED_OBJECTS = 10_000;
export const DEFAULT_MAX_CACHED_BYTES = 64 * 1024 * 1024;
/** Invalidation records kept (the oldest completed go first); a publisher waits on its own at once. */
const MAX_INVALIDATION_RECORDS = 1_000;

export interface LocalCdnProps {
  primary: ObjectStore;
  replica?: ObjectStore;
  clock: Clock;
  /** Path of the OCSP behaviour, e.g. `/ocsp`; `/` for a dedicated OCSP hostname. */
  ocspPathPrefix?: string;
  caps?: CacheCaps;
  unauthorizedMaxAgeSeconds?: number;
  /** How long an invalidation stays InProgress before it completes. Default 100 ms. */
  invalidationDelayMs?: number;
  /** Cached copies kept at most (least recently used dropped first). */
  maxCachedObjects?: number;
  /** Cached body bytes kept at most; a larger body is served but not kept. */
  maxCachedBytes?: number;
}

interface CacheEntry {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  storedAt: number;
  expiresAt: number;
  /** Order of storing: an invalidation drops what was stored before it was created. */
  generation: number;
}

/** One invalidation, as CloudFront's GetInvalidation describes it. */
export interface LocalInvalidation {
  id: string;
  paths: readonly string[];
  status: 'InProgress' | 'Completed';
  createdAt: Date;
  completedAt?: Date;
}

export interface CdnStats {
  /** Runs of the viewer-request Function (billed per run): below the OCSP prefix, not on it. */
  viewerFunctionRuns: number;
  hits: number;
  misses: number;
  originFetches: number;
  invalidatedEntries: number;
}

export class LocalCdn {
  readonly ocspPathPrefix: string;
  readonly stats: CdnStats = {
    viewerFunctionRuns: 0,
    hits: 0,
    misses: 0,
    originFetches: 0,
    invalidatedEntries: 0,
  };
  private readonly cache: TimedLruCache<CacheEntry>;
  private generation = 0;
  private invalidationCount = 0;
  private readonly invalidations = new Map<string, { record: LocalInvalidation; done: Promise<Date> }>();
  private readonly viewerRequest: ViewerRequestHandler;
  private readonly originRequest: OcspOriginRequestHandler;
  private readonly originResponse: ReturnType<typeof createOriginResponseHandler>;
  private readonly origin: CfS3Origin;

  constructor(private readonly props: LocalCdnProps) {
    this.ocspPathPrefix = props.ocspPathPrefix ?? '/ocsp';
    this.cache = new TimedLruCache<CacheEntry>(props.maxCachedObjects ?? DEFAULT_MAX_CACHED_OBJECTS, {
      maxWeight: props.maxCachedBytes ?? DEFAULT_MAX_CACHED_BYTES,
      weigh: (entry) => entry.body.length,
    });
    this.viewerRequest = loadViewerRequestFunction(buildViewerRequestSource(this.ocspPathPrefix));
    const stores = () => ({ primary: props.primary, replica: props.replica });
    // The origin-request function reads the stores itself: its reads count as origin fetches.
    const countedRead = () => this.stats.originFetches++;
    const edgeStores = {
      primary: countingReads(props.primary, countedRead),
      replica: props.replica && countingReads(props.replica, countedRead),
    };
    this.originRequest = createOcspOriginRequestHandler({ storesFor: () => edgeStores, clock: props.clock });
    this.originResponse = createOriginResponseHandler({ storesFor: stores, clock: props.clock });
    const customHeaders: Record<string, string> = {
      [ORIGIN_HEADER.cacheCaps]: JSON.stringify(props.caps ?? DEFAULT_CACHE_CAPS),
      [ORIGIN_HEADER.unauthorizedMaxAge]: String(
        props.unauthorizedMaxAgeSeconds ?? DEFAULT_UNAUTHORIZED_MAX_AGE_SECONDS,
      ),
    };
    if (props.replica) customHeaders[ORIGIN_HEADER.replicaDomain] = 'ca-repo-replica.s3.local.amazonaws.com';
    this.origin = {
      s3: {
        domainName: 'ca-repo-repository.s3.local.amazonaws.com',
        region: 'local',
        customHeaders: toCfHeaders(customHeaders),
      },
    };
  }

  /** Copies in the edge cache (expired ones not looked up since included). */
  get cachedObjects(): number {
    return this.cache.size;
  }

  /** Body bytes of the copies in the edge cache. */
  get cachedBytes(): number {
    return this.cache.weight;
  }

  /** Invalidation records kept. */
  get invalidationRecords(): number {
    return this.invalidations.size;
  }

  private isOcspBehaviour(path: string): boolean {
    return isOcspPath(path, this.ocspPathPrefix);
  }

  async handle(request: HttpRequest, body: Uint8Array): Promise<HttpResponse> {
    const [rawPath = '/', query = ''] = request.url.split('?', 2);
    const ocsp = this.isOcspBehaviour(rawPath);
    const method = request.method.toUpperCase();
    let uri = rawPath === '/' && !ocsp ? '/index.html' : rawPath; // default root object
    if (ocsp && viewerFunctionRunsOn(rawPath, this.ocspPathPrefix)) {
      this.stats.viewerFunctionRuns++;
      const result = this.viewerRequest({
        version: '1.0',
        context: { eventType: 'viewer-request' },
        viewer: { ip: '127.0.0.1' },
        request: {
          method,
          uri,
          querystring: parseQuery(query),
          headers: functionHeaders(request.headers),
          cookies: {},
        },
      });
      if ('statusCode' in result) return fromFunctionResponse(result);
      uri = result.uri;
    }

    if (!ocsp && method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
      // CloudFront's answer for a method the behaviour does not allow.
      return textResponse(
        403,
        'This distribution is not configured to allow the HTTP request method that was used.',
      );
    }
    const cacheable = method === 'GET' || method === 'HEAD';
    const now = this.props.clock.now().getTime();
    // An expired copy is dropped by the lookup itself.
    const cached = cacheable ? this.cache.get(uri, now) : undefined;
    if (cached) {
      this.stats.hits++;
      const age = String(Math.floor((now - cached.storedAt) / 1000));
      return finish(request, method, {
        ...cached,
        headers: { ...cached.headers, age, 'x-cache': 'Hit from local-cdn' },
      });
    }
    this.stats.misses++;

    let answer: { status: number; headers: Record<string, string>; body: Uint8Array } | undefined;
    if (ocsp) {
      const result = await this.originRequest({
        Records: [
          {
            cf: {
              config: { eventType: 'origin-request' },
              request: {
                method,
                uri,
                querystring: query,
                headers: toCfHeaders(definedHeaders(request.headers)),
                origin: this.origin,
                body: {
                  action: 'read-only',
                  encoding: 'base64',
                  data: Buffer.from(
                    body.buffer,
                    body.byteOffset,
                    Math.min(body.length, MAX_EDGE_BODY_BYTES),
                  ).toString('base64'),
                  inputTruncated: body.length > MAX_EDGE_BODY_BYTES,
                },
              },
            },
          },
        ],
      });
      if ('status' in result) answer = fromCfResponse(result, new Uint8Array(0), this.decoded);
    }
    if (!answer) answer = await this.fetchThroughOrigin(method, uri, query, request, ocsp);

    if (cacheable && method === 'GET') this.store(uri, answer, now);
    // A copy of the headers: the cache keeps its own without x-cache.
    const headers = cacheable && method === 'GET' ? { ...answer.headers } : answer.headers;
    headers['x-cache'] = 'Miss from local-cdn';
    return finish(request, method, { ...answer, headers });
  }

  /** The last base64 body a Lambda@Edge handler returned, decoded: a POST answered from the
   *  handler's memory returns the same string again, which CloudFront would decode every time. */
  private readonly decoded: LastDecoded = { base64: '', bytes: new Uint8Array(0) };

  private async fetchThroughOrigin(
    method: string,
    uri: string,
    query: string,
    request: HttpRequest,
    ocsp: boolean,
  ): Promise<{ status: number; headers: Record<string, string>; body: Uint8Array }> {
    const key = objectKeyOfUri(uri);
    let fetched: OriginFetch = { status: 403, headers: {} };
    if (key !== undefined) {
      this.stats.originFetches++;
      fetched = await fetchFromS3Origin(this.props.primary, key);
      if (!ocsp && this.props.replica && ORIGIN_GROUP_FALLBACK_CODES.includes(fetched.status)) {
        this.stats.originFetches++;
        fetched = await fetchFromS3Origin(this.props.replica, key);
      }
    }
    // The OCSP behaviour has no origin-response function: what its origin-request function lets
    // through (nothing the viewer-request function passes) gets S3's answer as it is.
    if (ocsp)
      return { status: fetched.status, headers: fetched.headers, body: fetched.body ?? new Uint8Array(0) };
    const response = await this.originResponse({
      Records: [
        {
          cf: {
            config: { eventType: 'origin-response' },
            request: {
              method,
              uri,
              querystring: query,
              headers: toCfHeaders(definedHeaders(request.headers)),
              origin: this.origin,
            },
            response: { status: String(fetched.status), headers: toCfHeaders(fetched.headers) },
          },
        },
      ],
    });
    return fromCfResponse(response, fetched.body ?? new Uint8Array(0));
  }

  /** Keeps a response as long as its Cache-Control (s-maxage, max-age) or Expires allows. */
  private store(
    uri: string,
    answer: { status: number; headers: Record<string, string>; body: Uint8Array },
    now: number,
  ) {
    const seconds = freshnessSeconds(answer.headers, now);
    if (seconds > 0 && (answer.status === 200 || answer.status === 404)) {
      const expiresAt = now + seconds * 1000;
      this.cache.set(uri, { ...answer, storedAt: now, expiresAt, generation: ++this.generation }, expiresAt);
    }
  }

  /**
   * Drops the cached copies at once (tests and the demo clearing the cache). CloudFront path
   * semantics: exact paths, or a prefix ending in `*`.
   */
  invalidate(paths: readonly string[]): number {
    return this.drop(paths, Number.POSITIVE_INFINITY);
  }

  /**
   * CloudFront's CreateInvalidation: answers an ID at once; the copies cached before it go when
   * it completes, `invalidationDelayMs` later, and until then are still served.
   */
  createInvalidation(paths: readonly string[]): { id: string } {
    const before = this.generation + 1;
    const record: LocalInvalidation = {
      id: `LOCAL${String(++this.invalidationCount).padStart(6, '0')}`,
      paths: [...paths],
      status: 'InProgress',
      createdAt: this.props.clock.now(),
    };
    const done = new Promise<Date>((resolve) => {
      setTimeout(() => {
        this.drop(paths, before);
        record.status = 'Completed';
        record.completedAt = this.props.clock.now();
        resolve(record.completedAt);
        this.trimInvalidations();
      }, this.props.invalidationDelayMs ?? 100);
    });
    this.invalidations.set(record.id, { record, done });
    this.trimInvalidations();
    return { id: record.id };
  }

  /** Drops the oldest completed records beyond MAX_INVALIDATION_RECORDS (Map order: creation). */
  private trimInvalidations(): void {
    for (const [id, { record }] of this.invalidations) {
      if (this.invalidations.size <= MAX_INVALIDATION_RECORDS) return;
      if (record.status === 'Completed') this.invalidations.delete(id);
    }
  }

  /** CloudFront's GetInvalidation. */
  getInvalidation(id: string): LocalInvalidation | undefined {
    const found = this.invalidations.get(id)?.record;
    return found && { ...found };
  }

  /** Resolves when the invalidation completes; rejects with one line when not within `timeoutMs`. */
  async waitForInvalidation(id: string, timeoutMs: number): Promise<Date> {
    const found = this.invalidations.get(id);
    if (!found) throw new Error(`local CDN has no invalidation ${id}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`local CDN invalidation ${id} was still InProgress after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([found.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Removes cached copies at `paths` stored before generation `before`. */
  private drop(paths: readonly string[], before: number): number {
    const hit = (uri: string) =>
      paths.some((path) => (path.endsWith('*') ? uri.startsWith(path.slice(0, -1)) : uri === path));
    let removed = this.cache.deleteWhere((key, entry) => entry.generation < before && hit(key));
    removed += this.originRequest.forget((key) => hit(`/${key}`));
    this.stats.invalidatedEntries += removed;
    return removed;
  }
}

/** The store with its reads counted (the other operations are the store's own). */
function countingReads(store: ObjectStore, onRead: () => void): ObjectStore {
  const counted = Object.create(store) as ObjectStore;
  counted.get = (key: string) => {
    onRead();
    return store.get(key);
  };
  return counted;
}

function parseQuery(query: string): Record<string, { value: string }> {
  const out: Record<string, { value: string }> = {};
  for (const part of query.split('&')) {
    if (!part) continue;
    const [name = '', value = ''] = part.split('=', 2);
    out[name] = { value };
  }
  return out;
}

function definedHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

function functionHeaders(headers: Record<string, string | undefined>): Record<string, { value: string }> {
  const out: Record<string, { value: string }> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) out[name.toLowerCase()] = { value };
  }
  return out;
}

/** The S3 key CloudFront would ask for; undefined for a URI no published key can have. */
function objectKeyOfUri(uri: string): string | undefined {
  let key: string;
  try {
    key = decodeURIComponent(uri).replace(/^\//, '');
  } catch {
    return undefined;
  }
  if (key === '' || key.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return key;
}

function fromFunctionResponse(response: CfFunctionResponse): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, { value }] of Object.entries(response.headers ?? {})) headers[name] = value;
  const body = response.body
    ? new Uint8Array(Buffer.from(response.body.data, response.body.encoding === 'base64' ? 'base64' : 'utf8'))
    : new Uint8Array(0);
  headers['content-length'] = String(body.length);
  headers['x-cache'] = 'FunctionGeneratedResponse from local-cdn';
  return { status: response.statusCode, headers, body };
}

interface LastDecoded {
  base64: string;
  bytes: Uint8Array;
}

function fromCfResponse(
  response: CfResponse,
  originBody: Uint8Array,
  last?: LastDecoded,
): { status: number; headers: Record<string, string>; body: Uint8Array } {
  let body = originBody;
  if (response.body !== undefined && response.bodyEncoding === 'base64' && last?.base64 === response.body)
    body = last.bytes;
  else if (response.body !== undefined) {
    body = new Uint8Array(Buffer.from(response.body, response.bodyEncoding === 'base64' ? 'base64' : 'utf8'));
    if (last && response.bodyEncoding === 'base64') {
      last.base64 = response.body;
      last.bytes = body;
    }
  }
  const headers = fromCfHeaders(response.headers);
  headers['content-length'] = String(body.length);
  return { status: Number(response.status), headers, body };
}

function freshnessSeconds(headers: Record<string, string>, now: number): number {
  const cacheControl = headers['cache-control'] ?? '';
  if (/\b(no-store|private)\b/.test(cacheControl)) return 0;
  const sMaxAge = /\bs-maxage=(\d+)/.exec(cacheControl);
  const maxAge = /\bmax-age=(\d+)/.exec(cacheControl);
  if (sMaxAge) return Number(sMaxAge[1]);
  if (maxAge) return Number(maxAge[1]);
  if (headers.expires) return Math.max(0, Math.floor((Date.parse(headers.expires) - now) / 1000));
  return 0;
}

/** HEAD drops the body; If-None-Match answers 304 (RFC 9110 §13.1.2). */
function finish(
  request: HttpRequest,
  method: string,
  response: { status: number; headers: Record<string, string>; body: Uint8Array },
): HttpResponse {
  const etag = response.headers.etag;
  const ifNoneMatch = request.headers['if-none-match'];
  if (response.status === 200 && etag && ifNoneMatch) {
    const tags = ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags.includes(etag) || tags.includes('*')) {
      const { 'content-length': _l, 'content-type': _t, ...headers } = response.headers;
      return { status: 304, headers };
    }
  }
  return {
    status: response.status,
    headers: response.headers,
    body: method === 'HEAD' ? undefined : response.body,
  };
}

/**
 * Lambda@Edge handlers, as thin translations between CloudFront's events and the shared services.
 * The Lambda entry points (ocsp-*-lambda.ts) and the local CDN build them with their own stores.
 *
 * Lambda@Edge has no environment variables: the edge policy and the replica bucket travel as
 * custom headers on the S3 origin, which CloudFront puts into every origin event.
 */
import { DEFAULT_CACHE_CAPS, parseCacheCaps } from '../core/serving/cache-policy.ts';
import { nonNegativeIntegerOf } from '../core/encoding/number-text.ts';
import {
  adaptOriginAnswer,
  isOcspStoreUri,
  methodNotAllowedAnswer,
  ocspErrorAnswer,
  type EdgeAnswer,
  type EdgePolicy,
} from '../core/serving/edge-response-policy.ts';
import {
  ABUSE_LABEL_HEADER,
  DEFAULT_UNAUTHORIZED_MAX_AGE_SECONDS,
  ORIGIN_HEADER,
} from '../core/contract/edge-origin-headers.ts';
import { OcspResponder, type RememberedAnswer } from '../services/edge/ocsp-responder.ts';
import { TimedLruCache } from '../core/serving/post-answer-cache.ts';
import { EDGE_POST_CACHE_MAX_ENTRIES, EDGE_POST_CACHE_SECONDS } from '../core/contract/edge-post-cache.ts';
import type { Clock, StoresForOrigin } from '../services/ports.ts';
import {
  fromCfHeaders,
  headerValue,
  toCfHeaders,
  type CfOriginRequestEvent,
  type CfOriginResponseEvent,
  type CfRequest,
  type CfResponse,
  type CfS3Origin,
} from '../core/serving/cloudfront-events.ts';

export interface EdgeHandlerProps {
  storesFor: StoresForOrigin;
  clock: Clock;
}

/** The last origin headers read and their policy: every event of a distribution carries the same. */
let lastPolicy: { caps?: string; unauthorizedMaxAge?: string; policy: EdgePolicy } | undefined;

/** The edge policy configured on the origin (custom headers); a bad header falls back to defaults
 *  rather than failing relying parties' requests. */
function policyOf(origin: CfS3Origin | undefined): EdgePolicy {
  const headers = origin?.s3.customHeaders;
  const capsJson = headerValue(headers, ORIGIN_HEADER.cacheCaps);
  const unauthorizedMaxAge = headerValue(headers, ORIGIN_HEADER.unauthorizedMaxAge);
  if (lastPolicy && lastPolicy.caps === capsJson && lastPolicy.unauthorizedMaxAge === unauthorizedMaxAge)
    return lastPolicy.policy;
  let caps = DEFAULT_CACHE_CAPS;
  try {
    caps = parseCacheCaps(capsJson);
  } catch (error) {
    console.error('ca-repo edge: ignoring a malformed cache caps header:', error);
  }
  const policy: EdgePolicy = {
    caps,
    // max-age of the `unauthorized` answer: 0 is meant (caches keep no answer for an unknown CertID).
    unauthorizedMaxAgeSeconds:
      nonNegativeIntegerOf(unauthorizedMaxAge) ?? DEFAULT_UNAUTHORIZED_MAX_AGE_SECONDS,
  };
  lastPolicy = { caps: capsJson, unauthorizedMaxAge, policy };
  return policy;
}

function toCfResponse(answer: EdgeAnswer): CfResponse {
  // CloudFront sets Content-Length itself for the body it sends.
  const response: CfResponse = {
    status: String(answer.status),
    headers: toCfHeaders(answer.headers, 'content-length'),
  };
  if (answer.body) {
    response.body = answer.bodyBase64 ?? Buffer.from(answer.body).toString('base64');
    response.bodyEncoding = 'base64';
  }
  return response;
}

export interface OcspOriginRequestHandler {
  (event: CfOriginRequestEvent): Promise<CfRequest | CfResponse>;
  /** Drops remembered answers under these store keys (the local CDN's invalidation reaches its
   *  in-process edge; in AWS nothing does, so a publish waits EDGE_POST_CACHE_SECONDS instead). */
  forget(keys: (key: string) => boolean): number;
}

/**
 * The OCSP behaviour's origin-request function: answers POST (from the container's cache or the
 * store) and GET/HEAD cache misses (from the store); CloudFront caches what it generates for a
 * GET and runs no origin-response function on it. Lambda@Edge payload limit for an origin-request
 * body (includeBody): 1 MB, else truncated. One handler is one container: its POST answers cache
 * lives as long as the container.
 */
export function createOcspOriginRequestHandler(
  props: EdgeHandlerProps & { postCacheSeconds?: number },
): OcspOriginRequestHandler {
  const entries = new TimedLruCache<RememberedAnswer>(EDGE_POST_CACHE_MAX_ENTRIES);
  const lifetimeSeconds = Math.min(
    props.postCacheSeconds ?? EDGE_POST_CACHE_SECONDS,
    EDGE_POST_CACHE_SECONDS,
  );
  const handler = async (event: CfOriginRequestEvent): Promise<CfRequest | CfResponse> => {
    const request = event.Records[0]!.cf.request;
    const read = request.method === 'GET' || request.method === 'HEAD';
    // Below the prefix the viewer-request function answers every other method (405) and rewrites a
    // GET's URI to its store key. The prefix itself, where POSTs go, runs no function (one billed
    // run less per POST: core/ocsp/ocsp-path.ts viewerFunctionRunsOn), so what it answered there
    // is answered here: a GET with no request in its path is malformed, another method 405.
    if (read && !isOcspStoreUri(request.uri))
      return toCfResponse(ocspErrorAnswer('malformedRequest', 0, props.clock.now()));
    if (!read && request.method !== 'POST') return toCfResponse(methodNotAllowedAnswer(props.clock.now()));
    const { primary, replica } = props.storesFor(request.origin);
    const responder = new OcspResponder({
      primary,
      replica,
      clock: props.clock,
      policy: policyOf(request.origin),
      cache:
        lifetimeSeconds > 0
          ? { entries, scope: request.origin?.s3.domainName ?? '', lifetimeSeconds }
          : undefined,
    });
    // A GET miss is answered here rather than by S3 plus an origin-response function: one paid
    // invocation instead of two, the same headers (max-age bounded by nextUpdate at answer time),
    // `unauthorized` for a CertID with no stored response, the replica when the primary fails.
    if (read) return toCfResponse(await responder.answerStoredKey(request.uri.slice(1)));
    const body = request.body;
    // A Buffer is a Uint8Array: read in place, not copied.
    const der =
      body && !body.inputTruncated
        ? Buffer.from(body.data, body.encoding === 'base64' ? 'base64' : 'utf8')
        : new Uint8Array(0);
    // Inserted by ca-repo's web ACL (lib/constructs/ocsp-web-acl.ts) when an abuse rule matched.
    const answered = responder.answer(der, headerValue(request.headers, ABUSE_LABEL_HEADER));
    return toCfResponse(answered instanceof Promise ? await answered : answered);
  };
  return Object.assign(handler, {
    forget: (keys: (key: string) => boolean) =>
      entries.deleteWhere((cacheKey) => keys(cacheKey.slice(cacheKey.indexOf('|') + 1))),
  });
}

/**
 * origin-response on the default behaviour (certificates, CRLs, documents, index): RFC 9919
 * headers from ca-repo metadata (a CRL's max-age bounded by its nextUpdate at response time),
 * 403 → 404. The OCSP behaviour has none: its origin-request function answers GET misses itself.
 * The OCSP branches (`unauthorized`, the replica's copy on a 5xx) stay for a distribution deployed
 * before that change, whose OCSP behaviour still sends origin responses here.
 */
export function createOriginResponseHandler(props: EdgeHandlerProps) {
  return async (event: CfOriginResponseEvent): Promise<CfResponse> => {
    const { request, response } = event.Records[0]!.cf;
    const policy = policyOf(request.origin);
    const now = props.clock.now();
    const status = Number(response.status);
    if (status >= 500 && isOcspStoreUri(request.uri)) {
      const { primary, replica } = props.storesFor(request.origin);
      if (replica) {
        const responder = new OcspResponder({ primary, replica, clock: props.clock, policy });
        const fetched = await responder.fetch(request.uri.slice(1));
        const answer = adaptOriginAnswer(request.uri, fetched, now, policy);
        return toCfResponse(answer.body ? answer : { ...answer, body: fetched.body });
      }
    }
    const answer = adaptOriginAnswer(
      request.uri,
      { status, headers: fromCfHeaders(response.headers) },
      now,
      policy,
    );
    const adapted = toCfResponse(answer);
    adapted.statusDescription =
      answer.status === 200 ? 'OK' : answer.status === 404 ? 'Not Found' : response.statusDescription;
    return adapted;
  };
}

/**
 * Answers an OCSP request body (POST, RFC 6960 Appendix A.1) from the pre-generated responses:
 * parse the CertID, read its object from the primary store, from the replica when the primary
 * fails, and answer exactly what a GET for the same CertID would get. GET cache misses on the OCSP
 * behaviour are answered here too (answerStoredKey), so no origin-response function runs for them.
 *
 * With a `cache` (the container's, see edge-handlers.ts), a stored OCSP response read once is
 * answered from memory for EDGE_POST_CACHE_SECONDS at most and never past its nextUpdate; its
 * headers are still computed at answer time, so max-age keeps counting down to nextUpdate.
 */
import {
  adaptOriginAnswer,
  ocspErrorAnswer,
  storedObjectAnswer,
  storedServingParts,
  type EdgeAnswer,
  type EdgePolicy,
} from '../../core/serving/edge-response-policy.ts';
import type { ServingParts } from '../../core/serving/cache-policy.ts';
import { ocspObjectKey } from '../../core/ocsp/ocsp-object-key.ts';
import { META, readMetaTime } from '../../core/serving/cache-policy.ts';
import { cachedAnswerExpiry, type TimedLruCache } from '../../core/serving/post-answer-cache.ts';
import { MAX_OCSP_REQUEST_BYTES, parseOcspRequest } from '../../core/ocsp/ocsp-request.ts';
import type { Clock, ObjectStore } from '../ports.ts';
import { fetchFromS3Origin, type OriginFetch } from './s3-origin.ts';

export interface OcspResponderProps {
  primary: ObjectStore;
  replica?: ObjectStore;
  clock: Clock;
  policy: EdgePolicy;
  cache?: PostAnswerCache;
}

/** One container's memory of stored answers; `scope` keeps apart the stores of different origins. */
export interface PostAnswerCache {
  entries: TimedLruCache<RememberedAnswer>;
  scope: string;
  lifetimeSeconds: number;
}

/**
 * A stored OCSP response as a container remembers it: S3's answer read once into what every
 * answer from it needs (the headers' parts that do not depend on the time, the body in base64 as
 * Lambda@Edge returns it); Date and max-age are still computed per answer.
 */
export interface RememberedAnswer {
  fetched: OriginFetch;
  parts: ServingParts;
  bodyBase64: string;
}

export class OcspResponder {
  constructor(private readonly props: OcspResponderProps) {}

  /**
   * `abuseLabel`: the edge's abuse limits (WAF) labelled this POST (too many from its address, or an
   * address of ill repute). It is answered `tryLater` (RFC 6960 §2.3: HTTP 200, what OCSP clients
   * expect of a busy responder), not cached, without reading the store.
   */
  answer(requestDer: Uint8Array, abuseLabel?: string): EdgeAnswer | Promise<EdgeAnswer> {
    const now = this.props.clock.now();
    if (abuseLabel) return ocspErrorAnswer('tryLater', 0, now);
    const certId = requestDer.length <= MAX_OCSP_REQUEST_BYTES ? parseOcspRequest(requestDer) : null;
    if (!certId) return ocspErrorAnswer('malformedRequest', 0, now);
    const key = ocspObjectKey(certId);
    // A remembered answer is made without a promise: most POSTs are answered so.
    const cache = this.props.cache;
    const hit = cache?.entries.get(`${cache.scope}|${key}`, now.getTime());
    if (hit) return this.answerRemembered(key, hit, now);
    return this.fetchCached(key, now).then((read) =>
      'parts' in read ? this.answerRemembered(key, read, now) : this.answerFetched(key, read, now),
    );
  }

  private answerRemembered(key: string, remembered: RememberedAnswer, now: Date): EdgeAnswer {
    const answer = storedObjectAnswer(`/${key}`, remembered.parts, now, this.props.policy);
    answer.body = remembered.fetched.body;
    answer.bodyBase64 = remembered.bodyBase64;
    return answer;
  }

  /**
   * A GET (or HEAD) cache miss for a stored key, which the viewer-request function made the URI:
   * read now, never from the container's memory. A CloudFront invalidation does not reach that
   * memory, and CloudFront caches what this returns for its s-maxage (up to the response's refresh
   * deadline, core/serving/ocsp-edge-lifetime.ts), so an answer remembered from before a
   * revocation would outlive the invalidation by days. Headers are computed at answer time, as
   * the origin-response handler computes them for the default behaviour.
   */
  async answerStoredKey(key: string): Promise<EdgeAnswer> {
    return this.answerFetched(key, await this.fetch(key), this.props.clock.now());
  }

  private answerFetched(key: string, fetched: OriginFetch, now: Date): EdgeAnswer {
    const answer = adaptOriginAnswer(`/${key}`, fetched, now, this.props.policy);
    return answer.body ? answer : { ...answer, body: fetched.body };
  }

  /**
   * Reads a key the container does not remember. Only a stored OCSP response with a nextUpdate is
   * kept: never an error, an `unauthorized`, a 5xx. What is read now is answered from its
   * remembered form too, so both answers are made alike.
   */
  private async fetchCached(key: string, now: Date): Promise<OriginFetch | RememberedAnswer> {
    const cache = this.props.cache;
    if (!cache) return this.fetch(key);
    const cacheKey = `${cache.scope}|${key}`;
    const fetched = await this.fetch(key);
    if (
      fetched.status === 200 &&
      fetched.body &&
      fetched.headers[`x-amz-meta-${META.kind}`] === 'ocsp-response'
    ) {
      const nextUpdate = readMetaTime(fetched.headers[`x-amz-meta-${META.nextUpdate}`]);
      const expiry = cachedAnswerExpiry(now.getTime(), nextUpdate, cache.lifetimeSeconds);
      if (expiry !== undefined) {
        const remembered: RememberedAnswer = {
          fetched,
          parts: storedServingParts(fetched.headers),
          bodyBase64: Buffer.from(fetched.body).toString('base64'),
        };
        cache.entries.set(cacheKey, remembered, expiry);
        return remembered;
      }
    }
    return fetched;
  }

  /** Reads one object like the CDN's origin group would: primary, then replica on a failure. */
  async fetch(key: string): Promise<OriginFetch> {
    const primary = await fetchFromS3Origin(this.props.primary, key);
    if (primary.status < 500 || !this.props.replica) return primary;
    return fetchFromS3Origin(this.props.replica, key);
  }
}

/**
 * Answers an OCSP request body (POST, RFC 6960 Appendix A.1) from the pre-generated responses:
 * parse the CertID, read its object from the primary store, from the replica when the primary
 * fails, and answer exactly what a GET for the same CertID would get.
 */
import {
  adaptOriginAnswer,
  ocspErrorAnswer,
  type EdgeAnswer,
  type EdgePolicy,
} from '../../core/serving/edge-response-policy.ts';
import { ocspObjectKey } from '../../core/ocsp/ocsp-object-key.ts';
import { MAX_OCSP_REQUEST_BYTES, parseOcspRequest } from '../../core/ocsp/ocsp-request.ts';
import type { Clock, ObjectStore } from '../ports.ts';
import { fetchFromS3Origin, type OriginFetch } from './s3-origin.ts';

export interface OcspResponderProps {
  primary: ObjectStore;
  replica?: ObjectStore;
  clock: Clock;
  policy: EdgePolicy;
}

export class OcspResponder {
  constructor(private readonly props: OcspResponderProps) {}

  /**
   * `abuseLabel`: the edge's abuse limits (WAF) labelled this POST (too many from its address, or an
   * address of ill repute). It is answered `tryLater` (RFC 6960 §2.3: HTTP 200, what OCSP clients
   * expect of a busy responder), not cached, without reading the store.
   */
  async answer(requestDer: Uint8Array, abuseLabel?: string): Promise<EdgeAnswer> {
    const now = this.props.clock.now();
    if (abuseLabel) return ocspErrorAnswer('tryLater', 0, now);
    const certId = requestDer.length <= MAX_OCSP_REQUEST_BYTES ? parseOcspRequest(requestDer) : null;
    if (!certId) return ocspErrorAnswer('malformedRequest', 0, now);
    const key = ocspObjectKey(certId);
    const fetched = await this.fetch(key);
    const answer = adaptOriginAnswer(`/${key}`, fetched, now, this.props.policy);
    return answer.body ? answer : { ...answer, body: fetched.body };
  }

  /** Reads one object like the CDN's origin group would: primary, then replica on a failure. */
  async fetch(key: string): Promise<OriginFetch> {
    const primary = await fetchFromS3Origin(this.props.primary, key);
    if (primary.status < 500 || !this.props.replica) return primary;
    return fetchFromS3Origin(this.props.replica, key);
  }
}

/**
 * Lambda@Edge has no environment variables: the edge policy and the replica bucket travel as
 * custom headers on the S3 origin (set by lib/constructs/distribution.ts), which CloudFront puts
 * into every origin event the handlers read.
 */
export const ORIGIN_HEADER = {
  replicaDomain: 'x-ca-repo-replica-domain',
  /** JSON of CacheCaps (lambda/core/serving/cache-policy.ts), the same caps the publisher uses. */
  cacheCaps: 'x-ca-repo-cache-caps',
  unauthorizedMaxAge: 'x-ca-repo-unauthorized-max-age',
} as const;

export const DEFAULT_UNAUTHORIZED_MAX_AGE_SECONDS = 60;

/** AWS WAF prefixes every header it inserts into a request with this. */
export const WAF_INSERTED_HEADER_PREFIX = 'x-amzn-waf-';
/**
 * The header ca-repo's web ACL inserts (lib/constructs/ocsp-web-acl.ts) into an OCSP POST that one
 * of its count-and-label rules matched; its value names the rule. The origin-request function
 * answers such a POST `tryLater` (RFC 6960 §2.3) instead of reading S3. A client that sends the
 * header itself only slows itself down.
 */
export const ABUSE_LABEL_HEADER_NAME = 'ca-repo-abuse-label';
export const ABUSE_LABEL_HEADER = `${WAF_INSERTED_HEADER_PREFIX}${ABUSE_LABEL_HEADER_NAME}`;
/** Header values: which rule matched. */
export const ABUSE_LABELS = { rate: 'ocsp-post-rate', ipReputation: 'ip-reputation' } as const;

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

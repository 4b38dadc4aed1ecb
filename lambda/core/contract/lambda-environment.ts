/**
 * The names of the environment variables a CDK construct sets and a Lambda handler reads: both
 * sides import them from here, so a renamed variable cannot leave one side reading nothing.
 * test/infra/lambda-environment.test.ts holds each synthesized function's variables to the names
 * its handler reads.
 */

/** The publish dispatcher and workers: lib/constructs/publisher.ts → lambda/handlers/publish-lambda-environment.ts. */
export const PUBLISH_ENVIRONMENT = {
  ingestBucket: 'INGEST_BUCKET',
  repositoryBucket: 'REPOSITORY_BUCKET',
  /** The work queue; absent, the dispatcher publishes each bundle itself. */
  publishQueueUrl: 'PUBLISH_QUEUE_URL',
  /** Path (or URL) of the OCSP responder written into index.json. */
  ocspUrl: 'OCSP_URL',
  /** The distribution to invalidate; absent, none is. */
  distributionId: 'DISTRIBUTION_ID',
  /** Where the trust layer mounts the pinned CA certificates. */
  trustDir: 'TRUST_DIR',
  /** JSON of the cache caps (lambda/core/serving/cache-policy.ts). */
  cacheCaps: 'CACHE_CAPS',
  /** The repository's public base URLs, comma-separated, the first the primary (core/publish/public-urls.ts). */
  publicBaseUrls: 'PUBLIC_BASE_URLS',
  /** JSON of each pinned CA's lint profile, CRL scope and retirement (core/publish/ca-policy.ts). */
  caPolicies: 'CA_POLICIES',
} as const;

/** The health checker: lib/constructs/health-checker.ts → lambda/handlers/health-lambda-environment.ts. */
export const HEALTH_ENVIRONMENT = {
  /** Base URLs to probe, comma-separated. */
  repositoryUrls: 'REPOSITORY_URLS',
  ledgerBucket: 'LEDGER_BUCKET',
  trustDir: 'TRUST_DIR',
  /** The sentinels file (lambda/core/contract/sentinels-file.ts); absent, OCSP is not probed. */
  sentinelsFile: 'SENTINELS_FILE',
  metricNamespace: 'METRIC_NAMESPACE',
  probeTimeoutMs: 'PROBE_TIMEOUT_MS',
  /** Set together when a replica Region exists: the CRL replica comparison reads both buckets. */
  repositoryBucket: 'REPOSITORY_BUCKET',
  replicaBucket: 'REPLICA_BUCKET',
  replicaRegion: 'REPLICA_REGION',
  /** JSON of each pinned CA's CRL scope and OCSP coverage: its CRL reissue deadline (BR §4.9.7). */
  caPolicies: 'CA_POLICIES',
  /** Set by the Lambda runtime, never by a construct: the Region each run records (ProbeRun.region). */
  region: 'AWS_REGION',
  /**
   * Read by the handler but set by no construct (no configuration field reaches them): they take
   * effect only when set on the function by hand, overriding index.json's responder URL and the
   * probe's thresholds (lambda/core/health/health-thresholds.ts).
   */
  ocspUrl: 'OCSP_URL',
  crlMarginHours: 'CRL_MARGIN_HOURS',
  crlMaxAgeHours: 'CRL_MAX_AGE_HOURS',
  ocspMaxAgeHours: 'OCSP_MAX_AGE_HOURS',
} as const;

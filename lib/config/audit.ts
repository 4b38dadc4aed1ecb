/**
 * The audit-grade settings (docs/deploy.md §10): Object Lock on the repository, its replica and the
 * health ledger, the CloudTrail trail of who wrote what, the OCSP POST abuse limits at the edge,
 * reserved concurrency, and the cost-allocation tags put on every resource.
 */
import {
  ConfigError,
  check,
  integer,
  knownFields,
  object,
  optionalBoolean,
  optionalString,
} from './fields.ts';

/** S3 accepts a default retention of up to 100 years. */
export const MAX_OBJECT_LOCK_DAYS = 36_500;
export const OBJECT_LOCK_MODES = ['GOVERNANCE', 'COMPLIANCE'] as const;
export type ObjectLockMode = (typeof OBJECT_LOCK_MODES)[number];

/**
 * S3 Object Lock default retention. GOVERNANCE: an operator holding s3:BypassGovernanceRetention can
 * still remove a mistaken object; COMPLIANCE: nobody can, not even the root user, until it expires.
 */
export interface ObjectLockConfig {
  mode: ObjectLockMode;
  retentionDays: number;
}

/** The CloudTrail trail of S3 writes to the ingest and repository buckets, in its own locked bucket. */
export interface AuditTrailConfig {
  enabled: boolean;
  /** Days each log file is locked and kept. */
  retentionDays: number;
}

/** The WAF web ACL on the distribution: rules that only count and label OCSP POSTs. */
export interface AbuseLimitsConfig {
  enabled: boolean;
  /** OCSP POSTs one IP address may send in 5 minutes before its POSTs are answered tryLater. */
  ocspPostsPerIpPer5Minutes: number;
  /** Answer tryLater to OCSP POSTs from addresses on AWS's IP reputation list. */
  ipReputation: boolean;
}

/** Concurrency reserved for the functions a runaway elsewhere in the account must not starve. */
export interface ReservedConcurrencyConfig {
  publishDispatcher: number;
  healthChecker: number;
}

export function readObjectLock(raw: unknown): ObjectLockConfig | undefined {
  if (raw === undefined) return undefined;
  const c = object(raw, 'objectLock');
  knownFields(c, 'objectLock', ['mode', 'retentionDays']);
  const mode = optionalString(c, 'mode', 'objectLock.') ?? 'GOVERNANCE';
  check(
    (OBJECT_LOCK_MODES as readonly string[]).includes(mode),
    'objectLock.mode',
    `must be ${OBJECT_LOCK_MODES.join(' or ')}`,
  );
  return {
    mode: mode as ObjectLockMode,
    retentionDays: integer(c, 'retentionDays', 30, 1, MAX_OBJECT_LOCK_DAYS, 'objectLock.'),
  };
}

export function readAuditTrail(raw: unknown, logRetentionDays: number): AuditTrailConfig {
  const c = raw === undefined ? {} : object(raw, 'auditTrail');
  knownFields(c, 'auditTrail', ['enabled', 'retentionDays']);
  return {
    enabled: optionalBoolean(c, 'enabled', true, 'auditTrail.'),
    retentionDays: integer(c, 'retentionDays', logRetentionDays, 1, MAX_OBJECT_LOCK_DAYS, 'auditTrail.'),
  };
}

/** AWS WAF accepts rate limits from 10 to 2,000,000,000 requests per evaluation window. */
const MIN_RATE_LIMIT = 10;

export function readAbuseLimits(raw: unknown, webAclArn: string | undefined): AbuseLimitsConfig {
  const c = raw === undefined ? {} : object(raw, 'abuseLimits');
  knownFields(c, 'abuseLimits', ['enabled', 'ocspPostsPerIpPer5Minutes', 'ipReputation']);
  // An operator's own web ACL (webAclArn) replaces ca-repo's: both cannot be on the distribution.
  const enabled = optionalBoolean(c, 'enabled', webAclArn === undefined, 'abuseLimits.');
  if (enabled && webAclArn !== undefined) {
    throw new ConfigError(
      'abuseLimits: a distribution takes one web ACL: set "abuseLimits": {"enabled": false} to use webAclArn, or remove webAclArn',
    );
  }
  return {
    enabled,
    ocspPostsPerIpPer5Minutes: integer(
      c,
      'ocspPostsPerIpPer5Minutes',
      1000,
      MIN_RATE_LIMIT,
      2_000_000_000,
      'abuseLimits.',
    ),
    ipReputation: optionalBoolean(c, 'ipReputation', true, 'abuseLimits.'),
  };
}

export function readReservedConcurrency(raw: unknown): ReservedConcurrencyConfig {
  const c = raw === undefined ? {} : object(raw, 'reservedConcurrency');
  knownFields(c, 'reservedConcurrency', ['publishDispatcher', 'healthChecker']);
  return {
    publishDispatcher: integer(c, 'publishDispatcher', 5, 1, 1000, 'reservedConcurrency.'),
    healthChecker: integer(c, 'healthChecker', 2, 1, 10, 'reservedConcurrency.'),
  };
}

/** Tag keys and values as AWS accepts them everywhere (the strictest service rules). */
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
/** Always put on every resource: activate it as a cost-allocation tag to see ca-repo's bill. */
export const DEPLOYMENT_TAG = 'ca-repo:deployment';

export function readTags(raw: unknown, name: string): Record<string, string> {
  const tags: Record<string, string> = { [DEPLOYMENT_TAG]: name };
  if (raw === undefined) return tags;
  const c = object(raw, 'tags');
  for (const [key, value] of Object.entries(c)) {
    check(TAG_KEY.test(key), 'tags', `"${key}" is not a tag key AWS accepts (1-128 characters, not aws:)`);
    check(
      typeof value === 'string' && TAG_VALUE.test(value),
      `tags.${key}`,
      'must be a string of at most 256 letters, digits, spaces and _.:/=+-@',
    );
    check(key !== DEPLOYMENT_TAG, `tags.${key}`, `is set by ca-repo to the configuration's name`);
    tags[key] = value;
  }
  return tags;
}

/**
 * The deployment configuration: one JSON file, validated into a typed `CaRepoConfig` before any
 * construct is created. Every problem names the field, so an operator fixes the file, not the code.
 * Only `bin/` reads files and the environment; constructs get plain values.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DEFAULT_CACHE_CAPS, type CacheCaps } from '../lambda/core/serving/cache-policy.ts';
import { checkSentinel, SentinelError, type Sentinel } from '../lambda/core/health/sentinel.ts';
import {
  DEFAULT_OCSP_PATH_PREFIX,
  OcspPathPrefixError,
  parseOcspPathPrefix,
} from '../lambda/core/ocsp/ocsp-path.ts';
import {
  MAX_OBJECT_LOCK_DAYS,
  readAbuseLimits,
  readAuditTrail,
  readObjectLock,
  readReservedConcurrency,
  readTags,
  type AbuseLimitsConfig,
  type AuditTrailConfig,
  type ObjectLockConfig,
  type ReservedConcurrencyConfig,
} from './config/audit.ts';
import { readCaCertificates, readCertificateFile } from './config/certificates.ts';
import {
  ConfigError,
  check,
  integer,
  object,
  optionalString,
  requiredString,
  stringArray,
} from './config/fields.ts';
import { readCaPolicies, readPublicBaseUrls } from './config/revocation.ts';
import type { CaPolicy } from '../lambda/core/publish/ca-policy.ts';
import {
  readUploaderIdentity,
  readUploaderSources,
  type UploaderIdentity,
  type UploaderSources,
} from './config/uploader.ts';

export { ConfigError } from './config/fields.ts';
export type { UploaderIdentity, UploaderSources } from './config/uploader.ts';
export type {
  AbuseLimitsConfig,
  AuditTrailConfig,
  ObjectLockConfig,
  ObjectLockMode,
  ReservedConcurrencyConfig,
} from './config/audit.ts';

/** Values CloudWatch Logs accepts for a retention period (the same number bounds S3 log retention). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Price classes whose edge locations include Japan (PriceClass_100 is North America and Europe only). */
export const PRICE_CLASSES = ['PriceClass_200', 'PriceClass_All'] as const;
export type PriceClassName = (typeof PRICE_CLASSES)[number];

/** An OCSP sentinel of the health checker, read from its files. */
export interface HealthSentinelConfig extends Sentinel {
  /** Absolute path of the sentinel certificate file. */
  certificateFile: string;
  /** Absolute path of the issuer file, when one was given (else the issuer was found in `trust`). */
  issuerFile?: string;
}

export interface HealthConfig {
  /** Deploy the scheduled health checker (ledger, alarms, dashboard). Default true. */
  enabled: boolean;
  /** Probe interval of the health checker (issue 5). */
  scheduleMinutes: number;
  /** Receives every alarm (publish failures and health probes); used even with `enabled: false`. */
  alarmEmail?: string;
  /** Certificates whose OCSP status the checker asks for on every run (GET and POST). */
  sentinels: HealthSentinelConfig[];
  /** S3 Object Lock (compliance mode) on every ledger record for this many days; absent: none. */
  objectLockRetentionDays?: number;
}

export interface CaRepoConfig {
  /** Prefix of stack and bucket names: stacks `<name>`, `<name>-replica`, `<name>-edge`. */
  name: string;
  account: string;
  primaryRegion: string;
  replicaRegion?: string;
  /** Absolute paths of the pinned CA certificate files. */
  trust: string[];
  /** DER of every pinned CA certificate found in those files (a PEM file may hold several). */
  trustCertificates: Uint8Array[];
  domainNames?: string[];
  /** ACM certificate in us-east-1 covering `domainNames`. */
  certificateArn?: string;
  /** Path prefix of the OCSP URL, e.g. `/ocsp` (no trailing slash). */
  ocspPathPrefix: string;
  cacheCaps: CacheCaps;
  /** max-age of the `unauthorized` answer for a CertID with no stored response. */
  ocspUnauthorizedMaxAgeSeconds: number;
  logRetentionDays: number;
  storageClass: 'STANDARD';
  /** Days a replaced object version is kept before S3 deletes it. */
  noncurrentVersionRetentionDays: number;
  /** Days uploaded bundles stay in the ingest bucket (receipts stay four times as long). */
  ingestRetentionDays: number;
  health: HealthConfig;
  uploaderSources: UploaderSources;
  uploaderIdentity: UploaderIdentity;
  priceClass: PriceClassName;
  /** An operator's own WAFv2 web ACL (scope CLOUDFRONT, so in us-east-1), instead of ca-repo's. */
  webAclArn?: string;
  /** Object Lock on the repository, replica and ledger buckets; absent: none (docs/deploy.md §10). */
  objectLock?: ObjectLockConfig;
  auditTrail: AuditTrailConfig;
  abuseLimits: AbuseLimitsConfig;
  reservedConcurrency: ReservedConcurrencyConfig;
  /** Put on every resource of every stack (cost allocation); always holds `ca-repo:deployment`. */
  tags: Record<string, string>;
  /** Public base URLs relying parties use (`http://repo.example.jp`); empty: the CloudFront domain. */
  publicBaseUrls: string[];
  /** Per pinned CA (by certificate SHA-256): lint profile, CRL scope, retirement. */
  caPolicies: Record<string, CaPolicy>;
}

const NAME = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[A-Za-z0-9_-]+\/[A-Za-z0-9-]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** S3 classes that keep an object in a single Availability Zone. */
const SINGLE_AZ_CLASSES = ['ONEZONE_IA', 'EXPRESS_ONEZONE', 'REDUCED_REDUNDANCY'];
const KNOWN_FIELDS = new Set([
  '$schema',
  '$comment',
  'name',
  'account',
  'primaryRegion',
  'replicaRegion',
  'trust',
  'domainNames',
  'certificateArn',
  'ocspPathPrefix',
  'cacheCaps',
  'ocspUnauthorizedMaxAgeSeconds',
  'logRetentionDays',
  'storageClass',
  'noncurrentVersionRetentionDays',
  'ingestRetentionDays',
  'health',
  'uploaderSources',
  'uploaderIdentity',
  'priceClass',
  'webAclArn',
  'objectLock',
  'auditTrail',
  'abuseLimits',
  'reservedConcurrency',
  'tags',
  'publicBaseUrls',
  'caPolicies',
]);

/** Reads, validates and resolves a configuration file; trust paths are relative to the file. */
export async function loadConfig(file: string): Promise<CaRepoConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not JSON: ${(error as Error).message}`);
  }
  try {
    return await validateConfig(raw, dirname(resolve(file)));
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${file}: ${error.message}`);
    throw error;
  }
}

/** Validates parsed JSON; `baseDir` resolves relative trust paths. */
export async function validateConfig(raw: unknown, baseDir: string): Promise<CaRepoConfig> {
  const c = object(raw, 'configuration');
  for (const key of Object.keys(c)) {
    if (!KNOWN_FIELDS.has(key)) throw new ConfigError(`unknown field "${key}" (misspelt?)`);
  }
  const name = optionalString(c, 'name') ?? 'ca-repo';
  check(NAME.test(name), 'name', 'must be 2-20 lowercase letters, digits or hyphens, starting with a letter');
  const account = requiredString(c, 'account');
  check(ACCOUNT.test(account), 'account', 'must be a 12-digit AWS account ID');
  const primaryRegion = requiredString(c, 'primaryRegion');
  check(REGION.test(primaryRegion), 'primaryRegion', `"${primaryRegion}" is not an AWS Region name`);
  const replicaRegion = optionalString(c, 'replicaRegion');
  if (replicaRegion !== undefined) {
    check(REGION.test(replicaRegion), 'replicaRegion', `"${replicaRegion}" is not an AWS Region name`);
    check(replicaRegion !== primaryRegion, 'replicaRegion', 'must differ from primaryRegion');
  }

  const storageClass = optionalString(c, 'storageClass') ?? 'STANDARD';
  if (SINGLE_AZ_CLASSES.includes(storageClass.toUpperCase())) {
    throw new ConfigError(
      `storageClass: ${storageClass} stores data in one Availability Zone; use STANDARD (the repository must survive the loss of an Availability Zone)`,
    );
  }
  check(
    storageClass === 'STANDARD',
    'storageClass',
    `only STANDARD is supported (S3 Standard keeps every object in at least three Availability Zones); got ${storageClass}`,
  );

  const trustPaths = stringArray(c, 'trust', { required: true });
  check(trustPaths.length > 0, 'trust', 'list at least one pinned CA certificate file');
  const trust = trustPaths.map((p) => (isAbsolute(p) ? p : resolve(baseDir, p)));
  const trustCertificates = await readCaCertificates(trust, 'trust');

  const domainNames = c.domainNames === undefined ? undefined : stringArray(c, 'domainNames');
  const certificateArn = optionalString(c, 'certificateArn');
  if (domainNames !== undefined) {
    check(domainNames.length > 0, 'domainNames', 'omit the field or list at least one name');
    for (const d of domainNames) check(DOMAIN.test(d), 'domainNames', `"${d}" is not a lowercase DNS name`);
    check(certificateArn !== undefined, 'certificateArn', 'is required with domainNames (ACM, us-east-1)');
  }
  if (certificateArn !== undefined) {
    check(domainNames !== undefined, 'domainNames', 'are required with certificateArn');
    check(
      ACM_ARN.test(certificateArn),
      'certificateArn',
      'must be an ACM certificate ARN in us-east-1 (CloudFront only uses certificates from us-east-1)',
    );
  }

  const ocspPathPrefix = readOcspPathPrefix(optionalString(c, 'ocspPathPrefix') ?? DEFAULT_OCSP_PATH_PREFIX);

  const cacheCaps = readCacheCaps(c.cacheCaps);
  const ocspUnauthorizedMaxAgeSeconds = integer(c, 'ocspUnauthorizedMaxAgeSeconds', 60, 0, 3600);
  const logRetentionDays = integer(c, 'logRetentionDays', 400, 1, 3653);
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays),
    'logRetentionDays',
    `must be one of the CloudWatch Logs retention values: ${LOG_RETENTION_DAYS.join(', ')}`,
  );
  const noncurrentVersionRetentionDays = integer(c, 'noncurrentVersionRetentionDays', 30, 1, 3650);
  const ingestRetentionDays = integer(c, 'ingestRetentionDays', 14, 1, 365);
  const health = await readHealth(c.health, baseDir, trustCertificates);
  const uploaderSources = readUploaderSources(c.uploaderSources);
  const uploaderIdentity = await readUploaderIdentity(c.uploaderIdentity, baseDir, trustCertificates);

  const priceClass = optionalString(c, 'priceClass') ?? 'PriceClass_200';
  if (priceClass === 'PriceClass_100') {
    throw new ConfigError(
      'priceClass: PriceClass_100 serves only from North America and Europe, so relying parties in Japan would fetch CRLs and OCSP across the Pacific; use PriceClass_200 or PriceClass_All',
    );
  }
  check(
    (PRICE_CLASSES as readonly string[]).includes(priceClass),
    'priceClass',
    `must be one of ${PRICE_CLASSES.join(', ')}`,
  );
  const webAclArn = optionalString(c, 'webAclArn');
  if (webAclArn !== undefined) {
    check(
      WEB_ACL_ARN.test(webAclArn),
      'webAclArn',
      'must be a WAFv2 web ACL ARN with scope CLOUDFRONT (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID)',
    );
  }
  const objectLock = readObjectLock(c.objectLock);

  return {
    name,
    account,
    primaryRegion,
    ...(replicaRegion ? { replicaRegion } : {}),
    trust,
    trustCertificates,
    ...(domainNames ? { domainNames } : {}),
    ...(certificateArn ? { certificateArn } : {}),
    ocspPathPrefix,
    cacheCaps,
    ocspUnauthorizedMaxAgeSeconds,
    logRetentionDays,
    storageClass: 'STANDARD',
    noncurrentVersionRetentionDays,
    ingestRetentionDays,
    health,
    uploaderSources,
    uploaderIdentity,
    priceClass: priceClass as PriceClassName,
    ...(webAclArn ? { webAclArn } : {}),
    ...(objectLock ? { objectLock } : {}),
    auditTrail: readAuditTrail(c.auditTrail, logRetentionDays),
    abuseLimits: readAbuseLimits(c.abuseLimits, webAclArn),
    reservedConcurrency: readReservedConcurrency(c.reservedConcurrency),
    tags: readTags(c.tags, name),
    publicBaseUrls: readPublicBaseUrls(c, domainNames),
    caPolicies: await readCaPolicies(c.caPolicies, baseDir, trustCertificates),
  };
}

/** The distribution serves the repository on the same host names, so `/` alone is refused. */
function readOcspPathPrefix(text: string): string {
  try {
    return parseOcspPathPrefix(text, { wholeHost: false });
  } catch (error) {
    if (error instanceof OcspPathPrefixError) throw new ConfigError(`ocspPathPrefix: ${error.message}`);
    throw error;
  }
}

function readCacheCaps(raw: unknown): CacheCaps {
  if (raw === undefined) return { ...DEFAULT_CACHE_CAPS };
  const c = object(raw, 'cacheCaps');
  const caps = { ...DEFAULT_CACHE_CAPS };
  for (const key of Object.keys(c)) {
    if (!(key in caps)) {
      throw new ConfigError(
        `cacheCaps: unknown field "${key}"; known: ${Object.keys(DEFAULT_CACHE_CAPS).join(', ')}`,
      );
    }
    caps[key as keyof CacheCaps] = integer(c, key, 0, 0, 86_400, 'cacheCaps.');
  }
  return caps;
}

const HEALTH_FIELDS = ['enabled', 'scheduleMinutes', 'alarmEmail', 'sentinels', 'objectLockRetentionDays'];
const SENTINEL_FIELDS = ['certificate', 'issuer', 'expectedStatus', 'hashAlgorithm'];

async function readHealth(
  raw: unknown,
  baseDir: string,
  trustCertificates: readonly Uint8Array[],
): Promise<HealthConfig> {
  if (raw === undefined) return { enabled: true, scheduleMinutes: 1, sentinels: [] };
  const h = object(raw, 'health');
  for (const key of Object.keys(h)) {
    if (!HEALTH_FIELDS.includes(key)) {
      throw new ConfigError(`health: unknown field "${key}"; known: ${HEALTH_FIELDS.join(', ')}`);
    }
  }
  const enabled = h.enabled ?? true;
  check(typeof enabled === 'boolean', 'health.enabled', 'must be true or false');
  const scheduleMinutes = integer(h, 'scheduleMinutes', 1, 1, 60, 'health.');
  const alarmEmail = optionalString(h, 'alarmEmail', 'health.');
  if (alarmEmail !== undefined)
    check(EMAIL.test(alarmEmail), 'health.alarmEmail', 'is not an e-mail address');
  let objectLockRetentionDays: number | undefined;
  if (h.objectLockRetentionDays !== undefined) {
    objectLockRetentionDays = integer(h, 'objectLockRetentionDays', 0, 1, MAX_OBJECT_LOCK_DAYS, 'health.');
  }
  const sentinels: HealthSentinelConfig[] = [];
  if (h.sentinels !== undefined) {
    check(
      Array.isArray(h.sentinels),
      'health.sentinels',
      'must be an array of {certificate, issuer?, expectedStatus, hashAlgorithm?}',
    );
    for (const [index, entry] of (h.sentinels as unknown[]).entries()) {
      sentinels.push(await readSentinel(entry, `health.sentinels[${index}]`, baseDir, trustCertificates));
    }
  }
  return {
    enabled,
    scheduleMinutes,
    ...(alarmEmail ? { alarmEmail } : {}),
    sentinels,
    ...(objectLockRetentionDays !== undefined ? { objectLockRetentionDays } : {}),
  };
}

/**
 * One sentinel: its certificate file (PEM or DER, exactly one certificate), the issuer (a file, or
 * found among the pinned CAs when omitted), the status the CA's OCSP responses must give it.
 * The issuer must be a pinned CA and must have issued the certificate: otherwise every probe of
 * the deployed checker would fail, and the publish gate would never accept responses for it.
 */
async function readSentinel(
  raw: unknown,
  field: string,
  baseDir: string,
  trustCertificates: readonly Uint8Array[],
): Promise<HealthSentinelConfig> {
  const s = object(raw, field);
  for (const key of Object.keys(s)) {
    if (!SENTINEL_FIELDS.includes(key)) {
      throw new ConfigError(`${field}: unknown field "${key}"; known: ${SENTINEL_FIELDS.join(', ')}`);
    }
  }
  const certificatePath = optionalString(s, 'certificate', `${field}.`);
  check(
    certificatePath !== undefined,
    `${field}.certificate`,
    'is required (a certificate file, PEM or DER)',
  );
  const certificateFile = isAbsolute(certificatePath) ? certificatePath : resolve(baseDir, certificatePath);
  const issuerPath = optionalString(s, 'issuer', `${field}.`);
  const issuerFile =
    issuerPath === undefined ? undefined : isAbsolute(issuerPath) ? issuerPath : resolve(baseDir, issuerPath);
  try {
    const sentinel = await checkSentinel(
      {
        certificate: await readCertificateFile(certificateFile, `${field}.certificate`),
        ...(issuerFile ? { issuer: await readCertificateFile(issuerFile, `${field}.issuer`) } : {}),
        expectedStatus: s.expectedStatus,
        hashAlgorithm: s.hashAlgorithm,
      },
      {
        certificateName: certificateFile,
        issuerName: issuerFile,
        pinned: { certificates: trustCertificates, name: 'trust' },
      },
    );
    return { certificateFile, ...(issuerFile ? { issuerFile } : {}), ...sentinel };
  } catch (error) {
    if (error instanceof SentinelError) throw new ConfigError(`${field}.${error.part}: ${error.message}`);
    throw error;
  }
}

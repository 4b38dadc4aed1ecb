/**
 * `CaRepository`: the whole CA repository of the primary Region as one construct, for ca-repo's
 * own stacks or an operator's CDK app. It composes one construct per concern; the replica bucket
 * of the second Region is a separate construct (`ReplicaBucket`) in a stack of that Region, linked
 * by its fixed name.
 *
 * Construct IDs below are a contract: they determine the logical IDs of stateful resources
 * (buckets, queues, log groups), and renaming one replaces the resource. Never rename them.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { DEFAULT_CACHE_CAPS, type CacheCaps } from '../../lambda/core/serving/cache-policy.ts';
import { DEFAULT_OCSP_PATH_PREFIX } from '../../lambda/core/ocsp/ocsp-path.ts';
import type { Sentinel } from '../../lambda/core/health/sentinel.ts';
import type { ObjectLockMode, PriceClassName, UploaderSources } from '../config.ts';
import { AlarmTopic } from './alarm-topic.ts';
import { AuditTrail } from './audit-trail.ts';
import { HealthChecker, type HealthAlarmThresholds } from './health-checker.ts';
import { RepositoryDistribution } from './distribution.ts';
import { IngestBucket } from './ingest-bucket.ts';
import { InitialIndex } from './initial-index.ts';
import { LogBucket } from './log-bucket.ts';
import type { ObjectLockSettings } from './object-lock.ts';
import { OcspEdge } from './ocsp-edge.ts';
import { Publisher, TRUST_DIR } from './publisher.ts';
import { ReplicationMonitor } from './replication-monitor.ts';
import { REPLICATION_RULE_ID, RepositoryBucket } from './repository-bucket.ts';
import { UploaderRole, type UploaderRoleIdentity } from './uploader-role.ts';
import type { CaPolicies } from '../../lambda/core/publish/ca-policy.ts';

export interface CaRepositoryReplica {
  bucketName: string;
  region: string;
}

export interface CaRepositoryProps {
  /** DER of the pinned CA certificates (see `loadConfig`). */
  trustCertificates: readonly Uint8Array[];
  /** Fixed name of the repository bucket (read by name from the us-east-1 edge stack). */
  repositoryBucketName: string;
  /** The replica bucket in a second Region, deployed before this construct's stack. */
  replica?: CaRepositoryReplica;
  /** Stack name EdgeFunction gives the us-east-1 stack of the Lambda@Edge functions. */
  edgeStackName: string;
  /** Default `/ocsp`. */
  ocspPathPrefix?: string;
  cacheCaps?: CacheCaps;
  /** Default 60. */
  ocspUnauthorizedMaxAgeSeconds?: number;
  /** Retention of Lambda logs and of S3/CloudFront access logs. Default 400. */
  logRetentionDays?: number;
  /** Default 30. */
  noncurrentVersionRetentionDays?: number;
  /** Default 14. */
  ingestRetentionDays?: number;
  domainNames?: string[];
  /** Public base URLs relying parties use; default `http://` + the first domain name or the CloudFront domain. */
  publicBaseUrls?: readonly string[];
  /** Per pinned CA (by SHA-256): lint profile, CRL scope, retirement (lambda/core/publish/ca-policy.ts). */
  caPolicies?: CaPolicies;
  certificateArn?: string;
  /** Default PriceClass_200 (includes Japan). */
  priceClass?: PriceClassName;
  /** The WAF web ACL on the distribution (ca-repo's abuse limits from the edge stack, or the operator's). */
  webAclArn?: string;
  /** The web ACL is ca-repo's OCSP abuse limits: forward its label to the origin-request function. */
  abuseLimits?: boolean;
  /** Where the uploader may call from. */
  uploaderSources: UploaderSources;
  /** Who may assume the uploader role: IAM Roles Anywhere, or one IAM principal. */
  uploaderIdentity: UploaderRoleIdentity;
  /** Object Lock on the repository and the health ledger (and, in its own stack, the replica). */
  objectLock?: ObjectLockSettings;
  /** The CloudTrail trail of writes to the ingest and repository buckets, in its own locked bucket. */
  auditTrail?: { retentionDays: number; lockMode?: ObjectLockMode };
  /** Concurrency reserved for the publish dispatcher. */
  dispatcherReservedConcurrency?: number;
  alarmEmail?: string;
  /** Scratch directory for built function code and the trust layer. Default: the OS temp directory. */
  buildDirectory?: string;
  /** The scheduled relying-party health checker, its ledger, alarms and dashboard; absent: none. */
  health?: CaRepositoryHealth;
}

export interface CaRepositoryHealth {
  /** Default 1. */
  scheduleMinutes?: number;
  /** OCSP sentinel certificates probed by GET and POST on every run. */
  sentinels?: readonly Sentinel[];
  /** S3 Object Lock (compliance mode) on ledger records for this many days; default none. */
  objectLockRetentionDays?: number;
  alarmThresholds?: HealthAlarmThresholds;
  /** Concurrency reserved for the checker. */
  reservedConcurrency?: number;
}

export class CaRepository extends Construct {
  readonly accessLogs: LogBucket;
  readonly repository: RepositoryBucket;
  readonly ingest: IngestBucket;
  readonly uploader: UploaderRole;
  readonly alarms: AlarmTopic;
  readonly ocspEdge: OcspEdge;
  readonly distribution: RepositoryDistribution;
  readonly publisher: Publisher;
  readonly health?: HealthChecker;
  readonly auditTrail?: AuditTrail;
  readonly replicationMonitor?: ReplicationMonitor;
  /** The empty index a new repository serves until its first publish. */
  readonly initialIndex: InitialIndex;
  readonly ocspPathPrefix: string;
  /** The host relying parties use: the first custom domain, else the CloudFront domain. */
  readonly publicHost: string;

  constructor(scope: Construct, id: string, props: CaRepositoryProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    const buildDirectory = props.buildDirectory ?? join(tmpdir(), 'ca-repo-build');
    const cacheCaps = props.cacheCaps ?? DEFAULT_CACHE_CAPS;
    const logRetentionDays = props.logRetentionDays ?? 400;
    this.ocspPathPrefix = props.ocspPathPrefix ?? DEFAULT_OCSP_PATH_PREFIX;

    this.accessLogs = new LogBucket(this, 'AccessLogs', {
      retentionDays: logRetentionDays,
      receivesCloudFrontLogs: true,
    });
    this.repository = new RepositoryBucket(this, 'Repository', {
      bucketName: props.repositoryBucketName,
      accessLogs: this.accessLogs.bucket,
      noncurrentVersionRetentionDays: props.noncurrentVersionRetentionDays ?? 30,
      replica: props.replica && { ...props.replica, account },
      objectLock: props.objectLock,
    });
    this.ingest = new IngestBucket(this, 'Ingest', {
      accessLogs: this.accessLogs.bucket,
      retentionDays: props.ingestRetentionDays ?? 14,
    });
    this.uploader = new UploaderRole(this, 'Uploader', {
      ingest: this.ingest,
      sources: props.uploaderSources,
      identity: props.uploaderIdentity,
    });
    this.alarms = new AlarmTopic(this, 'Alarms', { alarmEmail: props.alarmEmail });
    if (props.auditTrail) {
      this.auditTrail = new AuditTrail(this, 'AuditTrail', {
        dataEventBuckets: [this.ingest.bucket, this.repository.bucket],
        accessLogs: this.accessLogs.bucket,
        retentionDays: props.auditTrail.retentionDays,
        lockMode: props.auditTrail.lockMode,
      });
    }
    if (props.replica) {
      this.replicationMonitor = new ReplicationMonitor(this, 'ReplicationMonitor', {
        sourceBucketName: props.repositoryBucketName,
        destinationBucketName: props.replica.bucketName,
        ruleId: REPLICATION_RULE_ID,
        alarmTopic: this.alarms.topic,
      });
    }
    this.ocspEdge = new OcspEdge(this, 'OcspEdge', {
      ocspPathPrefix: this.ocspPathPrefix,
      repositoryBucketName: props.repositoryBucketName,
      replicaBucketName: props.replica?.bucketName,
      edgeStackName: props.edgeStackName,
      buildDirectory,
    });
    this.distribution = new RepositoryDistribution(this, 'Delivery', {
      repository: this.repository.bucket,
      replica: props.replica,
      edge: this.ocspEdge,
      ocspPathPrefix: this.ocspPathPrefix,
      cacheCaps,
      ocspUnauthorizedMaxAgeSeconds: props.ocspUnauthorizedMaxAgeSeconds ?? 60,
      logBucket: this.accessLogs.bucket,
      priceClass: (props.priceClass ?? 'PriceClass_200') as cloudfront.PriceClass,
      domainNames: props.domainNames,
      certificateArn: props.certificateArn,
      webAclArn: props.webAclArn,
      forwardAbuseLabel: props.abuseLimits,
    });
    this.initialIndex = new InitialIndex(this, 'InitialIndex', {
      repository: this.repository.bucket,
      ocspPathPrefix: this.ocspPathPrefix,
      cacheCaps,
    });
    // CloudFront reads the origin with the viewer's protocol: plain HTTP for CDP/AIA/OCSP URLs.
    this.repository.requireTlsExceptDistributionReads(this.distribution.sourceArn);
    this.publicHost = props.domainNames?.[0] ?? this.distribution.distribution.distributionDomainName;
    this.publisher = new Publisher(this, 'Publisher', {
      ingest: this.ingest,
      repository: this.repository.bucket,
      distributionId: this.distribution.distribution.distributionId,
      ocspPathPrefix: this.ocspPathPrefix,
      cacheCaps,
      trustCertificates: props.trustCertificates,
      publicBaseUrls:
        props.publicBaseUrls && props.publicBaseUrls.length > 0
          ? props.publicBaseUrls
          : [`http://${this.publicHost}`],
      caPolicies: props.caPolicies,
      logRetentionDays,
      alarmTopic: this.alarms.topic,
      buildDirectory,
      dispatcherReservedConcurrency: props.dispatcherReservedConcurrency,
    });
    if (props.health) {
      this.health = new HealthChecker(this, 'Health', {
        ...props.health,
        // CDP, AIA and OCSP URLs are plain http; HTTPS is probed too because the distribution serves it.
        repositoryUrls: [`http://${this.publicHost}`, `https://${this.publicHost}`],
        trustLayer: this.publisher.trustLayer,
        trustDir: TRUST_DIR,
        alarmTopic: this.alarms.topic,
        accessLogs: this.accessLogs.bucket,
        logRetentionDays,
        buildDirectory,
        objectLock: props.objectLock,
        caPolicies: props.caPolicies,
        ...(props.replica
          ? {
              replicaComparison: {
                repository: this.repository.bucket,
                replicaBucketName: props.replica.bucketName,
                replicaRegion: props.replica.region,
              },
            }
          : {}),
      });
    }
  }
}

/**
 * The repository bucket: what relying parties fetch through CloudFront. S3 Standard only (every
 * object in at least three Availability Zones; no lifecycle transition to any other class),
 * versioned so a bad publish can be rolled back, readable only by CloudFront (OAC, granted by the
 * distribution) and the publisher, and optionally replicated to a bucket in a second Region.
 *
 * TLS (1.2 or newer) is required for every request except the distribution's origin reads: for an
 * S3 REST origin CloudFront forwards a request with the protocol the viewer used (Match Viewer,
 * fixed), and CDP, AIA and OCSP URLs are plain http, so a TLS-only policy would refuse every
 * plain-HTTP cache miss (docs/deploy.md §6). Writers (publisher, replication) stay TLS-only.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from './nag.ts';
import { objectLockProps, type ObjectLockSettings } from './object-lock.ts';

/** ID of the replication rule: its RTC metrics carry it as the RuleId dimension. */
export const REPLICATION_RULE_ID = 'replicate-to-second-region';

export interface ReplicaTarget {
  bucketName: string;
  region: string;
  account: string;
}

export interface RepositoryBucketProps {
  /** Fixed name: the edge functions and the replica Region refer to it without cross-stack references. */
  bucketName: string;
  accessLogs: s3.IBucket;
  noncurrentVersionRetentionDays: number;
  replica?: ReplicaTarget;
  /** Object Lock default retention (the replica must be locked too); absent: none. */
  objectLock?: ObjectLockSettings;
}

/** Lifecycle shared by the repository and its replica: versions expire, the storage class never changes. */
export function repositoryLifecycleRules(noncurrentVersionRetentionDays: number): s3.LifecycleRule[] {
  return [
    {
      id: 'expire-noncurrent-versions',
      noncurrentVersionExpiration: Duration.days(noncurrentVersionRetentionDays),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    },
    { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
  ];
}

/**
 * Who may read a bucket over plain HTTP: requests whose `aws:SourceArn` is the distribution
 * (`ArnNotEquals`, one ARN) or matches a pattern of distributions (`ArnNotLike`). Write the ARN
 * exactly as the bucket's Origin Access Control Allow statement does, so both name the same readers.
 */
export interface PlainHttpReaders {
  operator: 'ArnNotEquals' | 'ArnNotLike';
  sourceArn: string;
}

/**
 * The transport rules of a bucket CloudFront reads (repository and replica), replacing CDK's
 * `enforceSSL` / `minimumTLSVersion`:
 *
 * - Deny `s3:*` to anyone when `aws:SecureTransport` is false, unless `aws:SourceArn` is one of
 *   `readers`. Conditions are ANDed and a negated operator is true when the key is absent, so every
 *   caller without that source ARN (the publisher, replication, anonymous) must use TLS; CloudFront
 *   signing for the distribution only gets what the OAC Allow grants (`s3:GetObject`). The Bool
 *   condition is what cdk-nag's AwsSolutions-S10 looks for.
 * - Deny `s3:*` below TLS 1.2 (`s3:TlsVersion` is absent on plain HTTP, so this refuses old TLS only).
 */
export function originBucketTransportStatements(
  bucket: s3.IBucket,
  readers: PlainHttpReaders,
): iam.PolicyStatement[] {
  const everything = [bucket.bucketArn, bucket.arnForObjects('*')];
  return [
    new iam.PolicyStatement({
      sid: 'DenyNonTlsExceptDistributionReads',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: everything,
      conditions: {
        Bool: { 'aws:SecureTransport': 'false' },
        [readers.operator]: { 'aws:SourceArn': readers.sourceArn },
      },
    }),
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: everything,
      conditions: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    }),
  ];
}

export class RepositoryBucket extends Construct {
  readonly bucket: s3.Bucket;
  private transportRulesAdded = false;

  constructor(scope: Construct, id: string, props: RepositoryBucketProps) {
    super(scope, id);
    const replica = props.replica;
    const destination =
      replica &&
      s3.Bucket.fromBucketAttributes(this, 'ReplicaDestination', {
        bucketName: replica.bucketName,
        region: replica.region,
        account: replica.account,
      });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // No enforceSSL / minimumTLSVersion: see requireTlsExceptDistributionReads.
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 's3/repository/',
      lifecycleRules: repositoryLifecycleRules(props.noncurrentVersionRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
      ...objectLockProps(props.objectLock),
      replicationRules: destination
        ? [
            {
              id: REPLICATION_RULE_ID,
              destination,
              priority: 0,
              // S3 Standard in the second Region too: never a single-AZ class.
              storageClass: new s3.StorageClass('STANDARD'),
              // A deleted object must not come back from the replica through origin failover.
              deleteMarkerReplication: true,
              // S3 RTC: 99.99% of objects replicated within 15 minutes, with metrics to alarm on.
              replicationTimeControl: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
              metrics: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
            },
          ]
        : undefined,
    });
    if (destination) {
      const role = this.bucket.node.findChild('ReplicationRole') as iam.Role;
      // Replicating a locked object carries its retention and legal hold to the replica (S3 refuses
      // without these). Granted whether or not the template declares Object Lock, so a bucket locked
      // in place (docs/deploy.md §10) keeps replicating.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadObjectLockForReplication',
          actions: ['s3:GetObjectRetention', 's3:GetObjectLegalHold'],
          resources: [this.bucket.arnForObjects('*')],
        }),
      );
      const reason =
        'S3 replication reads every object version of the repository bucket and writes replicas of any key into the replica bucket: the replication role CDK creates is scoped to those two buckets and to the replication actions only.';
      acknowledge(role, wildcardResourceFinding(this, this.bucket.arnForObjects('*')), reason);
      acknowledge(role, wildcardResourceFinding(this, destination.arnForObjects('*')), reason);
    }
    this.node.addValidation({
      validate: () =>
        this.transportRulesAdded
          ? []
          : [
              'the repository bucket has no transport rules: call requireTlsExceptDistributionReads() with the ARN of the distribution that reads it',
            ],
    });
  }

  /**
   * Adds the TLS rules (`originBucketTransportStatements`), exempting the origin reads of the
   * distribution `distributionArn` (written as its OAC Allow statement writes it). Once, after the
   * distribution exists; synthesis fails if it is never called.
   */
  requireTlsExceptDistributionReads(distributionArn: string): void {
    if (this.transportRulesAdded) {
      // A second exemption would not widen the first: each Deny would refuse the other's distribution.
      throw new Error('requireTlsExceptDistributionReads may be called once per repository bucket');
    }
    this.transportRulesAdded = true;
    for (const statement of originBucketTransportStatements(this.bucket, {
      operator: 'ArnNotEquals',
      sourceArn: distributionArn,
    })) {
      this.bucket.addToResourcePolicy(statement);
    }
  }
}

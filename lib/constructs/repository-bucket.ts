/**
 * The repository bucket: what relying parties fetch through CloudFront. S3 Standard only (every
 * object in at least three Availability Zones; no lifecycle transition to any other class),
 * versioned so a bad publish can be rolled back, readable only by CloudFront (OAC, granted by the
 * distribution) and the publisher, and optionally replicated to a bucket in a second Region.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from './nag.ts';

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

export class RepositoryBucket extends Construct {
  readonly bucket: s3.Bucket;

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
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 's3/repository/',
      lifecycleRules: repositoryLifecycleRules(props.noncurrentVersionRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
      replicationRules: destination
        ? [
            {
              id: 'replicate-to-second-region',
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
      const role = this.bucket.node.findChild('ReplicationRole');
      const reason =
        'S3 replication reads every object version of the repository bucket and writes replicas of any key into the replica bucket: the replication role CDK creates is scoped to those two buckets and to the replication actions only.';
      acknowledge(role, wildcardResourceFinding(this, this.bucket.arnForObjects('*')), reason);
      acknowledge(role, wildcardResourceFinding(this, destination.arnForObjects('*')), reason);
    }
  }
}

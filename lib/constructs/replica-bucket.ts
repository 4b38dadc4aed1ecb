/**
 * The replica of the repository in a second Region (its own stack, deployed first: S3 refuses a
 * replication rule whose destination bucket does not exist yet). CloudFront's origin group falls
 * back to it for GET/HEAD, and the OCSP edge functions read `_ocsp/*` from it when the primary fails.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LogBucket } from './log-bucket.ts';
import { objectLockProps, type ObjectLockSettings } from './object-lock.ts';
import { originBucketTransportStatements, repositoryLifecycleRules } from './repository-bucket.ts';

export interface ReplicaBucketProps {
  /** Fixed name: the primary Region's replication rule and CloudFront origin refer to it by name. */
  bucketName: string;
  account: string;
  logRetentionDays: number;
  noncurrentVersionRetentionDays: number;
  /** Object Lock default retention, the same as the repository's (S3 replicates a locked object
   *  only into a locked bucket); absent: none. */
  objectLock?: ObjectLockSettings;
}

export class ReplicaBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: LogBucket;

  constructor(scope: Construct, id: string, props: ReplicaBucketProps) {
    super(scope, id);
    // Server access logs must land in a bucket of the same Region.
    this.accessLogs = new LogBucket(this, 'AccessLogs', {
      retentionDays: props.logRetentionDays,
      receivesCloudFrontLogs: false,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true, // a replication destination must be versioned
      encryption: s3.BucketEncryption.S3_MANAGED,
      // No enforceSSL / minimumTLSVersion: TLS for all but CloudFront's reads, below.
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs.bucket,
      serverAccessLogsPrefix: 's3/replica/',
      lifecycleRules: repositoryLifecycleRules(props.noncurrentVersionRetentionDays),
      removalPolicy: RemovalPolicy.RETAIN,
      ...objectLockProps(props.objectLock),
    });
    // The distribution is created after this stack (it needs the replica to exist), so its ID
    // cannot be named here: CloudFront's access is scoped to distributions of this account instead.
    const distributionsOfAccount = `arn:${Stack.of(this).partition}:cloudfront::${props.account}:distribution/*`;
    // TLS for every request except those distributions' reads, which CloudFront makes with the
    // viewer's protocol (plain HTTP for CDP/AIA/OCSP); see originBucketTransportStatements.
    for (const statement of originBucketTransportStatements(this.bucket, {
      operator: 'ArnNotLike',
      sourceArn: distributionsOfAccount,
    })) {
      this.bucket.addToResourcePolicy(statement);
    }
    // Origin Access Control read for CloudFront: s3:GetObject only, signed by CloudFront (SigV4),
    // never anonymous.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudFrontOriginAccessControlRead',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          StringEquals: { 'AWS:SourceAccount': props.account },
          ArnLike: { 'AWS:SourceArn': distributionsOfAccount },
        },
      }),
    );
  }
}

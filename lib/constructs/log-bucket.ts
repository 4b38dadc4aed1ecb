/**
 * The access-log bucket of one Region: S3 server access logs of the ca-repo buckets and, in the
 * primary Region, CloudFront standard logs. Logs are kept `retentionDays`, then expire.
 *
 * S3 cannot deliver server access logs to a bucket with Object Lock, so this bucket is versioned
 * instead: a log object overwritten or deleted stays as a noncurrent version for `retentionDays`.
 * The record that must be immutable is the CloudTrail trail in its own locked bucket (audit-trail.ts).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

export interface LogBucketProps {
  retentionDays: number;
  /**
   * CloudFront standard logging writes objects through ACLs, so the bucket must keep ACLs enabled
   * (BUCKET_OWNER_PREFERRED); S3 access logs alone work with ACLs disabled.
   */
  receivesCloudFrontLogs: boolean;
}

export class LogBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);
    // S3 log delivery is granted by bucket policy (not the legacy LogDeliveryWrite ACL) whatever
    // feature flags the surrounding app sets: the flag is read from this scope downwards.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: props.receivesCloudFrontLogs
        ? s3.ObjectOwnership.BUCKET_OWNER_PREFERRED
        : s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-logs',
          expiration: Duration.days(props.retentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          id: 'expire-replaced-or-deleted-logs',
          noncurrentVersionExpiration: Duration.days(props.retentionDays),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/**
 * Who wrote what, kept where nobody can rewrite it: a CloudTrail trail recording S3 data events
 * (object writes) of the ingest and repository buckets and the Region's write management events
 * (bucket policy, lock or trail changes), with log file validation (a signed SHA-256 digest file
 * every hour, checked by `aws cloudtrail validate-logs`), delivered to its own bucket under S3
 * Object Lock. The access-log buckets cannot be locked (S3 delivers no server access logs to a
 * locked bucket); this trail is the record that is.
 *
 * Reads are not recorded: CloudFront's origin reads would multiply the data-event bill, and they are
 * in the S3 server access logs already.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ObjectLockMode } from '../config.ts';
import { objectLockProps } from './object-lock.ts';

export interface AuditTrailProps {
  /** Buckets whose object writes are recorded (S3 data events, write only). */
  dataEventBuckets: s3.IBucket[];
  /** Where the trail bucket's own S3 server access logs go. */
  accessLogs: s3.IBucket;
  /** Days each log file is locked, then kept until it expires. */
  retentionDays: number;
  /** Object Lock mode of the trail bucket. Default GOVERNANCE. */
  lockMode?: ObjectLockMode;
}

export class AuditTrail extends Construct {
  readonly bucket: s3.Bucket;
  readonly trail: cloudtrail.Trail;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 's3/audit-trail/',
      lifecycleRules: [
        {
          id: 'expire-trail-logs',
          expiration: Duration.days(props.retentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // An expired log becomes a noncurrent version (the bucket is versioned): remove it too.
        { id: 'remove-expired-trail-logs', noncurrentVersionExpiration: Duration.days(1) },
      ],
      // The record investigators ask for: it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      ...objectLockProps({ mode: props.lockMode ?? 'GOVERNANCE', retentionDays: props.retentionDays }),
    });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      bucket: this.bucket,
      enableFileValidation: true,
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      managementEvents: cloudtrail.ReadWriteType.WRITE_ONLY,
    });
    this.trail.addS3EventSelector(
      props.dataEventBuckets.map((bucket) => ({ bucket })),
      { readWriteType: cloudtrail.ReadWriteType.WRITE_ONLY, includeManagementEvents: false },
    );
  }
}

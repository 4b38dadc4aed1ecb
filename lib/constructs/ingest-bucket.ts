/**
 * The ingest bucket: the only place the on-prem uploader writes. Bundles (tar parts, then the
 * manifest) land under `bundles/<id>/`, the publish gate answers under `receipts/`. Private,
 * TLS-only, and short-lived: a bundle is worth nothing once its receipt is written.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

export const BUNDLES_PREFIX = 'bundles/';
export const RECEIPTS_PREFIX = 'receipts/';
/** The manifest is written last (lambda/core/publish/bundle.ts), so its ObjectCreated event starts a publish. */
export const MANIFEST_SUFFIX = '/manifest.json';
/** Where the publish workers keep per-part verdicts (lambda/core/publish/bundle.ts partResultKey): outside
 *  `bundles/`, so the uploader, who may write anything under `bundles/`, can never forge one. */
export const PART_RESULTS_PREFIX = 'results/';

export interface IngestBucketProps {
  accessLogs: s3.IBucket;
  /** Days bundles are kept; receipts are kept four times as long for the uploader's audit trail. */
  retentionDays: number;
}

export class IngestBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: IngestBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 's3/ingest/',
      lifecycleRules: [
        {
          id: 'expire-bundles',
          prefix: BUNDLES_PREFIX,
          expiration: Duration.days(props.retentionDays),
        },
        {
          id: 'expire-part-results',
          prefix: PART_RESULTS_PREFIX,
          expiration: Duration.days(props.retentionDays),
        },
        {
          id: 'expire-receipts',
          prefix: RECEIPTS_PREFIX,
          expiration: Duration.days(props.retentionDays * 4),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Invokes `fn` with the S3 event of every manifest written under `bundles/`. */
  notifyOnManifest(fn: lambda.IFunction): void {
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn), {
      prefix: BUNDLES_PREFIX,
      suffix: MANIFEST_SUFFIX,
    });
    // CDK configures bucket notifications through one custom-resource function per stack.
    const stack = Stack.of(this);
    const handler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
    if (handler) {
      acknowledge(
        handler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK’s BucketNotificationsHandler custom resource (it sets the ingest bucket notification at deploy time) only writes its own logs with this AWS managed policy; it is CDK-owned code outside ca-repo’s control.',
      );
    }
  }

  bundleObjectsArn(): string {
    return this.bucket.arnForObjects(`${BUNDLES_PREFIX}*`);
  }

  /** Verdicts the publish workers record per part (`results/<id>/part-NNNN.json`). */
  partResultObjectsArn(): string {
    return this.bucket.arnForObjects(`${PART_RESULTS_PREFIX}*`);
  }

  receiptObjectsArn(): string {
    return this.bucket.arnForObjects(`${RECEIPTS_PREFIX}*`);
  }
}

/**
 * The publish gate in AWS: the manifest's S3 event invokes a dispatcher, which plans the bundle
 * and fans its work out over an SQS queue to parallel workers, so a full OCSP refresh of a large CA
 * (millions of responses) finishes well inside the Baseline Requirements refresh window and no
 * invocation approaches Lambda's 15-minute limit. Failures land in dead-letter queues and raise
 * alarms. Both functions may read bundles, write receipts, write the repository and invalidate
 * their own distribution (and read those invalidations, to wait for them): nothing else.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PUBLISH_ENVIRONMENT as ENV } from '../../lambda/core/contract/lambda-environment.ts';
import type { CacheCaps } from '../../lambda/core/serving/cache-policy.ts';
import type { CaPolicies } from '../../lambda/core/publish/ca-policy.ts';
import { PUBLISH_WORK_QUEUE } from '../../lambda/core/contract/publish-work-queue.ts';
import type { IngestBucket } from './ingest-bucket.ts';
import { HANDLER_ENTRIES, RegionalFunction } from './lambda-defaults.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';

/** Where the trust layer puts the pinned CA certificates inside the function (layers mount at /opt). */
export const TRUST_DIR = '/opt/trust';

/**
 * Memory of the publish functions (MB). Exported for the bench, which states these limits beside
 * the peak RSS it measures for a 2,000,000-response bundle (bench/scale-bench.ts).
 */
export const PUBLISH_FUNCTION_MEMORY_MB = { dispatcher: 1024, worker: 2048 } as const;
const DISPATCHER_TIMEOUT = Duration.minutes(5);
const WORKER_TIMEOUT = Duration.minutes(5);
const WORK_VISIBILITY_TIMEOUT = Duration.seconds(PUBLISH_WORK_QUEUE.visibilityTimeoutSeconds);
/** BR: an issued certificate must have an OCSP response within 15 minutes; alarm before that. */
const WORK_BACKLOG_ALARM_SECONDS = 600;

export interface PublisherProps {
  ingest: IngestBucket;
  repository: s3.IBucket;
  distributionId: string;
  ocspPathPrefix: string;
  cacheCaps: CacheCaps;
  /** DER of every pinned CA certificate. */
  trustCertificates: readonly Uint8Array[];
  /** Public base URLs, the primary first (a token, e.g. the distribution's domain, is fine). */
  publicBaseUrls: readonly string[];
  /** Per pinned CA (by SHA-256): lint profile, CRL scope, retirement. */
  caPolicies?: CaPolicies;
  logRetentionDays: number;
  alarmTopic: sns.ITopic;
  /** Scratch directory for the trust layer's files. */
  buildDirectory: string;
  /** Upper bound on concurrent workers (SQS event source maximum concurrency). */
  maxWorkerConcurrency?: number;
  /** Concurrency reserved for the dispatcher (a manifest must always find one); absent: none. */
  dispatcherReservedConcurrency?: number;
}

export class Publisher extends Construct {
  readonly dispatcher: RegionalFunction;
  readonly worker: RegionalFunction;
  readonly workQueue: sqs.Queue;
  readonly workDeadLetters: sqs.Queue;
  readonly dispatchDeadLetters: sqs.Queue;
  readonly trustLayer: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: PublisherProps) {
    super(scope, id);
    this.trustLayer = new lambda.LayerVersion(this, 'TrustLayer', {
      code: lambda.Code.fromAsset(stageTrustDirectory(props.buildDirectory, props.trustCertificates)),
      description: `ca-repo pinned CA certificates (${props.trustCertificates.length}) under ${TRUST_DIR}`,
    });

    this.dispatchDeadLetters = newQueue(this, 'DispatchDeadLetters', { retentionPeriod: Duration.days(14) });
    this.workDeadLetters = newQueue(this, 'WorkDeadLetters', { retentionPeriod: Duration.days(14) });
    this.workQueue = newQueue(this, 'WorkQueue', {
      visibilityTimeout: WORK_VISIBILITY_TIMEOUT,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.workDeadLetters, maxReceiveCount: PUBLISH_WORK_QUEUE.maxReceiveCount },
    });

    const environment = {
      [ENV.ingestBucket]: props.ingest.bucket.bucketName,
      [ENV.repositoryBucket]: props.repository.bucketName,
      [ENV.publishQueueUrl]: this.workQueue.queueUrl,
      [ENV.ocspUrl]: props.ocspPathPrefix,
      [ENV.distributionId]: props.distributionId,
      [ENV.trustDir]: TRUST_DIR,
      [ENV.cacheCaps]: JSON.stringify(props.cacheCaps),
      [ENV.publicBaseUrls]: props.publicBaseUrls.join(','),
      [ENV.caPolicies]: JSON.stringify(props.caPolicies ?? {}),
    };
    this.dispatcher = new RegionalFunction(this, 'Dispatcher', {
      entry: HANDLER_ENTRIES.publishDispatcher,
      description: 'ca-repo publish: plans a bundle from its manifest and queues the work',
      environment,
      memorySize: PUBLISH_FUNCTION_MEMORY_MB.dispatcher,
      timeout: DISPATCHER_TIMEOUT,
      logRetentionDays: props.logRetentionDays,
      layers: [this.trustLayer],
      // S3 invokes asynchronously: after two retries the event is kept here, not dropped.
      deadLetterQueue: this.dispatchDeadLetters,
      retryAttempts: 2,
      reservedConcurrentExecutions: props.dispatcherReservedConcurrency,
    });
    this.worker = new RegionalFunction(this, 'Worker', {
      entry: HANDLER_ENTRIES.publishWorker,
      description: 'ca-repo publish: validates and writes one batch of a bundle',
      environment,
      memorySize: PUBLISH_FUNCTION_MEMORY_MB.worker,
      timeout: WORKER_TIMEOUT,
      logRetentionDays: props.logRetentionDays,
      layers: [this.trustLayer],
    });
    this.worker.function.addEventSource(
      new sources.SqsEventSource(this.workQueue, {
        batchSize: PUBLISH_WORK_QUEUE.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxWorkerConcurrency ?? PUBLISH_WORK_QUEUE.maxConcurrency,
      }),
    );
    props.ingest.notifyOnManifest(this.dispatcher.function);

    this.grantPublish(this.dispatcher.role, props, { writesPartResults: false, withdraws: true });
    // A worker records its part's verdicts beside the bundle for the worker that finishes last.
    this.grantPublish(this.worker.role, props, { writesPartResults: true, withdraws: false });
    for (const fn of [this.dispatcher, this.worker]) this.workQueue.grantSendMessages(fn.role);
    this.addAlarms(props.alarmTopic);
  }

  private grantPublish(
    role: iam.Role,
    props: PublisherProps,
    options: { writesPartResults: boolean; withdraws: boolean },
  ): void {
    const ingest = props.ingest;
    const stack = Stack.of(this);
    const statements = [
      // Listing makes a missing key a 404 instead of an AccessDenied the code must guess about.
      new iam.PolicyStatement({
        sid: 'ListIngestAndRepository',
        actions: ['s3:ListBucket'],
        resources: [ingest.bucket.bucketArn, props.repository.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'ReadBundlesAndReceipts',
        actions: ['s3:GetObject'],
        resources: [ingest.bundleObjectsArn(), ingest.receiptObjectsArn()],
      }),
      new iam.PolicyStatement({
        sid: 'WriteReceipts',
        actions: ['s3:PutObject'],
        resources: [ingest.receiptObjectsArn()],
      }),
      ...(options.writesPartResults
        ? [
            new iam.PolicyStatement({
              sid: 'ReadWritePartResults',
              actions: ['s3:GetObject', 's3:PutObject'],
              resources: [ingest.partResultObjectsArn()],
            }),
            // A part holding key material (sent by an uploader without the pre-flight) is deleted on reading.
            new iam.PolicyStatement({
              sid: 'DeleteBundlePartsHoldingKeys',
              actions: ['s3:DeleteObject'],
              resources: [ingest.bundleObjectsArn()],
            }),
          ]
        : []),
      new iam.PolicyStatement({
        sid: 'ReadWriteRepository',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [props.repository.arnForObjects('*')],
      }),
      // `ca-repo withdraw`: a withdrawal manifest has no parts, so the dispatcher finishes it. A
      // DeleteObject without a version ID only adds a delete marker in the versioned bucket: the
      // object stays as a noncurrent version (no s3:DeleteObjectVersion is granted).
      ...(options.withdraws
        ? [
            new iam.PolicyStatement({
              sid: 'WithdrawFromRepository',
              actions: ['s3:DeleteObject'],
              resources: [props.repository.arnForObjects('*')],
            }),
          ]
        : []),
      // Get: the publisher waits for its invalidation to complete before the receipt, so the
      // uploader (which needs no CloudFront permission at all) exits only once published is served.
      new iam.PolicyStatement({
        sid: 'InvalidateOwnDistribution',
        actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
        resources: [
          stack.formatArn({
            service: 'cloudfront',
            region: '',
            resource: 'distribution',
            resourceName: props.distributionId,
          }),
        ],
      }),
    ];
    for (const statement of statements) role.addToPrincipalPolicy(statement);

    const policy = role.node.findChild('DefaultPolicy');
    acknowledge(
      policy,
      wildcardResourceFinding(this, ingest.bundleObjectsArn()),
      'Bundle IDs are chosen by the uploader at run time: the publisher reads objects under the bundles/ prefix of the ingest bucket only.',
    );
    acknowledge(
      policy,
      wildcardResourceFinding(this, ingest.receiptObjectsArn()),
      'Receipt keys are named after run-time bundle IDs: the publisher reads and writes objects under the receipts/ prefix of the ingest bucket only.',
    );
    if (options.writesPartResults) {
      acknowledge(
        policy,
        wildcardResourceFinding(this, ingest.partResultObjectsArn()),
        'A worker records the verdicts of its part under results/<bundle id>/ (bundle IDs are chosen at run time) and reads the others there, so the last worker can merge them: objects of that prefix only, which the uploader cannot write.',
      );
    }
    acknowledge(
      policy,
      wildcardResourceFinding(this, props.repository.arnForObjects('*')),
      'The publisher writes artifacts at the paths the CA put in its certificates (CDP, AIA, CP/CPS) and OCSP objects under _ocsp/: any key of the one repository bucket, with Get and Put (and, for the dispatcher, DeleteObject without a version: the delete marker of a withdrawal), no ACL, no bucket configuration.',
    );
  }

  private addAlarms(topic: sns.ITopic): void {
    const action = new actions.SnsAction(topic);
    const period = Duration.minutes(5);
    const alarms = [
      new cloudwatch.Alarm(this, 'DispatcherErrorsAlarm', {
        alarmDescription: 'ca-repo: the publish dispatcher failed (bundle not planned; see its log group)',
        metric: this.dispatcher.function.metricErrors({ period, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
      new cloudwatch.Alarm(this, 'WorkerErrorsAlarm', {
        alarmDescription: 'ca-repo: a publish worker failed (the batch is retried, then dead-lettered)',
        metric: this.worker.function.metricErrors({ period, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
      new cloudwatch.Alarm(this, 'DispatchDeadLettersAlarm', {
        alarmDescription: 'ca-repo: a manifest event was dead-lettered after retries; re-send the bundle',
        metric: this.dispatchDeadLetters.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: 'Max',
        }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
      new cloudwatch.Alarm(this, 'WorkDeadLettersAlarm', {
        alarmDescription: `ca-repo: a publish batch was dead-lettered after ${PUBLISH_WORK_QUEUE.maxReceiveCount} attempts; re-send the bundle`,
        metric: this.workDeadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Max' }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
      new cloudwatch.Alarm(this, 'WorkBacklogAlarm', {
        alarmDescription: `ca-repo: publish work has waited over ${WORK_BACKLOG_ALARM_SECONDS / 60} minutes (BR: OCSP for a new certificate within 15 minutes)`,
        metric: this.workQueue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: 'Max',
        }),
        threshold: WORK_BACKLOG_ALARM_SECONDS,
        evaluationPeriods: 1,
      }),
    ];
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
    }
  }
}

function newQueue(scope: Construct, id: string, props: sqs.QueueProps): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    ...props,
  });
}

/**
 * Writes the pinned certificates as `trust/ca-NN.der` into a directory named after their hash, the
 * layer's asset. DER, one certificate per file, so the handler need not split PEM bundles.
 */
export function stageTrustDirectory(buildDirectory: string, certificates: readonly Uint8Array[]): string {
  if (certificates.length === 0) throw new Error('the publisher needs at least one pinned CA certificate');
  const hash = createHash('sha256');
  for (const der of certificates) hash.update(createHash('sha256').update(der).digest());
  const root = join(buildDirectory, `trust-${hash.digest('hex').slice(0, 16)}`);
  const trustDir = join(root, 'trust');
  if (!existsSync(trustDir)) {
    const staging = `${root}.${process.pid}.tmp`;
    mkdirSync(join(staging, 'trust'), { recursive: true });
    certificates.forEach((der, i) => {
      writeFileSync(join(staging, 'trust', `ca-${String(i + 1).padStart(2, '0')}.der`), der);
    });
    try {
      renameSync(staging, root);
    } catch (error) {
      // Another synth staged the same certificates first: its directory has identical content.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(trustDir)) throw error;
    }
  }
  return root;
}

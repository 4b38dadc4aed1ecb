/**
 * The health checker in AWS: a Lambda function, run on a schedule (every `scheduleMinutes`,
 * default 1), probes the public endpoints exactly as a relying party does, appends each run to a
 * hash-chained ledger in its own bucket (optionally under S3 Object Lock), and writes metrics in
 * Embedded Metric Format. CloudWatch alarms on those metrics notify the ca-repo alarm topic, and a
 * dashboard shows them. The function may list and read the ledger and write new records: it cannot
 * delete or overwrite one, and it touches nothing else.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  CHECK_DIMENSION,
  DEADLINE_DIMENSION,
  HEALTH_METRIC_NAMESPACE,
  HEALTH_METRICS,
} from '../../lambda/core/health/health-metrics.ts';
import { DEADLINE_NAMES, DEADLINES } from '../../lambda/core/health/deadlines.ts';
import type { CaPolicies } from '../../lambda/core/publish/ca-policy.ts';
import { CHECK_NAMES } from '../../lambda/core/health/health-record.ts';
import { LEDGER_PREFIX } from '../../lambda/core/health/ledger.ts';
import { HEALTH_ENVIRONMENT as ENV } from '../../lambda/core/contract/lambda-environment.ts';
import { formatSentinelsFile } from '../../lambda/core/contract/sentinels-file.ts';
import type { Sentinel } from '../../lambda/core/health/sentinel.ts';
import { RegionalFunction } from './lambda-defaults.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';
import { objectLockProps, strongerLock, type ObjectLockSettings } from './object-lock.ts';

/** Handler entry, relative to the package root. */
export const HEALTH_HANDLER_ENTRY = 'lambda/handlers/health-lambda.ts';
/** Where the sentinel layer puts its list inside the function (layers mount at /opt). */
export const SENTINELS_FILE = '/opt/health/sentinels.json';

export interface HealthAlarmThresholds {
  /**
   * Alarm when the served CRL has fewer hours left than this. Default 72: a CA on the BR §4.9.7
   * cadence (nextUpdate ≤ 10 days, a new CRL at least every 7) always keeps 3 days, so less means
   * a republish is late, with days left to fix it before the probe (24 h) and relying parties fail.
   */
  crlHoursToNextUpdate?: number;
  /**
   * Alarm when a sentinel's OCSP response, as the POST probe reads it from the store (the CDN
   * may keep a GET answer up to its refresh deadline), is older than this. Default 72 h: a day
   * before the BR §4.9.10 limit of 4 days after thisUpdate, at which the probe itself fails.
   */
  ocspResponseAgeHours?: number;
  /** Alarm when the slowest probe exceeds this in most runs. Default 5,000 ms, half the BR §4.10.2 limit. */
  latencyMs?: number;
}

export interface HealthCheckerProps {
  /** Base URLs to probe: the public host over plain HTTP, and over HTTPS when it serves it. */
  repositoryUrls: string[];
  /** Layer with the pinned CA certificates (the publisher's trust layer) and where it mounts. */
  trustLayer: lambda.ILayerVersion;
  trustDir: string;
  /** Certificates whose OCSP status the checker asks for on every run, by GET and by POST. */
  sentinels?: readonly Sentinel[];
  /** Probe interval. Default 1 minute. */
  scheduleMinutes?: number;
  alarmTopic: sns.ITopic;
  /** Where the ledger bucket's S3 server access logs go. */
  accessLogs: s3.IBucket;
  logRetentionDays: number;
  /** Scratch directory for the sentinel layer's file. */
  buildDirectory: string;
  /**
   * Keep every ledger record unchangeable and undeletable for this many days (S3 Object Lock,
   * compliance mode: not even the root user can shorten it). Object Lock cannot be turned off once
   * on. Default: no Object Lock; the hash chain still shows any change.
   */
  objectLockRetentionDays?: number;
  /**
   * Object Lock of the repository (governance or compliance) applied to the ledger too; with
   * `objectLockRetentionDays` the stronger of the two holds, so the ledger is never weaker than
   * the compliance lock configured for it.
   */
  objectLock?: ObjectLockSettings;
  /** Probe timeout passed to the function. Default the probe's own (10 s, BR §4.10.2). */
  probeTimeoutMs?: number;
  alarmThresholds?: HealthAlarmThresholds;
  metricNamespace?: string;
  /** Concurrency reserved for the checker, so an outage elsewhere cannot silence it; absent: none. */
  reservedConcurrency?: number;
  /** Compare the replica's copy of every CRL with the primary's on every run (read-only HEADs). */
  replicaComparison?: ReplicaComparisonTarget;
  /** Each pinned CA's CRL scope and OCSP coverage: its CRL reissue deadline (BR §4.9.7). */
  caPolicies?: CaPolicies;
}

export interface ReplicaComparisonTarget {
  repository: s3.IBucket;
  replicaBucketName: string;
  replicaRegion: string;
}

export class HealthChecker extends Construct {
  readonly ledger: s3.Bucket;
  readonly checker: RegionalFunction;
  readonly schedule: events.Rule;
  readonly alarms: cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;
  readonly sentinelLayer?: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: HealthCheckerProps) {
    super(scope, id);
    const scheduleMinutes = props.scheduleMinutes ?? 1;
    if (!Number.isInteger(scheduleMinutes) || scheduleMinutes < 1 || scheduleMinutes > 60) {
      throw new Error(`health scheduleMinutes must be an integer from 1 to 60, got ${scheduleMinutes}`);
    }
    if (props.repositoryUrls.length === 0)
      throw new Error('the health checker needs at least one repository URL');
    const namespace = props.metricNamespace ?? HEALTH_METRIC_NAMESPACE;

    this.ledger = new s3.Bucket(this, 'LedgerBucket', {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 's3/health-ledger/',
      ...objectLockProps(
        strongerLock(
          props.objectLock,
          props.objectLockRetentionDays === undefined
            ? undefined
            : { mode: 'COMPLIANCE', retentionDays: props.objectLockRetentionDays },
        ),
      ),
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // The operational record investigators ask for: it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const layers: lambda.ILayerVersion[] = [props.trustLayer];
    const environment: Record<string, string> = {
      [ENV.repositoryUrls]: props.repositoryUrls.join(','),
      [ENV.ledgerBucket]: this.ledger.bucketName,
      [ENV.trustDir]: props.trustDir,
      [ENV.metricNamespace]: namespace,
      ...(props.probeTimeoutMs !== undefined ? { [ENV.probeTimeoutMs]: String(props.probeTimeoutMs) } : {}),
      [ENV.caPolicies]: JSON.stringify(props.caPolicies ?? {}),
      ...(props.replicaComparison
        ? {
            [ENV.repositoryBucket]: props.replicaComparison.repository.bucketName,
            [ENV.replicaBucket]: props.replicaComparison.replicaBucketName,
            [ENV.replicaRegion]: props.replicaComparison.replicaRegion,
          }
        : {}),
    };
    if (props.sentinels && props.sentinels.length > 0) {
      this.sentinelLayer = new lambda.LayerVersion(this, 'SentinelLayer', {
        code: lambda.Code.fromAsset(stageSentinels(props.buildDirectory, props.sentinels)),
        description: `ca-repo health sentinels (${props.sentinels.length}) at ${SENTINELS_FILE}`,
      });
      layers.push(this.sentinelLayer);
      environment[ENV.sentinelsFile] = SENTINELS_FILE;
    }

    this.checker = new RegionalFunction(this, 'Checker', {
      entry: HEALTH_HANDLER_ENTRY,
      description: 'ca-repo health: probes the public endpoints as a relying party and records each run',
      environment,
      memorySize: 512,
      // Shorter than the schedule, so two runs never overlap and fork the ledger's chain.
      timeout: Duration.seconds(Math.min(55, scheduleMinutes * 60 - 5)),
      logRetentionDays: props.logRetentionDays,
      layers,
      // A retried run would record the same minute twice; the next scheduled run is the retry.
      retryAttempts: 0,
      reservedConcurrentExecutions: props.reservedConcurrency,
    });
    this.grantLedger(this.checker.role);
    if (props.replicaComparison) grantReplicaComparison(this, this.checker.role, props.replicaComparison);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `ca-repo health: probe the repository every ${scheduleMinutes} minute(s)`,
      schedule: events.Schedule.rate(Duration.minutes(scheduleMinutes)),
      targets: [
        new targets.LambdaFunction(this.checker.function, {
          retryAttempts: 0,
          maxEventAge: Duration.minutes(Math.max(1, scheduleMinutes)),
        }),
      ],
    });

    const period = Duration.minutes(scheduleMinutes);
    const metric = (name: string, statistic: string, dimensions?: Record<string, string>) =>
      new cloudwatch.Metric({ namespace, metricName: name, statistic, period, dimensionsMap: dimensions });
    const thresholds = {
      crlHoursToNextUpdate: props.alarmThresholds?.crlHoursToNextUpdate ?? 72,
      ocspResponseAgeHours: props.alarmThresholds?.ocspResponseAgeHours ?? 72,
      latencyMs: props.alarmThresholds?.latencyMs ?? 5000,
    };
    const availability = metric(HEALTH_METRICS.availability, 'Minimum');
    const crlHours = metric(HEALTH_METRICS.crlHoursToNextUpdate, 'Minimum');
    const ocspAge = metric(HEALTH_METRICS.ocspResponseAgeHours, 'Maximum');
    const latency = metric(HEALTH_METRICS.latency, 'Maximum');
    this.alarms = [
      new cloudwatch.Alarm(this, 'UnavailableAlarm', {
        alarmDescription:
          'ca-repo health: a relying-party probe failed in 2 of the last 3 runs, or the checker stopped reporting (see the checker log group and the ledger)',
        metric: availability,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        // No data means no probe ran: the repository's availability is unknown, which is an alarm.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      new cloudwatch.Alarm(this, 'CrlExpiringAlarm', {
        alarmDescription: `ca-repo health: a served CRL has less than ${thresholds.crlHoursToNextUpdate} h before nextUpdate; publish the next CRL (BR §4.9.7)`,
        metric: crlHours,
        threshold: thresholds.crlHoursToNextUpdate,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'OcspStaleAlarm', {
        alarmDescription: `ca-repo health: a sentinel's OCSP response is over ${thresholds.ocspResponseAgeHours} h old; refresh pre-generated responses (BR §4.9.10: within 4 days)`,
        metric: ocspAge,
        threshold: thresholds.ocspResponseAgeHours,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'SlowAlarm', {
        alarmDescription: `ca-repo health: the slowest probe took over ${thresholds.latencyMs} ms in 3 of 5 runs (BR §4.10.2: answers within 10 s)`,
        metric: latency,
        threshold: thresholds.latencyMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      // One alarm per deadline class, its section in the description (core/health/deadlines.ts): a
      // deadline is missed long before the artifact expires (a CRL 7 days old still has 3 days).
      ...DEADLINE_NAMES.map(
        (deadline) =>
          new cloudwatch.Alarm(this, `Deadline${pascal(deadline)}Alarm`, {
            alarmDescription: `ca-repo health: deadline ${deadline} missed (${DEADLINES[deadline].citation}: ${DEADLINES[deadline].rule}); see the failures in the checker log and the ledger`,
            metric: metric(HEALTH_METRICS.deadlineMissed, 'Maximum', { [DEADLINE_DIMENSION]: deadline }),
            threshold: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            // A slow answer in 2 of 3 runs (one slow request under load is not yet a breach of
            // "normal operating conditions"); any other deadline on the first run that misses it.
            evaluationPeriods: deadline === 'answer-time' ? 3 : 1,
            datapointsToAlarm: deadline === 'answer-time' ? 2 : 1,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
      ),
      new cloudwatch.Alarm(this, 'CheckerErrorsAlarm', {
        alarmDescription:
          'ca-repo health: the checker failed (most likely the ledger could not be written: the run is missing from the operational record)',
        metric: this.checker.function.metricErrors({ period, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    const action = new actions.SnsAction(props.alarmTopic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    const perCheck = (name: string, statistic: string) =>
      CHECK_NAMES.map((check) =>
        metric(name, statistic, { [CHECK_DIMENSION]: check }).with({ label: check }),
      );
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Health alarms',
            alarms: this.alarms,
            width: 24,
            height: 3,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Availability per check (share of probes passing)',
            left: perCheck(HEALTH_METRICS.availability, 'Minimum'),
            leftYAxis: { min: 0, max: 1 },
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Slowest probe per check (ms)',
            left: perCheck(HEALTH_METRICS.latency, 'Maximum'),
            leftAnnotations: [{ value: 10_000, label: 'BR §4.10.2: 10 s', color: '#d13212' }],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'CRL hours to nextUpdate (smallest)',
            left: [crlHours],
            leftAnnotations: [
              { value: thresholds.crlHoursToNextUpdate, label: 'alarm', color: '#ff7f0e' },
              { value: 24, label: 'probe fails', color: '#d13212' },
            ],
            leftYAxis: { min: 0 },
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'OCSP response age, hours (oldest sentinel)',
            left: [ocspAge],
            leftAnnotations: [
              { value: thresholds.ocspResponseAgeHours, label: 'alarm', color: '#ff7f0e' },
              { value: 96, label: 'BR §4.9.10: 4 days', color: '#d13212' },
            ],
            leftYAxis: { min: 0 },
            width: 12,
          }),
        ],
      ],
    });
  }

  /** List the ledger, read and create records under ledger/: no delete, no overwrite protection bypass. */
  private grantLedger(role: iam.Role): void {
    const records = this.ledger.arnForObjects(`${LEDGER_PREFIX}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListLedger',
        actions: ['s3:ListBucket'],
        resources: [this.ledger.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${LEDGER_PREFIX}*`] } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadAndAppendLedgerRecords',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [records],
      }),
    );
    acknowledge(
      role.node.findChild('DefaultPolicy'),
      wildcardResourceFinding(this, records),
      'Ledger record keys carry the probe time and sequence number chosen at run time: the checker reads and creates objects under the ledger/ prefix of its own ledger bucket only, with no delete permission.',
    );
  }
}

/**
 * HEAD of any object of the repository and of its replica (CRL paths are the CA's, unknown here):
 * s3:GetObject only, read-only, on content that is public through CloudFront anyway.
 */
function grantReplicaComparison(scope: Construct, role: iam.Role, target: ReplicaComparisonTarget): void {
  const replicaObjects = `arn:${Stack.of(scope).partition}:s3:::${target.replicaBucketName}/*`;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'CompareReplicaCopies',
      actions: ['s3:GetObject'],
      resources: [target.repository.arnForObjects('*'), replicaObjects],
    }),
  );
  const reason =
    'The checker compares the replica copy of every CRL listed in index.json with the primary copy (HEAD, ETag); CRL paths are the ones the CA put in its certificates, so the read-only grant covers any key of the repository and replica buckets, whose content is public through CloudFront.';
  const policy = role.node.findChild('DefaultPolicy');
  acknowledge(policy, wildcardResourceFinding(scope, target.repository.arnForObjects('*')), reason);
  acknowledge(policy, wildcardResourceFinding(scope, replicaObjects), reason);
}

/**
 * Writes the sentinels as `health/sentinels.json` (base64 DER) into a directory named after their
 * content hash, the layer's asset; identical inputs reuse the same directory.
 */
function stageSentinels(buildDirectory: string, sentinels: readonly Sentinel[]): string {
  const json = formatSentinelsFile(sentinels);
  const root = join(
    buildDirectory,
    `sentinels-${createHash('sha256').update(json).digest('hex').slice(0, 16)}`,
  );
  if (!existsSync(join(root, 'health', 'sentinels.json'))) {
    const staging = `${root}.${process.pid}.tmp`;
    mkdirSync(join(staging, 'health'), { recursive: true });
    writeFileSync(join(staging, 'health', 'sentinels.json'), json);
    try {
      renameSync(staging, root);
    } catch (error) {
      // Another synth staged the same sentinels first: its directory has identical content.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(root, 'health', 'sentinels.json'))) throw error;
    }
  }
  return root;
}

/** `crl-urls-fetch` → `CrlUrlsFetch`, for construct ids. */
function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

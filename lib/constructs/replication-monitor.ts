/**
 * Replication watched: S3 Replication Time Control publishes per-rule metrics (AWS/S3, dimensions
 * SourceBucket, DestinationBucket, RuleId) in the source bucket's Region. A replica that falls
 * behind or stops receiving objects would serve stale CRLs the day CloudFront fails over to it, so
 * both alarm the ca-repo topic:
 *
 * - ReplicationLatency (Maximum) above the 15-minute RTC threshold in 2 consecutive 5-minute periods;
 * - OperationsFailedReplication (Sum) of 1 or more in a 5-minute period.
 *
 * The health checker compares the replica's copy of every CRL with the primary's (health-checker.ts),
 * which catches what metrics cannot: an object changed or removed in the replica by hand.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** S3 RTC replicates 99.99 % of objects within 15 minutes. */
export const RTC_THRESHOLD_SECONDS = 900;

export interface ReplicationMonitorProps {
  sourceBucketName: string;
  destinationBucketName: string;
  /** The replication rule's ID (its metrics carry it). */
  ruleId: string;
  alarmTopic: sns.ITopic;
  /** Default 900 (the RTC threshold). */
  latencyThresholdSeconds?: number;
}

export class ReplicationMonitor extends Construct {
  readonly latencyAlarm: cloudwatch.Alarm;
  readonly failedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReplicationMonitorProps) {
    super(scope, id);
    const dimensionsMap = {
      SourceBucket: props.sourceBucketName,
      DestinationBucket: props.destinationBucketName,
      RuleId: props.ruleId,
    };
    const period = Duration.minutes(5);
    const threshold = props.latencyThresholdSeconds ?? RTC_THRESHOLD_SECONDS;
    this.latencyAlarm = new cloudwatch.Alarm(this, 'LatencyAlarm', {
      alarmDescription: `ca-repo: replication to ${props.destinationBucketName} is over ${threshold} s behind; on failover the replica would serve stale CRLs`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/S3',
        metricName: 'ReplicationLatency',
        dimensionsMap,
        statistic: 'Maximum',
        period,
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // S3 reports latency only while objects replicate: silence means nothing is pending.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failedAlarm = new cloudwatch.Alarm(this, 'FailedAlarm', {
      alarmDescription: `ca-repo: objects failed to replicate to ${props.destinationBucketName}; re-publish them (identical bytes are a no-op) after fixing the cause`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/S3',
        metricName: 'OperationsFailedReplication',
        dimensionsMap,
        statistic: 'Sum',
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new actions.SnsAction(props.alarmTopic);
    for (const alarm of [this.latencyAlarm, this.failedAlarm]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}

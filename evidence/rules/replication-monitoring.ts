/**
 * Replication watched: CloudFront fails over to the replica, so a replica that lags or stopped
 * receiving objects would serve stale CRLs exactly when the primary is down. S3 Replication Time
 * Control publishes latency and failure metrics; alarms on both notify operators, and the health
 * checker compares the replica's copy of every CRL with the primary's on every run.
 */
import { findHealthChecker } from '../app-topology.ts';
import { alarmsOn, bucketName, replicationRules } from '../audit-topology.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { asArray, describeValue, isRecord } from '../template-query.ts';

export const replicationMonitoringRequirement: Requirement = {
  id: 'uc-a-replication-monitoring',
  title: 'Replication monitored: latency and failure alarms, replica CRLs compared',
  source: 'Use case A availability: the second copy relying parties fail over to must be current',
  group: 'use-case-a',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const rules = replicationRules(assembly);
    if (rules.length === 0) {
      return findings.notApplicable(
        'No bucket replicates to a second Region: there is no replica to watch.',
        ['docs/deploy.md §10 (replication)'],
      );
    }
    const latency = alarmsOn(assembly, 'AWS/S3', 'ReplicationLatency');
    const failed = alarmsOn(assembly, 'AWS/S3', 'OperationsFailedReplication');
    const checker = findHealthChecker(assembly);
    for (const rule of rules) {
      const source = bucketName(rule.source) ?? rule.source.logicalId;
      findings.check(
        rule.source,
        `ReplicationConfiguration.Rules[${rule.id}].Destination.ReplicationTime / Metrics`,
        `${rule.timeControl ? 'Enabled' : 'off'} / ${rule.metrics ? 'Enabled' : 'off'} → ${rule.destinationName}`,
        rule.timeControl && rule.metrics,
        `replication rule ${rule.id} of ${rule.source.logicalId} publishes no RTC metrics: latency and failures cannot be alarmed on`,
      );
      const matching = (alarms: typeof latency) =>
        alarms.filter(
          ({ dimensions }) =>
            dimensions.SourceBucket === source &&
            dimensions.DestinationBucket === rule.destinationName &&
            (dimensions.RuleId === undefined || dimensions.RuleId === rule.id),
        );
      for (const [metric, alarms] of [
        ['ReplicationLatency', matching(latency)],
        ['OperationsFailedReplication', matching(failed)],
      ] as const) {
        const notifying = alarms.filter(({ alarm }) => asArray(alarm.properties.AlarmActions).length > 0);
        for (const { alarm } of notifying) {
          findings.check(
            alarm,
            `AWS/S3 ${metric} ${String(alarm.properties.ComparisonOperator)} ${String(alarm.properties.Threshold)} → AlarmActions`,
            asArray(alarm.properties.AlarmActions)
              .map((a) => describeValue(a))
              .join(', '),
            true,
          );
          findings.command(
            `aws cloudwatch describe-alarms --region ${alarm.stack.region} --alarm-names ${shell.physicalId(alarm)} --query "MetricAlarms[].[AlarmName,StateValue,Threshold]" --output table`,
          );
        }
        if (notifying.length === 0) {
          findings.fail(
            `no alarm that notifies anyone watches ${metric} of ${source} → ${rule.destinationName}`,
          );
        }
      }
      const compared = (checker?.functions ?? []).some(({ fn }) => {
        const variables = isRecord(fn.properties.Environment)
          ? fn.properties.Environment.Variables
          : undefined;
        return isRecord(variables) && variables.REPLICA_BUCKET === rule.destinationName;
      });
      const probe = checker?.functions[0]?.fn;
      if (probe) {
        findings.check(
          probe,
          'Environment.Variables.REPLICA_BUCKET (crl-replica probe)',
          compared ? rule.destinationName : '(absent)',
          compared,
          `the health checker does not compare the replica's copy of each CRL in ${rule.destinationName} with the primary's`,
        );
      } else {
        findings.fail('no health checker compares the replica’s copy of each CRL with the primary’s');
      }
      findings.command(
        `aws s3api get-bucket-replication --bucket ${shell.physicalId(rule.source)} --region ${rule.source.stack.region} --query "ReplicationConfiguration.Rules[].[ID,Status,Destination.ReplicationTime.Status,Destination.Metrics.Status]"`,
      );
      findings.command(
        `aws cloudwatch get-metric-statistics --region ${rule.source.stack.region} --namespace AWS/S3 --metric-name ReplicationLatency --dimensions Name=SourceBucket,Value=${source} Name=DestinationBucket,Value=${rule.destinationName} Name=RuleId,Value=${rule.id} --statistics Maximum --period 3600 --start-time $(date -u -d '-1 day' +%FT%TZ) --end-time $(date -u +%FT%TZ)`,
      );
      findings.command(
        `for b in ${source} ${rule.destinationName}; do aws s3api head-object --bucket $b --key crl/CA.crl --query ETag --output text; done   # the same ETag in both`,
      );
    }
    return findings.conclude(
      {
        met: 'Replication latency and failures alarm the operators, and the health checker compares the replica’s copy of every CRL with the primary’s on every run.',
      },
      [
        'docs/deploy.md §10 (replication)',
        'lib/constructs/replication-monitor.ts',
        'lambda/core/health/replica-judgement.ts',
      ],
    );
  },
};

/**
 * Use case A: investigators check the operational record, which starts with someone being told when
 * something fails. Every alarm notifies an SNS topic that has a subscriber; every publish function
 * has an error alarm and every dead-letter queue an alarm, so no failure is silent.
 */
import { applicationFunctions, deadLetterTarget, lambdaEdgeFunctions } from '../app-topology.ts';
import type { AssemblyResource } from '../cloud-assembly.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { asArray, describeValue, isRecord, referencedLogicalIds, refTarget } from '../template-query.ts';

export const monitoringRequirement: Requirement = {
  id: 'uc-a-monitoring',
  title: 'Monitoring: failures raise alarms that reach operators',
  source: 'Use case A: investigators confirm availability from the operational record of the service',
  group: 'use-case-a',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const all = assembly.resources();
    const alarms = assembly.ofType('AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm');
    if (alarms.length === 0) findings.fail('the app defines no CloudWatch alarm');
    const topics = new Map<string, AssemblyResource>();
    const watched = new Set<string>();
    for (const alarm of alarms) {
      const actions = asArray(alarm.properties.AlarmActions);
      const topicIds = actions.map(refTarget).filter((id): id is string => id !== undefined);
      for (const id of topicIds) {
        const topic = assembly.find(alarm.stack, id);
        if (topic?.type === 'AWS::SNS::Topic') topics.set(topic.key, topic);
      }
      for (const id of referencedLogicalIds(alarm.properties.Dimensions))
        watched.add(`${alarm.stack.artifactId}/${id}`);
      findings.check(
        alarm,
        'AlarmActions',
        actions.length === 0
          ? 'none'
          : `${actions.map((a) => describeValue(a)).join(', ')} — ${String(alarm.properties.AlarmDescription ?? alarm.properties.MetricName ?? '')}`,
        topicIds.length > 0,
        `alarm ${alarm.logicalId} notifies nobody (no AlarmActions)`,
      );
    }
    for (const topic of topics.values()) {
      const subscriptions = all.filter(
        (r) =>
          r.type === 'AWS::SNS::Subscription' &&
          r.stack === topic.stack &&
          refTarget(r.properties.TopicArn) === topic.logicalId,
      );
      const inline = asArray(topic.properties.Subscription as Record<string, unknown>[]);
      const endpoints = [
        ...subscriptions.map(
          (s) => `${String(s.properties.Protocol)}: ${describeValue(s.properties.Endpoint)}`,
        ),
        ...inline.filter(isRecord).map((s) => `${String(s.Protocol)}: ${describeValue(s.Endpoint)}`),
      ];
      findings.check(
        topic,
        'subscriptions (AWS::SNS::Subscription)',
        endpoints.length === 0 ? 'none' : endpoints.join(', '),
        endpoints.length > 0,
        `alarm topic ${topic.logicalId} has no subscriber (set health.alarmEmail): alarms reach nobody`,
      );
      findings.command(
        `aws sns list-subscriptions-by-topic --topic-arn ${shell.physicalId(topic)} --region ${topic.stack.region} --query "Subscriptions[].[Protocol,Endpoint,SubscriptionArn]" --output table   # a confirmed subscription has an ARN, not PendingConfirmation`,
      );
    }
    const edge = new Set(lambdaEdgeFunctions(assembly));
    for (const fn of applicationFunctions(assembly).filter((f) => !edge.has(f))) {
      findings.check(
        fn,
        'watched by an alarm (Dimensions)',
        watched.has(fn.key) ? 'yes' : 'no',
        watched.has(fn.key),
        `no alarm watches function ${fn.logicalId}`,
      );
    }
    const deadLetterQueues = new Map<string, AssemblyResource>();
    for (const resource of all) {
      const queue = deadLetterTarget(assembly, resource);
      if (queue) deadLetterQueues.set(queue.key, queue);
    }
    for (const queue of deadLetterQueues.values()) {
      findings.check(
        queue,
        'dead-letter queue watched by an alarm',
        watched.has(queue.key) ? 'yes' : 'no',
        watched.has(queue.key),
        `no alarm watches dead-letter queue ${queue.logicalId}: failed work would wait unseen`,
      );
    }
    for (const region of new Set(alarms.map((a) => a.stack.region))) {
      findings.command(
        `aws cloudwatch describe-alarms --region ${region} --query "MetricAlarms[].[AlarmName,StateValue,AlarmActions[0]]" --output table`,
      );
    }
    if (edge.size > 0) {
      findings.note(
        'Lambda@Edge metrics and logs appear in the Region of each edge location that ran them; the health checker (when deployed) probes the edge end to end instead.',
      );
    }
    return findings.conclude(
      {
        met: `${alarms.length} alarm(s) notify ${[...topics.values()].map((t) => t.logicalId).join(', ')}, which has a subscriber; every function and dead-letter queue is watched.`,
      },
      ['docs/deploy.md §7 (Alarms)', 'lib/constructs/publisher.ts', 'lib/constructs/alarm-topic.ts'],
    );
  },
};

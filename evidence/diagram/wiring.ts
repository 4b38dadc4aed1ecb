/**
 * The arrows between the boxes: every one follows a reference in a template (a role's grants, an
 * event source, a notification, a replication rule, a logging target, an alarm's dimensions and
 * actions, a distribution's origins and edge functions). They are added in a fixed order, which is
 * the order the DOT file lists them in.
 */
import {
  applicationFunctions,
  bucketsWrittenBy,
  deadLetterTarget,
  distributionConfig,
  distributionOrigins,
  edgeAssociations,
  externallyAssumedRoles,
  logBuckets,
  originGroups,
  replicationRules,
  scheduledFunctions,
} from '../app-topology.ts';
import type { AssemblyResource } from '../cloud-assembly.ts';
import {
  asArray,
  bucketPolicyStatements,
  bucketReferenced,
  deniesInsecureTransport,
  grantsAny,
  isRecord,
  objectPattern,
  referencedLogicalIds,
  referencedResource,
  roleOfFunction,
  roleStatements,
} from '../template-query.ts';
import { distributionWebAcl, trailBucket, trailDataEventBuckets } from '../audit-topology.ts';
import type { DiagramScene } from './diagram-scene.ts';
import { alarmsBoxHolding, nodeIdOf, ON_PREM, PEOPLE } from './model.ts';

/** The box of a resource; '' (no box, so no arrow) when the reference led nowhere. */
function node(resource: AssemblyResource | undefined): string {
  return resource ? nodeIdOf(resource) : '';
}

export function wireTemplates(scene: DiagramScene): void {
  wireUploader(scene);
  wireBucketNotifications(scene);
  wireQueues(scene);
  wireFunctionGrants(scene);
  for (const { fn, trigger, schedule } of scheduledFunctions(scene.assembly)) {
    scene.addEdge({ from: node(trigger), to: node(fn), kind: 'event', label: schedule });
  }
  wireAudit(scene);
  wireReplication(scene);
  wireLogs(scene);
  wireAlarms(scene);
  wireDistributions(scene);
}

/** The uploader's outbound path: the role it assumes and the buckets that role may write. */
function wireUploader(scene: DiagramScene): void {
  const { assembly } = scene;
  for (const role of externallyAssumedRoles(assembly)) {
    scene.addEdge({
      from: ON_PREM.uploader,
      to: node(role),
      kind: 'control',
      label: 'assumes role (STS, HTTPS, outbound)',
      encrypted: true,
    });
    for (const { bucket } of bucketsWrittenBy(assembly, role)) {
      const tls = deniesInsecureTransport(bucketPolicyStatements(assembly, bucket));
      scene.addEdge({
        from: ON_PREM.uploader,
        to: node(bucket),
        kind: 'upload',
        label: `HTTPS upload (outbound only)${tls ? ' [TLS]' : ''}\\nPUT bundles, GET receipts`,
        encrypted: tls,
      });
    }
  }
}

/** S3 event notifications (CDK writes them through its bucket-notifications custom resource). */
function wireBucketNotifications(scene: DiagramScene): void {
  const { assembly } = scene;
  for (const custom of assembly.ofType('Custom::S3BucketNotifications')) {
    const bucket = bucketReferenced(assembly, custom.stack, custom.properties.BucketName);
    const configuration = custom.properties.NotificationConfiguration;
    const lambdas = isRecord(configuration)
      ? asArray(configuration.LambdaFunctionConfigurations as Record<string, unknown>[])
      : [];
    for (const config of lambdas.filter(isRecord)) {
      const filter = JSON.stringify(config.Filter ?? '').includes('manifest')
        ? 'manifest written'
        : 'ObjectCreated';
      scene.addEdge({
        from: node(bucket),
        to: node(referencedResource(assembly, custom.stack, config.LambdaFunctionArn)),
        kind: 'event',
        label: `S3 event: ${filter}`,
      });
    }
  }
}

/** Queues: the functions they trigger and where their dead letters go. */
function wireQueues(scene: DiagramScene): void {
  const { assembly } = scene;
  for (const mapping of assembly.ofType('AWS::Lambda::EventSourceMapping')) {
    scene.addEdge({
      from: node(referencedResource(assembly, mapping.stack, mapping.properties.EventSourceArn)),
      to: node(referencedResource(assembly, mapping.stack, mapping.properties.FunctionName)),
      kind: 'event',
      label: `triggers (batch ${String(mapping.properties.BatchSize ?? 10)})`,
    });
  }
  for (const queue of assembly.ofType('AWS::SQS::Queue')) {
    const dlq = deadLetterTarget(assembly, queue);
    if (dlq) {
      const redrive = queue.properties.RedrivePolicy as Record<string, unknown>;
      scene.addEdge({
        from: node(queue),
        to: node(dlq),
        kind: 'control',
        label: `dead letters after ${String(redrive.maxReceiveCount ?? '?')} tries`,
      });
    }
  }
}

/** What each function may do, from its role: write buckets, send to queues, publish, probe. */
function wireFunctionGrants(scene: DiagramScene): void {
  const { assembly } = scene;
  for (const fn of applicationFunctions(assembly)) {
    const from = node(fn);
    const dlq = deadLetterTarget(assembly, fn);
    if (dlq) scene.addEdge({ from, to: node(dlq), kind: 'control', label: 'failed events' });
    const role = roleOfFunction(assembly, fn);
    if (!role) continue;
    for (const statement of roleStatements(assembly, role)) {
      if (statement.Effect !== 'Allow') continue;
      for (const resource of asArray(statement.Resource)) {
        const bucket = bucketReferenced(assembly, role.stack, resource);
        const pattern = objectPattern(resource);
        const keys = pattern === undefined ? '' : pattern === '*' ? ' (any key)' : ` ${pattern}`;
        if (bucket && grantsAny(statement, ['s3:PutObject'])) {
          scene.addEdge({ from, to: node(bucket), kind: 'data', label: `PutObject${keys}`, encrypted: true });
        }
        const target = referencedResource(assembly, role.stack, resource);
        if (
          target?.type === 'AWS::SQS::Queue' &&
          grantsAny(statement, ['sqs:SendMessage']) &&
          target !== dlq
        ) {
          scene.addEdge({ from, to: node(target), kind: 'data', label: 'SendMessage' });
        }
        if (target?.type === 'AWS::SNS::Topic' && grantsAny(statement, ['sns:Publish'])) {
          scene.addEdge({ from, to: node(target), kind: 'alarm', label: 'Publish' });
        }
      }
    }
    // A function told the distribution's domain (or an alternate domain name) calls it over HTTP: a probe.
    const environment = isRecord(fn.properties.Environment) ? fn.properties.Environment.Variables : undefined;
    for (const distribution of assembly.ofType('AWS::CloudFront::Distribution')) {
      const env = JSON.stringify(environment ?? {});
      const aliases = asArray(distributionConfig(distribution).Aliases as string[]).filter(
        (a) => typeof a === 'string',
      );
      if (
        env.includes(`"${distribution.logicalId}","DomainName"`) ||
        aliases.some((alias) => env.includes(`//${alias}`))
      ) {
        scene.addEdge({
          from,
          to: node(distribution),
          kind: 'serve',
          label: 'HTTP probes (as a relying party)',
        });
      }
    }
  }
}

function wireReplication(scene: DiagramScene): void {
  const { assembly } = scene;
  for (const bucket of assembly.ofType('AWS::S3::Bucket')) {
    for (const { target, replicationTime } of replicationRules(assembly, bucket)) {
      scene.addEdge({
        from: node(bucket),
        to: node(target),
        kind: 'replication',
        label: `Cross-Region Replication${replicationTime ? ' (RTC 15 min)' : ''} [TLS]`,
        encrypted: true,
      });
    }
  }
}

/** The trail and what it records, the web ACL in front of the distribution, the uploader's trust anchor. */
function wireAudit(scene: DiagramScene): void {
  const { assembly } = scene;
  for (const trail of assembly.ofType('AWS::CloudTrail::Trail')) {
    for (const { bucket } of trailDataEventBuckets(assembly, trail)) {
      scene.addEdge({
        from: node(bucket),
        to: node(trail),
        kind: 'log',
        label: 'S3 data events (writes)',
        ranks: false,
      });
    }
    const bucket = trailBucket(assembly, trail);
    if (bucket) {
      scene.addEdge({
        from: node(trail),
        to: node(bucket),
        kind: 'log',
        label: 'log files + signed digests',
      });
    }
  }
  for (const distribution of assembly.ofType('AWS::CloudFront::Distribution')) {
    const attached = distributionWebAcl(assembly, distribution);
    if (attached.kind === 'in-templates') {
      scene.addEdge({
        from: node(attached.webAcl),
        to: node(distribution),
        kind: 'control',
        label: 'OCSP POST abuse label → tryLater',
      });
    }
  }
  for (const anchor of assembly.ofType('AWS::RolesAnywhere::TrustAnchor')) {
    scene.addEdge({
      from: ON_PREM.uploader,
      to: node(anchor),
      kind: 'control',
      label: 'X.509 certificate (signing helper, HTTPS)',
      encrypted: true,
    });
  }
}

/** S3 server access logs and CloudFront standard logs, into the buckets that receive them. */
function wireLogs(scene: DiagramScene): void {
  const { assembly } = scene;
  for (const [logBucket, senders] of logBuckets(assembly)) {
    for (const { resource: from } of senders) {
      const fromDistribution = from.type === 'AWS::CloudFront::Distribution';
      scene.addEdge({
        from: node(from),
        to: node(logBucket),
        kind: 'log',
        label: fromDistribution ? 'standard logs' : 'access logs',
        // A log bucket sits beside the buckets it serves; the distribution's logs loop back to it.
        ranks: !fromDistribution,
      });
    }
  }
}

/** Alarms: what they watch (their metric dimensions), the topics they notify, the dashboards showing them. */
function wireAlarms(scene: DiagramScene): void {
  const { assembly } = scene;
  for (const alarm of assembly.ofType('AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm')) {
    const group = alarmsBoxHolding(scene.nodes.values(), alarm.logicalId);
    if (!group) continue;
    for (const id of referencedLogicalIds(alarm.properties.Dimensions)) {
      const watched = assembly.find(alarm.stack, id);
      if (watched) scene.addEdge({ from: node(watched), to: group.id, kind: 'watch', label: '' });
    }
    for (const action of asArray(alarm.properties.AlarmActions)) {
      const topic = referencedResource(assembly, alarm.stack, action);
      if (topic) scene.addEdge({ from: group.id, to: node(topic), kind: 'alarm', label: 'ALARM' });
    }
  }
  for (const dashboard of assembly.ofType('AWS::CloudWatch::Dashboard')) {
    for (const id of referencedLogicalIds(dashboard.properties.DashboardBody)) {
      const group = alarmsBoxHolding(scene.nodes.values(), id);
      if (group) scene.addEdge({ from: group.id, to: node(dashboard), kind: 'watch', label: '' });
    }
  }
}

/** CloudFront: origins (drawn from the bucket, read by CloudFront), edge code, relying parties. */
function wireDistributions(scene: DiagramScene): void {
  const { assembly } = scene;
  for (const distribution of assembly.ofType('AWS::CloudFront::Distribution')) {
    const dist = node(distribution);
    const groups = originGroups(distribution);
    const fallback = new Set(groups.flatMap((g) => g.members.slice(1)));
    for (const origin of distributionOrigins(assembly, distribution)) {
      if (!origin.bucket) continue;
      const isFallback = fallback.has(origin.id);
      const codes = groups.find((g) => g.members.includes(origin.id))?.failoverStatusCodes ?? [];
      scene.addEdge({
        from: node(origin.bucket),
        to: dist,
        kind: 'origin',
        label: isFallback
          ? `failover origin on ${codes
              .map((c) => (c >= 500 ? '5xx' : String(c)))
              .filter((c, i, all) => all.indexOf(c) === i)
              .join('/')}\\n(OAC SigV4 read)`
          : origin.usesOriginAccessControl
            ? 'origin read (OAC SigV4)'
            : 'origin read',
        encrypted: origin.usesOriginAccessControl,
        reverse: true,
      });
    }
    const byTarget = new Map<string, Map<string, string[]>>();
    for (const association of edgeAssociations(assembly, distribution)) {
      if (!association.target) continue;
      const events = byTarget.get(node(association.target)) ?? new Map<string, string[]>();
      const event = `${association.eventType}${association.includeBody ? ' (with body)' : ''}`;
      events.set(event, [
        ...(events.get(event) ?? []),
        association.behavior === '(default)' ? 'default' : association.behavior,
      ]);
      byTarget.set(node(association.target), events);
    }
    for (const [target, events] of byTarget) {
      const label = [...events].map(([event, behaviors]) => `${event}: ${behaviors.join(', ')}`).join('\\n');
      scene.addEdge({ from: dist, to: target, kind: 'control', label });
    }
    scene.addEdge({
      from: dist,
      to: PEOPLE.relyingParties,
      kind: 'serve',
      label: 'HTTP CDP / AIA / OCSP (never redirected)\\n+ HTTPS',
      reverse: true,
    });
  }
}

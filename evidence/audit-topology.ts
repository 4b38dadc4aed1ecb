/**
 * What the audit rows (log integrity, upload access, abuse limits, replication monitoring) read from
 * the templates: Object Lock of a bucket, the CloudTrail trails and the buckets whose writes they
 * record, the web ACL a distribution carries (possibly from another Region's stack, through
 * `Fn::GetStackOutput`), the replication rules of the buckets. Recognised from what the templates
 * wire together, never from construct names.
 */
import type { AssemblyResource, CloudAssembly } from './cloud-assembly.ts';
import { distributionConfig } from './app-topology.ts';
import { asArray, bucketReferenced, describeValue, isRecord, refTarget } from './template-query.ts';

export interface BucketLock {
  enabled: boolean;
  mode?: string;
  days?: number;
  years?: number;
}

/** A bucket's Object Lock as declared: enabled, and its default retention. */
export function bucketLock(bucket: AssemblyResource): BucketLock {
  const configuration = bucket.properties.ObjectLockConfiguration;
  const rule = isRecord(configuration) && isRecord(configuration.Rule) ? configuration.Rule : {};
  const retention = isRecord(rule.DefaultRetention) ? rule.DefaultRetention : {};
  return {
    enabled: bucket.properties.ObjectLockEnabled === true || bucket.properties.ObjectLockEnabled === 'true',
    ...(typeof retention.Mode === 'string' ? { mode: retention.Mode } : {}),
    ...(typeof retention.Days === 'number' ? { days: retention.Days } : {}),
    ...(typeof retention.Years === 'number' ? { years: retention.Years } : {}),
  };
}

export function describeLock(lock: BucketLock): string {
  if (!lock.enabled) return 'no Object Lock';
  if (!lock.mode) return 'Object Lock enabled, no default retention';
  const period = lock.days !== undefined ? `${lock.days} days` : `${lock.years ?? '?'} years`;
  return `Object Lock ${lock.mode}, default retention ${period}`;
}

/** Locked with a default retention: every new version is protected without the writer asking. */
export function isLockedByDefault(lock: BucketLock): boolean {
  return lock.enabled && lock.mode !== undefined && (lock.days !== undefined || lock.years !== undefined);
}

export function isVersioned(bucket: AssemblyResource): boolean {
  const versioning = bucket.properties.VersioningConfiguration;
  return isRecord(versioning) && versioning.Status === 'Enabled';
}

export interface TrailDataEvents {
  bucket: AssemblyResource;
  readWriteType: string;
}

/** The S3 buckets whose object-level events a trail records (classic event selectors). */
export function trailDataEventBuckets(assembly: CloudAssembly, trail: AssemblyResource): TrailDataEvents[] {
  const found: TrailDataEvents[] = [];
  for (const selector of asArray(trail.properties.EventSelectors as Record<string, unknown>[]).filter(
    isRecord,
  )) {
    const readWriteType = String(selector.ReadWriteType ?? 'All');
    for (const resource of asArray(selector.DataResources as Record<string, unknown>[]).filter(isRecord)) {
      if (resource.Type !== 'AWS::S3::Object') continue;
      for (const value of asArray(resource.Values as unknown[])) {
        const bucket = bucketReferenced(assembly, trail.stack, value);
        if (bucket) found.push({ bucket, readWriteType });
      }
    }
  }
  return found;
}

/** The bucket a trail delivers to. */
export function trailBucket(assembly: CloudAssembly, trail: AssemblyResource): AssemblyResource | undefined {
  return bucketReferenced(assembly, trail.stack, trail.properties.S3BucketName);
}

/**
 * Follows `{Ref}`/`{Fn::GetAtt}` in the same stack, and `{Fn::GetStackOutput}` (CDK's cross-Region
 * references) to the output of the named stack and what that output references.
 */
export function referencedResource(
  assembly: CloudAssembly,
  from: AssemblyResource,
  value: unknown,
): AssemblyResource | undefined {
  const local = refTarget(value);
  if (local) return assembly.find(from.stack, local);
  const output =
    isRecord(value) && isRecord(value['Fn::GetStackOutput']) ? value['Fn::GetStackOutput'] : undefined;
  if (!output) return undefined;
  const stack = assembly.stacks.find(
    (s) => s.stackName === output.StackName && (output.Region === undefined || s.region === output.Region),
  );
  const exported = stack?.template.Outputs?.[String(output.OutputName)];
  const target = exported && refTarget(exported.Value);
  return stack && target ? assembly.find(stack, target) : undefined;
}

export type DistributionWebAcl =
  { kind: 'none' } | { kind: 'in-templates'; webAcl: AssemblyResource } | { kind: 'external'; arn: string };

export function distributionWebAcl(
  assembly: CloudAssembly,
  distribution: AssemblyResource,
): DistributionWebAcl {
  const value = distributionConfig(distribution).WebACLId;
  if (value === undefined || value === '') return { kind: 'none' };
  const webAcl = referencedResource(assembly, distribution, value);
  if (webAcl?.type === 'AWS::WAFv2::WebACL') return { kind: 'in-templates', webAcl };
  return { kind: 'external', arn: describeValue(value) };
}

export interface ReplicationRule {
  source: AssemblyResource;
  id: string;
  destination?: AssemblyResource;
  destinationName: string;
  timeControl: boolean;
  metrics: boolean;
}

export function replicationRules(assembly: CloudAssembly): ReplicationRule[] {
  const rules: ReplicationRule[] = [];
  for (const source of assembly.ofType('AWS::S3::Bucket')) {
    const configuration = source.properties.ReplicationConfiguration;
    if (!isRecord(configuration)) continue;
    for (const rule of asArray(configuration.Rules as Record<string, unknown>[]).filter(isRecord)) {
      const destination = isRecord(rule.Destination) ? rule.Destination : {};
      const arn = describeValue(destination.Bucket, 1000);
      const target = bucketReferenced(assembly, source.stack, destination.Bucket);
      rules.push({
        source,
        id: String(rule.Id ?? '(no ID)'),
        ...(target ? { destination: target } : {}),
        destinationName: /^arn:[^:]+:s3:::(.+)$/.exec(arn)?.[1] ?? arn,
        timeControl:
          isRecord(destination.ReplicationTime) && destination.ReplicationTime.Status === 'Enabled',
        metrics: isRecord(destination.Metrics) && destination.Metrics.Status === 'Enabled',
      });
    }
  }
  return rules;
}

/** The literal name of a bucket (fixed names are what replication metrics and alarms carry). */
export function bucketName(bucket: AssemblyResource): string | undefined {
  return typeof bucket.properties.BucketName === 'string' ? bucket.properties.BucketName : undefined;
}

/** The CloudWatch alarms on one metric, with their dimensions as name → rendered value. */
export function alarmsOn(
  assembly: CloudAssembly,
  namespace: string,
  metricName: string,
): { alarm: AssemblyResource; dimensions: Record<string, string> }[] {
  return assembly
    .ofType('AWS::CloudWatch::Alarm')
    .filter((a) => a.properties.Namespace === namespace && a.properties.MetricName === metricName)
    .map((alarm) => ({
      alarm,
      dimensions: Object.fromEntries(
        asArray(alarm.properties.Dimensions as Record<string, unknown>[])
          .filter(isRecord)
          .map((d) => [String(d.Name), describeValue(d.Value)]),
      ),
    }));
}

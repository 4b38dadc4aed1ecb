/**
 * The parts of the repository recognised from what the templates wire together, not from construct
 * names: origin buckets are what a distribution reads, log buckets are what receives access logs,
 * the publish gate is the function that carries the pinned-certificate layer, the uploader role is
 * the role a non-service principal assumes, a health checker is a function on a schedule. Checks and
 * the diagram share these answers, so both change when the app does.
 */
import type { AssemblyResource, CloudAssembly, StackArtifact } from './cloud-assembly.ts';
import {
  asArray,
  bucketReferenced,
  grantsAny,
  isCdkHelper,
  isRecord,
  referencedLogicalIds,
  referencedResource,
  refTarget,
  roleOfFunction,
  roleStatements,
  type PolicyStatement,
} from './template-query.ts';

export interface CacheBehavior {
  /** `(default)` for the default behaviour, else the path pattern. */
  pathPattern: string;
  viewerProtocolPolicy: string;
  targetOriginId: string;
  allowedMethods: string[];
  json: Record<string, unknown>;
  /** Property path in the template, for evidence rows. */
  property: string;
}

export interface DistributionOrigin {
  id: string;
  bucket?: AssemblyResource;
  domainName: unknown;
  usesOriginAccessControl: boolean;
  /** A custom (non-S3) origin with its protocol policy. */
  customProtocolPolicy?: string;
}

export interface OriginGroupInfo {
  id: string;
  members: string[];
  failoverStatusCodes: number[];
}

export interface EdgeAssociation {
  behavior: string;
  eventType: string;
  kind: 'cloudfront-function' | 'lambda-edge';
  /** The CloudFront Function or the Lambda@Edge function (possibly in the us-east-1 stack). */
  target?: AssemblyResource;
  includeBody?: boolean;
}

export function distributionConfig(distribution: AssemblyResource): Record<string, unknown> {
  const config = distribution.properties.DistributionConfig;
  return isRecord(config) ? config : {};
}

export function cacheBehaviors(distribution: AssemblyResource): CacheBehavior[] {
  const config = distributionConfig(distribution);
  const toBehavior = (
    json: Record<string, unknown>,
    property: string,
    pathPattern: string,
  ): CacheBehavior => ({
    pathPattern,
    viewerProtocolPolicy: String(json.ViewerProtocolPolicy ?? '(absent)'),
    targetOriginId: String(json.TargetOriginId ?? ''),
    allowedMethods: asArray(json.AllowedMethods as string[]).map(String),
    json,
    property,
  });
  const behaviors: CacheBehavior[] = [];
  if (isRecord(config.DefaultCacheBehavior)) {
    behaviors.push(toBehavior(config.DefaultCacheBehavior, 'DefaultCacheBehavior', '(default)'));
  }
  asArray(config.CacheBehaviors as Record<string, unknown>[]).forEach((json, i) => {
    if (isRecord(json))
      behaviors.push(toBehavior(json, `CacheBehaviors[${i}]`, String(json.PathPattern ?? '?')));
  });
  return behaviors;
}

export function distributionOrigins(
  assembly: CloudAssembly,
  distribution: AssemblyResource,
): DistributionOrigin[] {
  const config = distributionConfig(distribution);
  return asArray(config.Origins as Record<string, unknown>[])
    .filter(isRecord)
    .map((origin) => {
      const custom = isRecord(origin.CustomOriginConfig) ? origin.CustomOriginConfig : undefined;
      const bucket = custom ? undefined : bucketReferenced(assembly, distribution.stack, origin.DomainName);
      return {
        id: String(origin.Id),
        ...(bucket ? { bucket } : {}),
        domainName: origin.DomainName,
        usesOriginAccessControl:
          origin.OriginAccessControlId !== undefined && origin.OriginAccessControlId !== '',
        ...(custom ? { customProtocolPolicy: String(custom.OriginProtocolPolicy ?? '(absent)') } : {}),
      };
    });
}

export function originGroups(distribution: AssemblyResource): OriginGroupInfo[] {
  const config = distributionConfig(distribution);
  const groups = isRecord(config.OriginGroups) ? asArray(config.OriginGroups.Items as unknown[]) : [];
  return groups.filter(isRecord).map((group) => {
    const members = isRecord(group.Members) ? asArray(group.Members.Items as unknown[]) : [];
    const criteria = isRecord(group.FailoverCriteria) ? group.FailoverCriteria : {};
    const codes = isRecord(criteria.StatusCodes) ? asArray(criteria.StatusCodes.Items as number[]) : [];
    return {
      id: String(group.Id),
      members: members.filter(isRecord).map((m) => String(m.OriginId)),
      failoverStatusCodes: codes.map(Number),
    };
  });
}

/** Every S3 bucket some distribution reads: the repository and its replica. */
export function originBuckets(assembly: CloudAssembly): AssemblyResource[] {
  const found = new Map<string, AssemblyResource>();
  for (const distribution of assembly.ofType('AWS::CloudFront::Distribution')) {
    for (const origin of distributionOrigins(assembly, distribution)) {
      if (origin.bucket) found.set(origin.bucket.key, origin.bucket);
    }
  }
  return [...found.values()];
}

export interface ReplicationRule {
  json: Record<string, unknown>;
  destination: Record<string, unknown>;
  /** The destination bucket, when it is a bucket of this app. */
  target?: AssemblyResource;
  /** S3 Replication Time Control (15-minute replication) is on. */
  replicationTime: boolean;
}

/** The bucket's Cross-Region Replication rules, with their destination buckets. */
export function replicationRules(assembly: CloudAssembly, bucket: AssemblyResource): ReplicationRule[] {
  const replication = bucket.properties.ReplicationConfiguration;
  const rules = isRecord(replication) ? asArray(replication.Rules as Record<string, unknown>[]) : [];
  return rules.filter(isRecord).map((json) => {
    const destination = isRecord(json.Destination) ? json.Destination : {};
    const target = bucketReferenced(assembly, bucket.stack, destination.Bucket);
    return {
      json,
      destination,
      ...(target ? { target } : {}),
      replicationTime:
        isRecord(destination.ReplicationTime) && destination.ReplicationTime.Status === 'Enabled',
    };
  });
}

/** A bucket or distribution that writes logs into a log bucket. */
export interface LogSender {
  resource: AssemblyResource;
  /** `S3 access logs of <LogicalId>` or `CloudFront standard logs of <LogicalId>`. */
  description: string;
}

/** Buckets that receive S3 server access logs or CloudFront standard logs, with who sends them. */
export function logBuckets(assembly: CloudAssembly): Map<AssemblyResource, LogSender[]> {
  const result = new Map<AssemblyResource, LogSender[]>();
  const add = (bucket: AssemblyResource | undefined, resource: AssemblyResource, description: string) => {
    if (bucket) result.set(bucket, [...(result.get(bucket) ?? []), { resource, description }]);
  };
  for (const bucket of assembly.ofType('AWS::S3::Bucket')) {
    const logging = bucket.properties.LoggingConfiguration;
    if (isRecord(logging) && logging.DestinationBucketName !== undefined) {
      add(
        bucketReferenced(assembly, bucket.stack, logging.DestinationBucketName),
        bucket,
        `S3 access logs of ${bucket.logicalId}`,
      );
    }
  }
  for (const distribution of assembly.ofType('AWS::CloudFront::Distribution')) {
    const logging = distributionConfig(distribution).Logging;
    if (isRecord(logging) && logging.Bucket !== undefined) {
      add(
        bucketReferenced(assembly, distribution.stack, logging.Bucket),
        distribution,
        `CloudFront standard logs of ${distribution.logicalId}`,
      );
    }
  }
  return result;
}

/** The distribution's Lambda@Edge and CloudFront Function associations, resolved to their functions. */
export function edgeAssociations(assembly: CloudAssembly, distribution: AssemblyResource): EdgeAssociation[] {
  const result: EdgeAssociation[] = [];
  for (const behavior of cacheBehaviors(distribution)) {
    for (const association of asArray(behavior.json.FunctionAssociations as Record<string, unknown>[])) {
      if (!isRecord(association)) continue;
      const target = referencedResource(assembly, distribution.stack, association.FunctionARN);
      result.push({
        behavior: behavior.pathPattern,
        eventType: String(association.EventType),
        kind: 'cloudfront-function',
        ...(target ? { target } : {}),
      });
    }
    for (const association of asArray(
      behavior.json.LambdaFunctionAssociations as Record<string, unknown>[],
    )) {
      if (!isRecord(association)) continue;
      result.push({
        behavior: behavior.pathPattern,
        eventType: String(association.EventType),
        kind: 'lambda-edge',
        target: lambdaEdgeTarget(assembly, distribution, association.LambdaFunctionARN),
        ...(association.IncludeBody === true ? { includeBody: true } : {}),
      });
    }
  }
  return result;
}

/**
 * EdgeFunction (CDK) puts the function in a us-east-1 stack, publishes its version ARN in an SSM
 * parameter there, and reads it back in the distribution's stack with a custom resource: follow
 * that chain (or a direct reference to a version or function) to the function resource.
 */
function lambdaEdgeTarget(
  assembly: CloudAssembly,
  distribution: AssemblyResource,
  arn: unknown,
): AssemblyResource | undefined {
  const local = referencedResource(assembly, distribution.stack, arn);
  if (local?.type === 'AWS::Lambda::Function') return local;
  if (local?.type === 'AWS::Lambda::Version') return functionOfVersion(assembly, local);
  const parameterName = local?.properties.ParameterName;
  if (typeof parameterName !== 'string') return undefined;
  const parameter = assembly.ofType('AWS::SSM::Parameter').find((p) => p.properties.Name === parameterName);
  const version = parameter && referencedResource(assembly, parameter.stack, parameter.properties.Value);
  return version ? functionOfVersion(assembly, version) : undefined;
}

function functionOfVersion(assembly: CloudAssembly, version: AssemblyResource): AssemblyResource | undefined {
  return referencedResource(assembly, version.stack, version.properties.FunctionName);
}

/** Lambda@Edge functions of every distribution. */
export function lambdaEdgeFunctions(assembly: CloudAssembly): AssemblyResource[] {
  const found = new Map<string, AssemblyResource>();
  for (const distribution of assembly.ofType('AWS::CloudFront::Distribution')) {
    for (const association of edgeAssociations(assembly, distribution)) {
      if (association.kind === 'lambda-edge' && association.target) {
        found.set(association.target.key, association.target);
      }
    }
  }
  return [...found.values()];
}

/** Lambda functions written for ca-repo (CDK's own custom-resource handlers left out). */
export function applicationFunctions(assembly: CloudAssembly): AssemblyResource[] {
  return assembly.ofType('AWS::Lambda::Function').filter((fn) => !isCdkHelper(fn));
}

/** The dead-letter queue a queue (`RedrivePolicy`) or a function (`DeadLetterConfig`) sends failures to. */
export function deadLetterTarget(
  assembly: CloudAssembly,
  resource: AssemblyResource,
): AssemblyResource | undefined {
  const p = resource.properties;
  if (resource.type === 'AWS::SQS::Queue' && isRecord(p.RedrivePolicy))
    return referencedResource(assembly, resource.stack, p.RedrivePolicy.deadLetterTargetArn);
  if (resource.type === 'AWS::Lambda::Function' && isRecord(p.DeadLetterConfig))
    return referencedResource(assembly, resource.stack, p.DeadLetterConfig.TargetArn);
  return undefined;
}

/** Functions invoked by data arriving: an S3 event notification or a queue (event source mapping). */
export function dataTriggeredFunctions(assembly: CloudAssembly): Set<string> {
  const keys = new Set<string>();
  const invoked = (stack: StackArtifact, configuration: unknown) => {
    if (!isRecord(configuration)) return;
    for (const config of asArray(configuration.LambdaFunctionConfigurations as Record<string, unknown>[])) {
      const id = isRecord(config) ? refTarget(config.LambdaFunctionArn ?? config.Function) : undefined;
      if (id) keys.add(`${stack.artifactId}/${id}`);
    }
  };
  for (const custom of assembly.ofType('Custom::S3BucketNotifications')) {
    invoked(custom.stack, custom.properties.NotificationConfiguration);
  }
  for (const bucket of assembly.ofType('AWS::S3::Bucket'))
    invoked(bucket.stack, bucket.properties.NotificationConfiguration);
  for (const mapping of assembly.ofType('AWS::Lambda::EventSourceMapping')) {
    const id = refTarget(mapping.properties.FunctionName);
    if (id) keys.add(`${mapping.stack.artifactId}/${id}`);
  }
  return keys;
}

/**
 * The publish gate: functions that carry a layer holding the pinned CA certificates and are
 * invoked by uploaded data (an S3 event or a queue). A scheduled function with the same layer (the
 * health checker verifying what is served) is not a gate.
 */
export function publishGateFunctions(
  assembly: CloudAssembly,
  trustLayers: readonly AssemblyResource[],
): AssemblyResource[] {
  const layerKeys = new Set(trustLayers.map((l) => l.key));
  const triggered = dataTriggeredFunctions(assembly);
  return applicationFunctions(assembly).filter(
    (fn) => triggered.has(fn.key) && layerKeysOf(fn).some((key) => layerKeys.has(key)),
  );
}

/** Keys (`stack/LogicalId`) of the layers of the function's own stack that it runs with. */
export function layerKeysOf(fn: AssemblyResource): string[] {
  return asArray(fn.properties.Layers)
    .map(refTarget)
    .filter((id) => id !== undefined)
    .map((id) => `${fn.stack.artifactId}/${id}`);
}

/** The principal kinds a role's trust policy admits. */
function trustedPrincipals(role: AssemblyResource): { services: string[]; others: string[] } {
  const document = role.properties.AssumeRolePolicyDocument;
  const statements = isRecord(document) ? asArray(document.Statement as Record<string, unknown>[]) : [];
  const services: string[] = [];
  const others: string[] = [];
  for (const statement of statements) {
    if (!isRecord(statement) || statement.Effect !== 'Allow') continue;
    const principal = statement.Principal;
    if (!isRecord(principal)) {
      others.push(String(principal));
      continue;
    }
    services.push(...asArray(principal.Service).map(String));
    for (const [kind, value] of Object.entries(principal)) {
      if (kind !== 'Service')
        others.push(...asArray(value).map((v) => `${kind}:${typeof v === 'string' ? v : JSON.stringify(v)}`));
    }
  }
  return { services, others };
}

/** Services that hand a role to a workload outside AWS (an X.509 certificate through a trust anchor). */
const OUTSIDE_WORKLOAD_SERVICES = ['rolesanywhere.amazonaws.com'];

/**
 * Roles people or machines outside AWS assume: trusted by a non-service principal, or through IAM
 * Roles Anywhere. The on-prem uploader's.
 */
export function externallyAssumedRoles(assembly: CloudAssembly): AssemblyResource[] {
  return assembly
    .ofType('AWS::IAM::Role')
    .filter((role) => !isCdkHelper(role))
    .filter((role) => {
      const { services, others } = trustedPrincipals(role);
      return others.length > 0 || services.some((s) => OUTSIDE_WORKLOAD_SERVICES.includes(s));
    });
}

export function trustedPrincipalsOf(role: AssemblyResource): string[] {
  const { services, others } = trustedPrincipals(role);
  return [...others, ...services.map((s) => `Service:${s}`)];
}

/** The buckets a role may write objects into, with the statements that allow it. */
export function bucketsWrittenBy(
  assembly: CloudAssembly,
  role: AssemblyResource,
): { bucket: AssemblyResource; statement: PolicyStatement }[] {
  const result: { bucket: AssemblyResource; statement: PolicyStatement }[] = [];
  for (const statement of roleStatements(assembly, role)) {
    if (!grantsAny(statement, ['s3:PutObject'])) continue;
    for (const resource of asArray(statement.Resource)) {
      const bucket = bucketReferenced(assembly, role.stack, resource);
      if (bucket && !result.some((r) => r.bucket === bucket && r.statement === statement)) {
        result.push({ bucket, statement });
      }
    }
  }
  return result;
}

/** Functions started by a schedule (EventBridge rule or EventBridge Scheduler), with the expression. */
export function scheduledFunctions(
  assembly: CloudAssembly,
): { fn: AssemblyResource; schedule: string; trigger: AssemblyResource }[] {
  const result: { fn: AssemblyResource; schedule: string; trigger: AssemblyResource }[] = [];
  for (const rule of assembly.ofType('AWS::Events::Rule')) {
    if (typeof rule.properties.ScheduleExpression !== 'string') continue;
    for (const target of asArray(rule.properties.Targets as Record<string, unknown>[])) {
      const fn = isRecord(target) ? referencedResource(assembly, rule.stack, target.Arn) : undefined;
      if (fn?.type === 'AWS::Lambda::Function')
        result.push({ fn, schedule: rule.properties.ScheduleExpression, trigger: rule });
    }
  }
  for (const schedule of assembly.ofType('AWS::Scheduler::Schedule')) {
    const target = schedule.properties.Target;
    const fn = isRecord(target) ? referencedResource(assembly, schedule.stack, target.Arn) : undefined;
    if (fn?.type === 'AWS::Lambda::Function') {
      result.push({ fn, schedule: String(schedule.properties.ScheduleExpression ?? '?'), trigger: schedule });
    }
  }
  return result.filter((r) => !isCdkHelper(r.fn));
}

/**
 * The health checker, when the app has one: scheduled functions that are not the publish gate,
 * the buckets they write (the ledger) and the alarms and dashboards that watch them.
 */
export interface HealthChecker {
  functions: { fn: AssemblyResource; schedule: string; trigger: AssemblyResource }[];
  ledgerBuckets: AssemblyResource[];
  alarms: AssemblyResource[];
  dashboards: AssemblyResource[];
}

export function findHealthChecker(assembly: CloudAssembly): HealthChecker | undefined {
  const functions = scheduledFunctions(assembly);
  if (functions.length === 0) return undefined;
  const ledgerBuckets = new Map<string, AssemblyResource>();
  for (const { fn } of functions) {
    const role = roleOfFunction(assembly, fn);
    if (!role) continue;
    for (const { bucket } of bucketsWrittenBy(assembly, role)) ledgerBuckets.set(bucket.logicalId, bucket);
  }
  const fnIds = new Set(functions.map((f) => f.fn.logicalId));
  const alarms = assembly
    .ofType('AWS::CloudWatch::Alarm')
    .filter(
      (alarm) =>
        [...referencedLogicalIds(alarm.properties)].some((id) => fnIds.has(id)) || /health/i.test(alarm.path),
    );
  return {
    functions,
    ledgerBuckets: [...ledgerBuckets.values()],
    alarms,
    dashboards: assembly.ofType('AWS::CloudWatch::Dashboard'),
  };
}

/** The stack that serves the repository (holds a distribution), else the first stack. */
export function servingStack(assembly: CloudAssembly): StackArtifact {
  return assembly.ofType('AWS::CloudFront::Distribution')[0]?.stack ?? assembly.stacks[0]!;
}

/** Construct path of the resource relative to its stack (`CaRepo/Publisher/WorkQueue`). */
export function pathInStack(resource: AssemblyResource): string {
  const prefix = `${resource.stack.artifactId}/`;
  return resource.path.startsWith(prefix) ? resource.path.slice(prefix.length) : resource.path;
}

/**
 * The architecture diagram as data, derived from the cloud assembly: every resource an investigator
 * would ask about becomes a node in the cluster of its Region and construct, and the arrows come
 * from what the templates wire together (notifications, event sources, IAM grants, origins,
 * replication, logging, alarm actions). Plumbing (policies, permissions, versions, CDK's own
 * custom-resource handlers) is counted instead of drawn, so nothing is silently missing. Only the
 * on-premises side and the people are fixed: they are not in any template.
 */
import {
  applicationFunctions,
  cacheBehaviors,
  distributionConfig,
  distributionOrigins,
  edgeAssociations,
  externallyAssumedRoles,
  lambdaEdgeFunctions,
  logBuckets,
  originBuckets,
  originGroups,
  pathInStack,
  scheduledFunctions,
  servingStack,
} from './app-topology.ts';
import type { AssemblyResource, CloudAssembly } from './cloud-assembly.ts';
import {
  bucketLock,
  distributionWebAcl,
  isLockedByDefault,
  trailBucket,
  trailDataEventBuckets,
} from './audit-topology.ts';
import {
  actionsOf,
  asArray,
  bucketEncryptionAlgorithms,
  bucketPolicyStatements,
  bucketReferenced,
  deniesInsecureTransport,
  grantsAny,
  isCdkHelper,
  isRecord,
  objectPattern,
  referencedLogicalIds,
  refTarget,
  roleOfFunction,
  roleStatements,
  statementsOf,
  transportRule,
} from './template-query.ts';

export type NodeKind =
  | 'origin-bucket'
  | 'bucket'
  | 'function'
  | 'edge-function'
  | 'cloudfront-function'
  | 'distribution'
  | 'queue'
  | 'topic'
  | 'alarms'
  | 'role'
  | 'schedule'
  | 'dashboard'
  | 'resource'
  | 'on-prem'
  | 'people';

export type ClusterKind = 'on-prem' | 'aws' | 'region' | 'edge' | 'edge-stack' | 'group' | 'internet';

export type EdgeKind =
  | 'upload'
  | 'event'
  | 'data'
  | 'serve'
  | 'origin'
  | 'replication'
  | 'log'
  | 'alarm'
  | 'notify'
  | 'watch'
  | 'control';

export interface DiagramCluster {
  id: string;
  kind: ClusterKind;
  label: string;
  /** Smaller second line (stack, construct path). */
  sublabel?: string;
  parentId?: string;
}

export interface DiagramNode {
  id: string;
  kind: NodeKind;
  /** The resource's name in the app (construct ID), or the role of an on-prem box. */
  title: string;
  /** AWS service and resource kind, e.g. "S3 bucket". */
  service: string;
  details: string[];
  /** Encryption and access marks, e.g. "[encrypted] SSE-S3", "[TLS only]". */
  marks: string[];
  /** Template logical IDs drawn in small text, so a node can be matched to its template. */
  logicalIds: string[];
  clusterId: string;
  /** An origin bucket: drawn across the Availability Zones of its Region. */
  availabilityZones?: { region: string; storageClass: string };
}

export interface DiagramEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label: string;
  /** Protected in transit (TLS, SigV4 over TLS) or at rest. */
  encrypted?: boolean;
  /** The arrow points against the drawing order (a request drawn along the data flow). */
  reverse?: boolean;
  /** False: the arrow does not push its head to the right of its tail (side links such as logs). */
  ranks?: boolean;
}

export interface OmittedResources {
  type: string;
  reason: string;
  logicalIds: string[];
}

export interface DiagramModel {
  title: string;
  subtitle: string;
  clusters: DiagramCluster[];
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  omitted: OmittedResources[];
  regions: string[];
}

/** Types that are configuration of a drawn node rather than a thing of their own. */
const PLUMBING_TYPES: Record<string, string> = {
  'AWS::IAM::Policy': 'permissions of a drawn role or function',
  'AWS::IAM::ManagedPolicy': 'permissions of a drawn role or function',
  'AWS::IAM::Role': 'execution roles of drawn functions and services',
  'AWS::Lambda::Permission': 'invoke permissions behind drawn arrows',
  'AWS::Lambda::Version': 'published versions of drawn functions',
  'AWS::Lambda::EventSourceMapping': 'drawn as queue → function arrows',
  'AWS::Lambda::EventInvokeConfig': 'retry settings of drawn functions',
  'AWS::Lambda::LayerVersion': 'shown in the details of the functions that use it',
  'AWS::Logs::LogGroup': 'shown in the details of the functions that write them',
  'AWS::S3::BucketPolicy': 'access policies of drawn buckets (marks)',
  'AWS::SQS::QueuePolicy': 'access policies of drawn queues',
  'AWS::SNS::TopicPolicy': 'access policies of drawn topics',
  'AWS::SNS::Subscription': 'drawn as topic → operators arrows',
  'AWS::SSM::Parameter': 'Lambda@Edge version ARNs handed to the primary Region',
  'AWS::CloudFront::OriginAccessControl': 'drawn as OAC origin reads',
  'AWS::CloudFront::CachePolicy': 'settings of the drawn distribution',
  'AWS::CloudFront::ResponseHeadersPolicy': 'settings of the drawn distribution',
  'AWS::CloudFront::OriginRequestPolicy': 'settings of the drawn distribution',
  'AWS::CDK::Metadata': 'CDK version metadata',
};

const SERVICE_NAMES: Record<string, string> = {
  'AWS::S3::Bucket': 'S3 bucket',
  'AWS::Lambda::Function': 'Lambda function',
  'AWS::SQS::Queue': 'SQS queue',
  'AWS::SNS::Topic': 'SNS topic',
  'AWS::CloudFront::Distribution': 'CloudFront distribution',
  'AWS::CloudFront::Function': 'CloudFront Function',
  'AWS::IAM::Role': 'IAM role',
  'AWS::Events::Rule': 'EventBridge rule',
  'AWS::Scheduler::Schedule': 'EventBridge schedule',
  'AWS::CloudWatch::Dashboard': 'CloudWatch dashboard',
  'AWS::DynamoDB::Table': 'DynamoDB table',
  // Audit-grade infrastructure (issue 17).
  'AWS::CloudTrail::Trail': 'CloudTrail trail',
  'AWS::WAFv2::WebACL': 'WAF web ACL',
  'AWS::RolesAnywhere::TrustAnchor': 'IAM Roles Anywhere trust anchor',
  'AWS::RolesAnywhere::Profile': 'IAM Roles Anywhere profile',
};

/** Construct IDs L2 constructs give their main resource: dropped from display names. */
const GENERIC_IDS = new Set([
  'Resource',
  'Default',
  'Bucket',
  'Function',
  'Topic',
  'Role',
  'Distribution',
  'Queue',
  'Table',
]);

export const ON_PREM = {
  cluster: 'onprem',
  hsm: 'onprem_hsm',
  ca: 'onprem_ca',
  uploader: 'onprem_uploader',
} as const;
export const PEOPLE = {
  cluster: 'internet',
  relyingParties: 'relying_parties',
  operatorsCluster: 'operations',
  operators: 'operators',
} as const;

function dotId(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, '_');
}

export function nodeIdOf(resource: AssemblyResource): string {
  return dotId(`n_${resource.stack.artifactId}_${resource.logicalId}`);
}

function isUserConstruct(assembly: CloudAssembly, path: string, hasMore: boolean): boolean {
  const fqn = assembly.treeNode(path)?.constructInfo?.fqn;
  if (fqn === undefined) return hasMore && assembly.tree === undefined;
  return fqn === 'constructs.Construct' || !fqn.startsWith('aws-cdk-lib.');
}

/**
 * The concern a resource belongs to: the construct of "one construct per concern" that holds it
 * (`CaRepo/Publisher`), found from the construct tree: the outermost plain constructs above the
 * resource, one level inside a composite construct such as `CaRepository`.
 */
function concernOf(assembly: CloudAssembly, resource: AssemblyResource): string[] {
  const segments = pathInStack(resource).split('/');
  const chain: string[] = [];
  for (let i = 0; i < segments.length - 1; i++) {
    const path = [resource.stack.artifactId, ...segments.slice(0, i + 1)].join('/');
    if (!isUserConstruct(assembly, path, i < segments.length - 1)) break;
    chain.push(segments[i]!);
  }
  if (chain.length === 0) return [];
  const root = assembly.treeNode(`${resource.stack.artifactId}/${chain[0]}`);
  const userChildren = Object.values(root?.children ?? {}).filter((c) => {
    const fqn = c.constructInfo?.fqn ?? '';
    return fqn === 'constructs.Construct' || (!fqn.startsWith('aws-cdk-lib.') && fqn !== '');
  });
  const composite = userChildren.length >= 2;
  return composite && chain.length >= 2 ? chain.slice(0, 2) : chain.slice(0, 1);
}

function displayName(resource: AssemblyResource, concern: readonly string[]): string {
  const segments = pathInStack(resource).split('/').slice(concern.length);
  while (segments.length > 0 && GENERIC_IDS.has(segments.at(-1)!)) segments.pop();
  if (segments.length === 0) return concern.at(-1) ?? resource.logicalId;
  return segments.join(' / ');
}

function shorten(text: string, max = 44): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function bucketMarks(assembly: CloudAssembly, bucket: AssemblyResource): string[] {
  const marks: string[] = [];
  const algorithms = bucketEncryptionAlgorithms(bucket);
  marks.push(
    algorithms.length > 0
      ? `[encrypted] ${algorithms.map((a) => (a === 'AES256' ? 'SSE-S3' : 'SSE-KMS')).join(', ')}`
      : '[NOT declared: SSE]',
  );
  const statements = bucketPolicyStatements(assembly, bucket);
  const transport = transportRule(statements).kind;
  if (transport === 'tls-only') marks.push('[TLS only]');
  if (transport === 'tls-except-distribution-reads') marks.push('[TLS except CloudFront reads]');
  const publicStatement = statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      (s.Principal === '*' || (isRecord(s.Principal) && asArray(s.Principal.AWS).includes('*'))),
  );
  if (publicStatement) marks.push('[PUBLIC policy]');
  // Audit (issue 17): Object Lock.
  const lock = bucketLock(bucket);
  if (isLockedByDefault(lock)) {
    marks.push(
      `[Object Lock ${lock.mode} ${lock.days !== undefined ? `${lock.days} d` : `${lock.years} y`}]`,
    );
  }
  return marks;
}

function lifecycleSummary(bucket: AssemblyResource): string | undefined {
  const lifecycle = bucket.properties.LifecycleConfiguration;
  const rules = isRecord(lifecycle)
    ? asArray(lifecycle.Rules as Record<string, unknown>[]).filter(isRecord)
    : [];
  const expiry = rules.map((r) => r.ExpirationInDays).find((d) => d !== undefined);
  const noncurrent = rules
    .map((r) =>
      isRecord(r.NoncurrentVersionExpiration) ? r.NoncurrentVersionExpiration.NoncurrentDays : undefined,
    )
    .find((d) => d !== undefined);
  if (expiry !== undefined) return `objects expire after ${String(expiry)} d`;
  if (noncurrent !== undefined) return `old versions kept ${String(noncurrent)} d`;
  return undefined;
}

function functionDetails(assembly: CloudAssembly, fn: AssemblyResource, trustLayers: Set<string>): string[] {
  const p = fn.properties;
  const details = [
    `${String(p.Runtime ?? '?')} · ${String(p.MemorySize ?? 128)} MB · ${String(p.Timeout ?? 3)} s`,
  ];
  const description = typeof p.Description === 'string' ? p.Description.replace(/^ca-repo /, '') : '';
  if (description) details.unshift(shorten(description, 52));
  for (const layer of asArray(p.Layers)) {
    const id = refTarget(layer);
    if (id && trustLayers.has(`${fn.stack.artifactId}/${id}`)) details.push('layer: pinned CA certificates');
  }
  // Side grants that would be long arrows across the drawing are listed on the box instead.
  const role = roleOfFunction(assembly, fn);
  for (const statement of role ? roleStatements(assembly, role) : []) {
    if (grantsAny(statement, ['cloudfront:CreateInvalidation']))
      details.push('may invalidate the CloudFront cache');
    if (!grantsAny(statement, ['s3:GetObject']) || grantsAny(statement, ['s3:PutObject'])) continue;
    const buckets = asArray(statement.Resource)
      .map((r) => ({ bucket: bucketReferenced(assembly, fn.stack, r), pattern: objectPattern(r) }))
      .filter((b) => b.bucket && !isCdkHelper(b.bucket));
    if (buckets.length > 0 && role?.stack !== buckets[0]!.bucket!.stack) {
      details.push(
        `reads ${buckets[0]!.pattern ?? '*'} of ${buckets.map((b) => b.bucket!.logicalId.replace(/[0-9A-F]{8}$/, '')).join(', ')}`,
      );
    }
  }
  const logging = isRecord(p.LoggingConfig) ? refTarget(p.LoggingConfig.LogGroup) : undefined;
  const logGroup =
    (logging && assembly.find(fn.stack, logging)) ??
    assembly
      .ofType('AWS::Logs::LogGroup')
      .find((g) => g.stack === fn.stack && referencedLogicalIds(g.properties.LogGroupName).has(fn.logicalId));
  if (logGroup) {
    const retention = logGroup.properties.RetentionInDays;
    details.push(`logs: ${retention === undefined ? 'kept' : `${String(retention)} d`} [encrypted]`);
  }
  return details;
}

interface Builder {
  assembly: CloudAssembly;
  clusters: Map<string, DiagramCluster>;
  nodes: Map<string, DiagramNode>;
  edges: DiagramEdge[];
}

function addEdge(builder: Builder, edge: DiagramEdge): void {
  if (!builder.nodes.has(edge.from) || !builder.nodes.has(edge.to)) return;
  const same = builder.edges.find((e) => e.from === edge.from && e.to === edge.to && e.kind === edge.kind);
  if (same) {
    if (!same.label.includes(edge.label)) same.label = `${same.label}; ${edge.label}`;
    return;
  }
  builder.edges.push(edge);
}

export interface DiagramOptions {
  /** The Lambda layers that carry the pinned CA certificates (named in the functions' details). */
  trustLayers?: readonly AssemblyResource[];
  title?: string;
}

export function buildDiagramModel(assembly: CloudAssembly, options: DiagramOptions = {}): DiagramModel {
  const builder: Builder = { assembly, clusters: new Map(), nodes: new Map(), edges: [] };
  const { clusters, nodes } = builder;
  const trustLayers = new Set((options.trustLayers ?? []).map((l) => l.key));
  const serving = servingStack(assembly);
  const origins = originBuckets(assembly);
  const originKeys = new Set(origins.map((b) => b.key));
  const edgeFunctions = new Set(lambdaEdgeFunctions(assembly).map((f) => f.key));
  const replicaRegions = new Set(
    origins.filter((b) => b.stack.region !== serving.region).map((b) => b.stack.region),
  );
  const omitted = new Map<string, OmittedResources>();
  const omit = (resource: AssemblyResource, reason: string) => {
    const entry = omitted.get(resource.type) ?? { type: resource.type, reason, logicalIds: [] };
    entry.logicalIds.push(resource.logicalId);
    omitted.set(resource.type, entry);
  };

  // Fixed parts: they are not in any template.
  clusters.set(ON_PREM.cluster, {
    id: ON_PREM.cluster,
    kind: 'on-prem',
    label: 'On-premises (closed network)',
    sublabel: 'signing keys never leave; nothing in AWS connects in',
  });
  nodes.set(ON_PREM.hsm, {
    id: ON_PREM.hsm,
    kind: 'on-prem',
    title: 'HSM',
    service: 'hardware security module',
    details: ['CA private keys (never exported)'],
    marks: [],
    logicalIds: [],
    clusterId: ON_PREM.cluster,
  });
  nodes.set(ON_PREM.ca, {
    id: ON_PREM.ca,
    kind: 'on-prem',
    title: 'Certification authority',
    service: 'issuing system',
    details: ['signs certificates, CRLs,', 'OCSP responses, CP/CPS'],
    marks: [],
    logicalIds: [],
    clusterId: ON_PREM.cluster,
  });
  nodes.set(ON_PREM.uploader, {
    id: ON_PREM.uploader,
    kind: 'on-prem',
    title: 'Uploader host',
    service: 'ca-repo publish',
    details: ['packs signed files into bundles,', 'uploads, polls for the receipt'],
    marks: [],
    logicalIds: [],
    clusterId: ON_PREM.cluster,
  });
  clusters.set(PEOPLE.cluster, { id: PEOPLE.cluster, kind: 'internet', label: 'Internet' });
  nodes.set(PEOPLE.relyingParties, {
    id: PEOPLE.relyingParties,
    kind: 'people',
    title: 'Relying parties',
    service: 'OpenSSL, Java, Windows, browsers',
    details: ['fetch CRLs (CDP), CA certificates (AIA),', 'OCSP (GET/POST), CP/CPS, index.json'],
    marks: [],
    logicalIds: [],
    clusterId: PEOPLE.cluster,
  });

  const account = serving.account;
  clusters.set('aws', { id: 'aws', kind: 'aws', label: `AWS account ${account}` });
  const regionCluster = (region: string) => {
    const id = dotId(`region_${region}`);
    if (!clusters.has(id)) {
      const role = region === serving.region ? 'primary' : replicaRegions.has(region) ? 'replica' : '';
      const stacks = assembly.stacks.filter((s) => s.region === region).map((s) => s.stackName);
      clusters.set(id, {
        id,
        kind: 'region',
        label: `AWS Region ${region}${role ? ` (${role})` : ''}`,
        sublabel: `stack ${stacks.join(', ')}`,
        parentId: 'aws',
      });
    }
    return id;
  };
  clusters.set('edge', {
    id: 'edge',
    kind: 'edge',
    label: 'CloudFront (global edge network)',
    sublabel: 'edge locations incl. Japan; caches, functions',
    parentId: 'aws',
  });
  const edgeStackCluster = (resource: AssemblyResource) => {
    const id = dotId(`edgestack_${resource.stack.artifactId}`);
    if (!clusters.has(id)) {
      clusters.set(id, {
        id,
        kind: 'edge-stack',
        label: 'Lambda@Edge',
        sublabel: `stack ${resource.stack.stackName}, deployed in ${resource.stack.region}`,
        parentId: 'edge',
      });
    }
    return id;
  };
  const groupCluster = (resource: AssemblyResource, concern: readonly string[]) => {
    const parent = regionCluster(resource.stack.region);
    if (concern.length === 0) return parent;
    const id = dotId(`group_${resource.stack.artifactId}_${concern.join('_')}`);
    if (!clusters.has(id)) {
      clusters.set(id, {
        id,
        kind: 'group',
        label: concern.at(-1)!,
        sublabel: `${resource.stack.artifactId}/${concern.join('/')}`,
        parentId: parent,
      });
    }
    return id;
  };

  const alarmGroups = new Map<string, DiagramNode>();
  for (const resource of assembly.resources()) {
    if (isCdkHelper(resource)) {
      omit(resource, 'CDK deployment helpers (custom-resource handlers)');
      continue;
    }
    const concern = concernOf(assembly, resource);
    const title = displayName(resource, concern);
    const base = {
      id: nodeIdOf(resource),
      title,
      service: SERVICE_NAMES[resource.type] ?? resource.type,
      details: [] as string[],
      marks: [] as string[],
      logicalIds: [resource.logicalId],
    };
    const p = resource.properties;
    switch (resource.type) {
      case 'AWS::S3::Bucket': {
        const isOrigin = originKeys.has(resource.key);
        const details: string[] = [];
        if (typeof p.BucketName === 'string') details.push(p.BucketName);
        if (isRecord(p.VersioningConfiguration) && p.VersioningConfiguration.Status === 'Enabled')
          details.push('versioned');
        const lifecycle = lifecycleSummary(resource);
        if (lifecycle) details.push(lifecycle);
        nodes.set(base.id, {
          ...base,
          kind: isOrigin ? 'origin-bucket' : 'bucket',
          details,
          marks: bucketMarks(assembly, resource),
          clusterId: groupCluster(resource, concern),
          ...(isOrigin
            ? { availabilityZones: { region: resource.stack.region, storageClass: 'S3 Standard' } }
            : {}),
        });
        break;
      }
      case 'AWS::Lambda::Function': {
        const edge = edgeFunctions.has(resource.key);
        nodes.set(base.id, {
          ...base,
          service: edge ? 'Lambda@Edge function' : 'Lambda function',
          kind: edge ? 'edge-function' : 'function',
          details: functionDetails(assembly, resource, trustLayers),
          clusterId: edge ? edgeStackCluster(resource) : groupCluster(resource, concern),
        });
        break;
      }
      case 'AWS::CloudFront::Function': {
        const config = isRecord(p.FunctionConfig) ? p.FunctionConfig : {};
        nodes.set(base.id, {
          ...base,
          kind: 'cloudfront-function',
          details: [String(config.Runtime ?? ''), shorten(String(config.Comment ?? ''), 48)].filter((d) => d),
          clusterId: 'edge',
        });
        break;
      }
      case 'AWS::CloudFront::Distribution': {
        const config = distributionConfig(resource);
        const behaviors = cacheBehaviors(resource);
        const aliases = asArray(config.Aliases as string[]);
        nodes.set(base.id, {
          ...base,
          kind: 'distribution',
          details: [
            ...(aliases.length > 0 ? [aliases.join(', ')] : []),
            `${String(config.PriceClass ?? 'PriceClass_All')} · ${String(config.HttpVersion ?? 'http2')}`,
            ...behaviors.map(
              (b) =>
                `${b.pathPattern}: ${b.viewerProtocolPolicy} (${b.allowedMethods.includes('POST') ? 'GET, POST' : 'GET, HEAD'})`,
            ),
          ],
          marks: ['[HTTP + HTTPS]'],
          clusterId: 'edge',
        });
        break;
      }
      case 'AWS::SQS::Queue': {
        const encrypted = p.SqsManagedSseEnabled === true || p.KmsMasterKeyId !== undefined;
        const retention = Number(p.MessageRetentionPeriod ?? 345600) / 86400;
        nodes.set(base.id, {
          ...base,
          kind: 'queue',
          details: [`messages kept ${Math.round(retention * 10) / 10} d`],
          marks: [
            encrypted
              ? `[encrypted] ${p.KmsMasterKeyId !== undefined ? 'SSE-KMS' : 'SSE-SQS'}`
              : '[NOT declared: SSE]',
          ],
          clusterId: groupCluster(resource, concern),
        });
        break;
      }
      // Audit (issue 17): the web ACL works at the edge, beside the distribution it is attached to.
      case 'AWS::WAFv2::WebACL': {
        nodes.set(base.id, {
          ...base,
          kind: 'resource',
          details: asArray(p.Rules as Record<string, unknown>[])
            .filter(isRecord)
            .map(
              (rule) =>
                `${String(rule.Name)}: ${isRecord(rule.Action) ? Object.keys(rule.Action).join('') : 'count (group)'}`,
            ),
          marks: ['[count + label, never block]'],
          clusterId: 'edge',
        });
        break;
      }
      case 'AWS::SNS::Topic': {
        const policies = assembly
          .ofType('AWS::SNS::TopicPolicy')
          .filter(
            (tp) =>
              tp.stack === resource.stack &&
              asArray(tp.properties.Topics).some((t) => refTarget(t) === resource.logicalId),
          );
        const tlsOnly = deniesInsecureTransport(
          policies.flatMap((tp) => statementsOf(tp.properties.PolicyDocument)),
        );
        nodes.set(base.id, {
          ...base,
          kind: 'topic',
          details: typeof p.DisplayName === 'string' ? [p.DisplayName] : [],
          marks: [
            ...(p.KmsMasterKeyId !== undefined ? ['[encrypted] SSE-KMS'] : []),
            ...(tlsOnly ? ['[TLS only]'] : []),
          ],
          clusterId: groupCluster(resource, concern),
        });
        break;
      }
      case 'AWS::CloudWatch::Alarm':
      case 'AWS::CloudWatch::CompositeAlarm': {
        const clusterId = groupCluster(resource, concern);
        const id = dotId(`alarms_${clusterId}`);
        const group =
          alarmGroups.get(id) ??
          ({
            id,
            kind: 'alarms',
            title: 'Alarms',
            service: 'CloudWatch alarms',
            details: [],
            marks: [],
            logicalIds: [],
            clusterId,
          } satisfies DiagramNode);
        alarmGroups.set(id, group);
        nodes.set(id, group);
        group.details.push(title.replace(/Alarm$/, ''));
        group.logicalIds.push(resource.logicalId);
        group.title = `Alarms ×${group.logicalIds.length}`;
        break;
      }
      case 'AWS::IAM::Role': {
        const external = externallyAssumedRoles(assembly).some((r) => r.key === resource.key);
        if (!external) {
          omit(resource, PLUMBING_TYPES[resource.type]!);
          break;
        }
        const actions = roleStatements(assembly, resource)
          .filter((s) => s.Effect === 'Allow')
          .map(
            (s) =>
              `${actionsOf(s).join(', ')} ${asArray(s.Resource)
                .map((r) => objectPattern(r) ?? '')
                .join(', ')}`,
          );
        nodes.set(base.id, {
          ...base,
          kind: 'role',
          details: actions.map((a) => shorten(a, 48)),
          marks: [],
          clusterId: groupCluster(resource, concern),
        });
        break;
      }
      case 'AWS::Events::Rule':
      case 'AWS::Scheduler::Schedule': {
        nodes.set(base.id, {
          ...base,
          kind: 'schedule',
          details:
            typeof p.ScheduleExpression === 'string'
              ? [p.ScheduleExpression]
              : p.EventPattern
                ? ['event pattern']
                : [],
          clusterId: groupCluster(resource, concern),
        });
        break;
      }
      default: {
        const reason =
          PLUMBING_TYPES[resource.type] ??
          (resource.type.startsWith('Custom::')
            ? 'CDK custom resources (deployment-time helpers)'
            : undefined);
        if (reason) {
          omit(resource, reason);
          break;
        }
        // Anything else the app defines is drawn as is: a new resource is never invisible.
        nodes.set(base.id, {
          ...base,
          kind: resource.type === 'AWS::CloudWatch::Dashboard' ? 'dashboard' : 'resource',
          clusterId: groupCluster(resource, concern),
        });
      }
    }
  }

  addWiring(builder);

  const operatorsEndpoints = assembly
    .ofType('AWS::SNS::Subscription')
    .map(
      (s) =>
        `${String(s.properties.Protocol)}: ${typeof s.properties.Endpoint === 'string' ? s.properties.Endpoint : '…'}`,
    );
  if (operatorsEndpoints.length > 0) {
    clusters.set(PEOPLE.operatorsCluster, {
      id: PEOPLE.operatorsCluster,
      kind: 'internet',
      label: 'CA operations',
    });
    nodes.set(PEOPLE.operators, {
      id: PEOPLE.operators,
      kind: 'people',
      title: 'Operators',
      service: 'CA operations team',
      details: operatorsEndpoints,
      marks: [],
      logicalIds: [],
      clusterId: PEOPLE.operatorsCluster,
    });
    for (const subscription of assembly.ofType('AWS::SNS::Subscription')) {
      const topic = refTarget(subscription.properties.TopicArn);
      const node = topic && assembly.find(subscription.stack, topic);
      if (node) {
        addEdge(builder, {
          from: nodeIdOf(node),
          to: PEOPLE.operators,
          kind: 'notify',
          label: `${String(subscription.properties.Protocol)} notification`,
        });
      }
    }
  }

  const usedClusters = new Set<string>();
  for (const node of nodes.values()) {
    for (let id: string | undefined = node.clusterId; id; id = clusters.get(id)?.parentId)
      usedClusters.add(id);
  }
  const regions = [...new Set(assembly.stacks.map((s) => s.region))];
  const resourceCount = assembly.resources().length;
  return {
    title: options.title ?? `${serving.stackName}: architecture as synthesized`,
    subtitle: `Generated from the cloud assembly (${assembly.stacks.length} stacks, ${resourceCount} resources); every AWS box is a template resource with its logical ID.`,
    clusters: [...clusters.values()].filter((c) => usedClusters.has(c.id)),
    nodes: [...nodes.values()],
    edges: builder.edges,
    omitted: [...omitted.values()].sort((a, b) => a.type.localeCompare(b.type)),
    regions: regions.filter((r) => usedClusters.has(dotId(`region_${r}`))),
  };
}

/** The arrows: every one follows a reference in a template. */
function addWiring(builder: Builder): void {
  const { assembly } = builder;
  const node = (r: AssemblyResource | undefined) => (r ? nodeIdOf(r) : '');

  // The on-prem chain and the uploader's outbound path to the buckets its role may write.
  addEdge(builder, {
    from: ON_PREM.hsm,
    to: ON_PREM.ca,
    kind: 'control',
    label: 'signs (keys stay in the HSM)',
  });
  addEdge(builder, { from: ON_PREM.ca, to: ON_PREM.uploader, kind: 'data', label: 'signed artifacts' });
  for (const role of externallyAssumedRoles(assembly)) {
    addEdge(builder, {
      from: ON_PREM.uploader,
      to: node(role),
      kind: 'control',
      label: 'assumes role (STS, HTTPS, outbound)',
      encrypted: true,
    });
    for (const statement of roleStatements(assembly, role)) {
      if (!grantsAny(statement, ['s3:PutObject'])) continue;
      for (const resource of asArray(statement.Resource)) {
        const bucket = bucketReferenced(assembly, role.stack, resource);
        if (!bucket) continue;
        const tls = deniesInsecureTransport(bucketPolicyStatements(assembly, bucket));
        addEdge(builder, {
          from: ON_PREM.uploader,
          to: node(bucket),
          kind: 'upload',
          label: `HTTPS upload (outbound only)${tls ? ' [TLS]' : ''}\\nPUT bundles, GET receipts`,
          encrypted: tls,
        });
      }
    }
  }

  // S3 event notifications.
  for (const custom of assembly.ofType('Custom::S3BucketNotifications')) {
    const bucket = bucketReferenced(assembly, custom.stack, custom.properties.BucketName);
    const configuration = custom.properties.NotificationConfiguration;
    const lambdas = isRecord(configuration)
      ? asArray(configuration.LambdaFunctionConfigurations as Record<string, unknown>[])
      : [];
    for (const config of lambdas.filter(isRecord)) {
      const id = refTarget(config.LambdaFunctionArn);
      const filter = JSON.stringify(config.Filter ?? '').includes('manifest')
        ? 'manifest written'
        : 'ObjectCreated';
      addEdge(builder, {
        from: node(bucket),
        to: node(id ? assembly.find(custom.stack, id) : undefined),
        kind: 'event',
        label: `S3 event: ${filter}`,
      });
    }
  }

  // Queues: event sources, dead-letter targets.
  for (const mapping of assembly.ofType('AWS::Lambda::EventSourceMapping')) {
    const source = refTarget(mapping.properties.EventSourceArn);
    const fn = refTarget(mapping.properties.FunctionName);
    addEdge(builder, {
      from: node(source ? assembly.find(mapping.stack, source) : undefined),
      to: node(fn ? assembly.find(mapping.stack, fn) : undefined),
      kind: 'event',
      label: `triggers (batch ${String(mapping.properties.BatchSize ?? 10)})`,
    });
  }
  for (const queue of assembly.ofType('AWS::SQS::Queue')) {
    const redrive = queue.properties.RedrivePolicy;
    const dlq = isRecord(redrive) ? refTarget(redrive.deadLetterTargetArn) : undefined;
    if (dlq) {
      addEdge(builder, {
        from: node(queue),
        to: node(assembly.find(queue.stack, dlq)),
        kind: 'control',
        label: `dead letters after ${String((redrive as Record<string, unknown>).maxReceiveCount ?? '?')} tries`,
      });
    }
  }

  // What each function may do, from its role: write buckets, send to queues, invalidate.
  for (const fn of applicationFunctions(assembly)) {
    const from = node(fn);
    if (isRecord(fn.properties.DeadLetterConfig)) {
      const dlq = refTarget(fn.properties.DeadLetterConfig.TargetArn);
      addEdge(builder, {
        from,
        to: node(dlq ? assembly.find(fn.stack, dlq) : undefined),
        kind: 'control',
        label: 'failed events',
      });
    }
    const role = roleOfFunction(assembly, fn);
    if (!role) continue;
    for (const statement of roleStatements(assembly, role)) {
      if (statement.Effect !== 'Allow') continue;
      for (const resource of asArray(statement.Resource)) {
        const bucket = bucketReferenced(assembly, role.stack, resource);
        const pattern = objectPattern(resource);
        const keys = pattern === undefined ? '' : pattern === '*' ? ' (any key)' : ` ${pattern}`;
        if (bucket && grantsAny(statement, ['s3:PutObject'])) {
          addEdge(builder, {
            from,
            to: node(bucket),
            kind: 'data',
            label: `PutObject${keys}`,
            encrypted: true,
          });
        }
        const target = refTarget(resource);
        const targetResource = target ? assembly.find(role.stack, target) : undefined;
        if (targetResource?.type === 'AWS::SQS::Queue' && grantsAny(statement, ['sqs:SendMessage'])) {
          const isDlq =
            isRecord(fn.properties.DeadLetterConfig) &&
            refTarget(fn.properties.DeadLetterConfig.TargetArn) === targetResource.logicalId;
          if (!isDlq)
            addEdge(builder, { from, to: node(targetResource), kind: 'data', label: 'SendMessage' });
        }
        if (targetResource?.type === 'AWS::SNS::Topic' && grantsAny(statement, ['sns:Publish'])) {
          addEdge(builder, { from, to: node(targetResource), kind: 'alarm', label: 'Publish' });
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
        addEdge(builder, {
          from,
          to: node(distribution),
          kind: 'serve',
          label: 'HTTP probes (as a relying party)',
        });
      }
    }
  }
  for (const { fn, trigger, schedule } of scheduledFunctions(assembly)) {
    addEdge(builder, { from: node(trigger), to: node(fn), kind: 'event', label: schedule });
  }

  addAuditWiring(builder);

  // Replication.
  for (const bucket of assembly.ofType('AWS::S3::Bucket')) {
    const replication = bucket.properties.ReplicationConfiguration;
    for (const rule of isRecord(replication)
      ? asArray(replication.Rules as Record<string, unknown>[]).filter(isRecord)
      : []) {
      const destination = isRecord(rule.Destination) ? rule.Destination : {};
      const target = bucketReferenced(assembly, bucket.stack, destination.Bucket);
      const rtc = isRecord(destination.ReplicationTime) && destination.ReplicationTime.Status === 'Enabled';
      addEdge(builder, {
        from: node(bucket),
        to: node(target),
        kind: 'replication',
        label: `Cross-Region Replication${rtc ? ' (RTC 15 min)' : ''} [TLS]`,
        encrypted: true,
      });
    }
  }

  // Access logs.
  for (const [logBucket, senders] of logBuckets(assembly)) {
    for (const sender of senders) {
      const id = sender.split(' ').at(-1)!;
      const from = assembly
        .resources()
        .find(
          (r) =>
            r.logicalId === id &&
            (r.type === 'AWS::S3::Bucket' || r.type === 'AWS::CloudFront::Distribution'),
        );
      const fromDistribution = from?.type === 'AWS::CloudFront::Distribution';
      addEdge(builder, {
        from: node(from),
        to: node(logBucket),
        kind: 'log',
        label: fromDistribution ? 'standard logs' : 'access logs',
        // A log bucket sits beside the buckets it serves; the distribution's logs loop back to it.
        ranks: !fromDistribution,
      });
    }
  }

  // Alarms: what they watch (from their metric dimensions) and the topics they notify.
  for (const alarm of assembly.ofType('AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm')) {
    const group = [...builder.nodes.values()].find(
      (n) => n.kind === 'alarms' && n.logicalIds.includes(alarm.logicalId),
    );
    for (const id of referencedLogicalIds(alarm.properties.Dimensions)) {
      const watched = assembly.find(alarm.stack, id);
      if (group && watched) addEdge(builder, { from: node(watched), to: group.id, kind: 'watch', label: '' });
    }
    for (const action of asArray(alarm.properties.AlarmActions)) {
      const id = refTarget(action);
      const topic = id ? assembly.find(alarm.stack, id) : undefined;
      if (group && topic)
        addEdge(builder, { from: group.id, to: node(topic), kind: 'alarm', label: 'ALARM' });
    }
  }

  // Dashboards: the alarms they show.
  for (const dashboard of assembly.ofType('AWS::CloudWatch::Dashboard')) {
    for (const id of referencedLogicalIds(dashboard.properties.DashboardBody)) {
      const group = [...builder.nodes.values()].find((n) => n.kind === 'alarms' && n.logicalIds.includes(id));
      if (group) addEdge(builder, { from: group.id, to: node(dashboard), kind: 'watch', label: '' });
    }
  }

  // CloudFront: origins (drawn from the bucket, read by CloudFront), edge code, relying parties.
  for (const distribution of assembly.ofType('AWS::CloudFront::Distribution')) {
    const dist = node(distribution);
    const origins = distributionOrigins(assembly, distribution);
    const groups = originGroups(distribution);
    const fallback = new Set(groups.flatMap((g) => g.members.slice(1)));
    for (const origin of origins) {
      if (!origin.bucket) continue;
      const isFallback = fallback.has(origin.id);
      const codes = groups.find((g) => g.members.includes(origin.id))?.failoverStatusCodes ?? [];
      addEdge(builder, {
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
      addEdge(builder, { from: dist, to: target, kind: 'control', label });
    }
    addEdge(builder, {
      from: dist,
      to: PEOPLE.relyingParties,
      kind: 'serve',
      label: 'HTTP CDP / AIA / OCSP (never redirected)\\n+ HTTPS',
      reverse: true,
    });
  }
}

/**
 * Audit (issue 17): the trail and what it records, the web ACL in front of the distribution, the
 * uploader's Roles Anywhere trust anchor.
 */
function addAuditWiring(builder: Builder): void {
  const { assembly } = builder;
  for (const trail of assembly.ofType('AWS::CloudTrail::Trail')) {
    for (const { bucket } of trailDataEventBuckets(assembly, trail)) {
      addEdge(builder, {
        from: nodeIdOf(bucket),
        to: nodeIdOf(trail),
        kind: 'log',
        label: 'S3 data events (writes)',
        ranks: false,
      });
    }
    const bucket = trailBucket(assembly, trail);
    if (bucket) {
      addEdge(builder, {
        from: nodeIdOf(trail),
        to: nodeIdOf(bucket),
        kind: 'log',
        label: 'log files + signed digests',
      });
    }
  }
  for (const distribution of assembly.ofType('AWS::CloudFront::Distribution')) {
    const attached = distributionWebAcl(assembly, distribution);
    if (attached.kind === 'in-templates') {
      addEdge(builder, {
        from: nodeIdOf(attached.webAcl),
        to: nodeIdOf(distribution),
        kind: 'control',
        label: 'OCSP POST abuse label → tryLater',
      });
    }
  }
  for (const anchor of assembly.ofType('AWS::RolesAnywhere::TrustAnchor')) {
    addEdge(builder, {
      from: ON_PREM.uploader,
      to: nodeIdOf(anchor),
      kind: 'control',
      label: 'X.509 certificate (signing helper, HTTPS)',
      encrypted: true,
    });
  }
}

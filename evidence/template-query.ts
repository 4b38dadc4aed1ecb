/**
 * Reading CloudFormation the way the checks need it: following `Ref`/`Fn::GetAtt` to logical IDs,
 * collecting IAM statements per role and bucket, telling a public principal from a scoped one, and
 * printing values compactly for the evidence tables.
 */
import type { AssemblyResource, CloudAssembly, StackArtifact } from './cloud-assembly.ts';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export function asArray<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The logical ID a `{Ref}` or `{Fn::GetAtt}` names, else undefined. */
export function refTarget(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** The resource of `stack` a `{Ref}` or `{Fn::GetAtt}` names (references never cross stacks), else undefined. */
export function referencedResource(
  assembly: CloudAssembly,
  stack: StackArtifact,
  value: unknown,
): AssemblyResource | undefined {
  const id = refTarget(value);
  return id ? assembly.find(stack, id) : undefined;
}

/** Every logical ID referenced anywhere inside `value` (Ref, GetAtt, Fn::Sub `${X}` / `${X.Attr}`). */
export function referencedLogicalIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedLogicalIds(item, found);
  } else if (isRecord(value)) {
    const target = refTarget(value);
    if (target && !target.startsWith('AWS::')) found.add(target);
    const sub = value['Fn::Sub'];
    const subText = typeof sub === 'string' ? sub : Array.isArray(sub) ? sub[0] : undefined;
    if (typeof subText === 'string') {
      for (const m of subText.matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g)) {
        if (!m[1]!.startsWith('AWS')) found.add(m[1]!);
      }
    }
    for (const inner of Object.values(value)) referencedLogicalIds(inner, found);
  }
  return found;
}

/** True when `value` mentions `logicalId` anywhere. */
export function mentions(value: unknown, logicalId: string): boolean {
  return referencedLogicalIds(value).has(logicalId);
}

/**
 * A readable rendering of a template value: `Ref`/`GetAtt` as `<LogicalId>`/`<LogicalId.Attr>`,
 * joins flattened, as cdk-nag prints ARNs. Long values are cut.
 */
export function describeValue(value: unknown, max = 160): string {
  const text = flatten(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return '(absent)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(flatten).join(', ')}]`;
  if (isRecord(value)) {
    if (typeof value.Ref === 'string') return `<${value.Ref}>`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = value['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map(flatten).join(String(join[0]));
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${flatten(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

export function actionsOf(statement: PolicyStatement): string[] {
  return asArray(statement.Action).map((a) => String(a));
}

/** Whether an IAM action pattern (`s3:*`, `s3:Put*`, `*`) covers `action`. */
export function actionCovers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return regex.test(action);
}

export function grantsAny(statement: PolicyStatement, actions: readonly string[]): boolean {
  if (statement.Effect !== 'Allow') return false;
  if (statement.NotAction !== undefined) return true; // NotAction allows nearly everything: treat as broad
  return actionsOf(statement).some((pattern) => actions.some((action) => actionCovers(pattern, action)));
}

/** Statements of a policy document value (`{Statement: [...]}`). */
export function statementsOf(document: unknown): PolicyStatement[] {
  if (!isRecord(document)) return [];
  return asArray(document.Statement as PolicyStatement | PolicyStatement[]).filter(
    isRecord,
  ) as PolicyStatement[];
}

/**
 * Every identity statement that applies to a role: its inline policies plus every
 * AWS::IAM::Policy / ManagedPolicy of the same stack that attaches to it.
 */
export function roleStatements(assembly: CloudAssembly, role: AssemblyResource): PolicyStatement[] {
  const inline = asArray(role.properties.Policies as { PolicyDocument?: unknown }[]).flatMap((p) =>
    statementsOf(p?.PolicyDocument),
  );
  const attached = assembly
    .ofType('AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy')
    .filter((p) => p.stack === role.stack)
    .filter((p) => {
      const roles = [...asArray(p.properties.Roles), p.properties.RoleName];
      return roles.some((r) => refTarget(r) === role.logicalId);
    })
    .flatMap((p) => statementsOf(p.properties.PolicyDocument));
  return [...inline, ...attached];
}

/** Managed policy ARNs attached to a role, rendered. */
export function managedPolicyArns(role: AssemblyResource): string[] {
  return asArray(role.properties.ManagedPolicyArns).map((arn) => describeValue(arn));
}

/** The role (resource) a function runs as, when it is defined in the same stack. */
export function roleOfFunction(assembly: CloudAssembly, fn: AssemblyResource): AssemblyResource | undefined {
  return referencedResource(assembly, fn.stack, fn.properties.Role);
}

/** The bucket policy statements of a bucket (every AWS::S3::BucketPolicy whose Bucket names it). */
export function bucketPolicyStatements(assembly: CloudAssembly, bucket: AssemblyResource): PolicyStatement[] {
  return assembly
    .ofType('AWS::S3::BucketPolicy')
    .filter((p) => p.stack === bucket.stack)
    .filter(
      (p) =>
        refTarget(p.properties.Bucket) === bucket.logicalId ||
        (typeof p.properties.Bucket === 'string' && p.properties.Bucket === bucket.properties.BucketName),
    )
    .flatMap((p) => statementsOf(p.properties.PolicyDocument));
}

/** `*`, `{AWS: "*"}` or a list containing one: anyone, including anonymous callers. */
export function isPublicPrincipal(principal: unknown): boolean {
  if (principal === '*') return true;
  if (!isRecord(principal)) return false;
  return asArray(principal.AWS).some((p) => p === '*');
}

/** Condition keys that tie a public principal to one account, source or organisation. */
const SCOPING_CONDITION_KEYS = [
  'aws:sourcearn',
  'aws:sourceaccount',
  'aws:sourcevpce',
  'aws:sourcevpc',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:sourceip',
  'aws:resourceaccount',
];

/** An Allow to anyone with no condition that scopes it: the bucket (or queue, topic) is public. */
export function isPublicAllow(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow' || !isPublicPrincipal(statement.Principal)) return false;
  const keys = Object.values(statement.Condition ?? {}).flatMap((c) =>
    Object.keys(c).map((k) => k.toLowerCase()),
  );
  return !keys.some((k) => SCOPING_CONDITION_KEYS.includes(k));
}

/**
 * How a resource policy treats requests without TLS (a Deny to anyone on `aws:SecureTransport`
 * false), from the strongest rule present:
 * - `tls-only`: the Deny has no other condition, every non-TLS request is refused;
 * - `tls-except-distribution-reads`: its only other condition is `ArnNotEquals`/`ArnNotLike` on
 *   `aws:SourceArn` with CloudFront distribution ARNs of a named account, so non-TLS requests are
 *   refused unless CloudFront makes them for those distributions (S3 origin reads use the viewer's
 *   protocol); what the distributions may do is left to the Allow statements;
 * - `conditional`: other conditions that exempt other callers;
 * - `none`: no such Deny.
 */
export type TransportRule =
  | { kind: 'tls-only'; statement: PolicyStatement }
  | {
      kind: 'tls-except-distribution-reads';
      statement: PolicyStatement;
      operator: string;
      sourceArns: unknown[];
    }
  | { kind: 'conditional'; statement: PolicyStatement; conditions: string }
  | { kind: 'none' };

const DISTRIBUTION_ARN = /^arn:[^:]+:cloudfront::([^:]+):distribution\/[^:]+$/;

function isSecureTransportFalse([key, value]: [string, unknown]): boolean {
  return key.toLowerCase() === 'aws:securetransport' && String(value) === 'false';
}

export function transportRule(statements: readonly PolicyStatement[]): TransportRule {
  const rules: TransportRule[] = [];
  for (const statement of statements) {
    if (statement.Effect !== 'Deny' || !isPublicPrincipal(statement.Principal)) continue;
    const conditions = Object.entries(statement.Condition ?? {});
    const bool = conditions.find(
      ([operator, keys]) =>
        operator === 'Bool' && isRecord(keys) && Object.entries(keys).some(isSecureTransportFalse),
    );
    if (!bool) continue;
    const others = conditions.flatMap(([operator, keys]) =>
      Object.entries(isRecord(keys) ? keys : {})
        .filter((entry) => !(operator === 'Bool' && isSecureTransportFalse(entry)))
        .map(([key, value]) => ({ operator, key, value })),
    );
    if (others.length === 0) return { kind: 'tls-only', statement };
    const [only] = others;
    const sourceArns = asArray(only!.value);
    const distributionsOnly = sourceArns.every((arn) => {
      // `<AWS::AccountId>` names one account (the stack's); only a wildcard would not.
      const text = describeValue(arn, 1000).replace(/<AWS::(\w+)>/g, '{$1}');
      const account = DISTRIBUTION_ARN.exec(text)?.[1];
      return account !== undefined && !/[*?]/.test(account);
    });
    if (
      others.length === 1 &&
      ['ArnNotEquals', 'ArnNotLike'].includes(only!.operator) &&
      only!.key.toLowerCase() === 'aws:sourcearn' &&
      sourceArns.length > 0 &&
      distributionsOnly
    ) {
      rules.push({ kind: 'tls-except-distribution-reads', statement, operator: only!.operator, sourceArns });
    } else {
      rules.push({
        kind: 'conditional',
        statement,
        conditions: others.map((c) => `${c.operator} ${c.key} ${describeValue(c.value)}`).join('; '),
      });
    }
  }
  return rules.find((r) => r.kind === 'tls-except-distribution-reads') ?? rules[0] ?? { kind: 'none' };
}

/** The policy denies every request not made over TLS (`aws:SecureTransport` false), with no exemption. */
export function deniesInsecureTransport(statements: readonly PolicyStatement[]): boolean {
  return transportRule(statements).kind === 'tls-only';
}

/** The four Block Public Access switches, all on. */
export function blocksAllPublicAccess(bucket: AssemblyResource): boolean {
  const config = bucket.properties.PublicAccessBlockConfiguration;
  if (!isRecord(config)) return false;
  return ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'].every(
    (key) => config[key] === true || config[key] === 'true',
  );
}

/** SSE algorithms a bucket declares by default (`AES256`, `aws:kms`, `aws:kms:dsse`). */
export function bucketEncryptionAlgorithms(bucket: AssemblyResource): string[] {
  const config = bucket.properties.BucketEncryption;
  if (!isRecord(config)) return [];
  return asArray(config.ServerSideEncryptionConfiguration as Record<string, unknown>[])
    .map((rule) => (isRecord(rule?.ServerSideEncryptionByDefault) ? rule.ServerSideEncryptionByDefault : {}))
    .map((byDefault) => String((byDefault as Record<string, unknown>).SSEAlgorithm ?? ''))
    .filter((a) => a.length > 0);
}

/** A bucket's `VersioningConfiguration.Status` (`Enabled`, `Suspended`), or `(absent)`. */
export function versioningStatus(bucket: AssemblyResource): string {
  const versioning = bucket.properties.VersioningConfiguration;
  return isRecord(versioning) ? String(versioning.Status ?? '(absent)') : '(absent)';
}

/** "SSE-S3" for AES256, "SSE-KMS" for aws:kms. */
export function describeEncryption(algorithms: readonly string[]): string {
  if (algorithms.length === 0) return 'none declared';
  return algorithms
    .map((a) => (a === 'AES256' ? 'SSE-S3 (AES256)' : a.startsWith('aws:kms') ? `SSE-KMS (${a})` : a))
    .join(', ');
}

/**
 * Resolves an ARN or bucket reference to a bucket resource: `<Bucket.Arn>` (same stack),
 * `arn:aws:s3:::name[/...]` or a regional domain name `name.s3.region.amazonaws.com` (any stack).
 */
export function bucketReferenced(
  assembly: CloudAssembly,
  stack: StackArtifact,
  value: unknown,
): AssemblyResource | undefined {
  const target = refTarget(value);
  if (target) {
    const resource = assembly.find(stack, target);
    return resource?.type === 'AWS::S3::Bucket' ? resource : undefined;
  }
  if (isRecord(value) && Array.isArray(value['Fn::Join'])) {
    const parts = (value['Fn::Join'] as unknown[])[1];
    for (const part of asArray(parts as unknown[])) {
      const found = bucketReferenced(assembly, stack, part);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value !== 'string') return undefined;
  const arn = /^arn:[^:]+:s3:::([^/]+)/.exec(value);
  const domain = /^([a-z0-9.-]+)\.s3[.-]/.exec(value);
  const name = arn?.[1] ?? domain?.[1];
  return name ? assembly.bucketNamed(name) : undefined;
}

/** The object-key part of an S3 ARN (`bundles/*`), or `*` for the whole bucket's objects. */
export function objectPattern(value: unknown): string | undefined {
  const text = describeValue(value, 1000);
  const match = /(?:>|:::[^/]+)\/(.*)$/.exec(text);
  return match?.[1];
}

/** Construct IDs (and logical ID prefixes) of the singletons CDK adds for itself. */
const CDK_HELPER_PREFIXES = [
  'Custom::',
  'CustomCrossRegionStringParameterReader',
  'BucketNotificationsHandler',
  'AWS679f53fac002430cb0da5b7982bd2287',
  'LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a',
  'CDKMetadata',
];

/** Resources CDK adds for itself (custom-resource providers and their roles, metadata). */
export function isCdkHelper(resource: AssemblyResource): boolean {
  const names = [...resource.path.split('/'), resource.logicalId];
  return names.some((name) => CDK_HELPER_PREFIXES.some((prefix) => name.startsWith(prefix)));
}

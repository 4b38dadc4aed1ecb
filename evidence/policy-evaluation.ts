/**
 * Just enough IAM policy evaluation for the evidence rows to ask "would this bucket policy let this
 * request through?" of a synthesized template, e.g. CloudFront reading an origin for a plain-HTTP
 * viewer. Explicit Deny wins, then Allow, else the request is implicitly denied; conditions of a
 * statement are ANDed, the values of one key ORed, and a condition on a key the request lacks is
 * false, except for the negated operators (`…NotEquals`, `…NotLike`) where it is true.
 *
 * Template values are resolved against their stack: pseudo parameters from the stack environment,
 * `Ref` to a resource as a placeholder physical ID (the bucket name when it is literal, else the
 * logical ID), `Fn::GetAtt [Bucket, Arn]` as `arn:<partition>:s3:::<name>`, `Fn::Join`. Anything
 * else (imports, other attributes, operators this file does not know) is unknown, and a statement
 * that depends on an unknown makes the answer `unknown`: never a guessed allow or deny.
 */
import type { AssemblyResource, StackArtifact } from './cloud-assembly.ts';
import { asArray, isRecord, type PolicyStatement } from './template-query.ts';

export type RequestPrincipal = { service: string } | { aws: string } | 'anonymous';

export interface PolicyRequest {
  principal: RequestPrincipal;
  action: string;
  resource: string;
  /** Condition keys present in the request (any case), e.g. `aws:SecureTransport: 'false'`. */
  context: Record<string, string>;
}

export type PolicyDecision = 'allow' | 'deny' | 'implicit-deny' | 'unknown';

export interface PolicyEvaluation {
  decision: PolicyDecision;
  /** The statement that decided (the Deny, or the first Allow), or an undecidable one for `unknown`. */
  statement?: PolicyStatement;
  /** Position of `statement` in the list, for statements without a Sid. */
  index?: number;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The physical ID a `Ref` to `logicalId` stands for in evaluation: a literal bucket name, else the logical ID. */
export function placeholderPhysicalId(stack: StackArtifact, logicalId: string): string {
  const resource = stack.template.Resources[logicalId];
  const name = resource?.Type === 'AWS::S3::Bucket' ? resource.Properties?.BucketName : undefined;
  return typeof name === 'string' ? name : logicalId;
}

/** The ARN of a bucket as evaluation sees it (what `Fn::GetAtt [Bucket, Arn]` resolves to). */
export function bucketArnOf(bucket: AssemblyResource): string {
  return `arn:${partitionOf(bucket.stack.region)}:s3:::${placeholderPhysicalId(bucket.stack, bucket.logicalId)}`;
}

/** The ARN CloudFront sends as `aws:SourceArn` for a distribution's origin requests. */
export function distributionArnOf(distribution: AssemblyResource): string {
  const { stack } = distribution;
  return `arn:${partitionOf(stack.region)}:cloudfront::${stack.account}:distribution/${placeholderPhysicalId(stack, distribution.logicalId)}`;
}

/** A template value as a string in `stack`, or undefined when it cannot be resolved. */
export function resolveValue(stack: StackArtifact, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === 'string') {
    switch (value.Ref) {
      case 'AWS::Partition':
        return partitionOf(stack.region);
      case 'AWS::AccountId':
        return stack.account === 'unknown-account' ? undefined : stack.account;
      case 'AWS::Region':
        return stack.region === 'unknown-region' ? undefined : stack.region;
      case 'AWS::URLSuffix':
        return stack.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
      default:
        return stack.template.Resources[value.Ref] ? placeholderPhysicalId(stack, value.Ref) : undefined;
    }
  }
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string') {
    const target = stack.template.Resources[getAtt[0]];
    return target?.Type === 'AWS::S3::Bucket'
      ? `arn:${partitionOf(stack.region)}:s3:::${placeholderPhysicalId(stack, getAtt[0])}`
      : undefined;
  }
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = (join[1] as unknown[]).map((part) => resolveValue(stack, part));
    return parts.every((p) => p !== undefined) ? parts.join(join[0]) : undefined;
  }
  return undefined;
}

/** IAM wildcard match: `*` any run of characters, `?` one character. */
function globMatches(pattern: string, text: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(text);
}

/**
 * ARN matching (ArnEquals and ArnLike alike): the six colon-separated parts are compared one by
 * one; a pattern that is not six parts is not modelled (unknown).
 */
function arnMatches(pattern: string, arn: string): boolean | undefined {
  const split = (text: string) => {
    const parts = text.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  if (!p) return undefined;
  return a !== undefined && p.every((part, i) => globMatches(part, a[i]!, false));
}

type Tri = boolean | undefined;

function and(values: Tri[]): Tri {
  if (values.includes(false)) return false;
  return values.includes(undefined) ? undefined : true;
}

function or(values: Tri[]): Tri {
  if (values.includes(true)) return true;
  return values.includes(undefined) ? undefined : false;
}

/** A positive comparison of one request value with one policy value. */
const OPERATORS: Record<string, (policy: string, request: string) => boolean | undefined> = {
  StringEquals: (p, r) => p === r,
  StringEqualsIgnoreCase: (p, r) => p.toLowerCase() === r.toLowerCase(),
  StringLike: (p, r) => globMatches(p, r, false),
  ArnEquals: arnMatches,
  ArnLike: arnMatches,
  Bool: (p, r) => p.toLowerCase() === r.toLowerCase(),
  NumericEquals: (p, r) => Number(r) === Number(p),
  NumericLessThan: (p, r) => Number(r) < Number(p),
  NumericLessThanEquals: (p, r) => Number(r) <= Number(p),
  NumericGreaterThan: (p, r) => Number(r) > Number(p),
  NumericGreaterThanEquals: (p, r) => Number(r) >= Number(p),
};

/** `StringNotEquals` → `StringEquals`, etc. */
const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
  NumericNotEquals: 'NumericEquals',
};

function contextValue(request: PolicyRequest, key: string): string | undefined {
  const wanted = key.toLowerCase();
  const entry = Object.entries(request.context).find(([k]) => k.toLowerCase() === wanted);
  return entry?.[1];
}

function conditionHolds(
  stack: StackArtifact,
  operator: string,
  key: string,
  policyValues: unknown,
  request: PolicyRequest,
): Tri {
  const values = asArray(policyValues).map((v) => resolveValue(stack, v));
  const present = contextValue(request, key);
  if (operator === 'Null') {
    return or(values.map((v) => (v === undefined ? undefined : (v === 'true') === (present === undefined))));
  }
  const negatedOf = NEGATED[operator];
  const compare = OPERATORS[negatedOf ?? operator];
  if (!compare) return undefined; // IfExists, ForAnyValue:, IpAddress, …: not modelled
  if (present === undefined) return negatedOf !== undefined;
  const matches = or(values.map((v) => (v === undefined ? undefined : compare(v, present))));
  if (negatedOf === undefined) return matches;
  return matches === undefined ? undefined : !matches;
}

function principalMatches(stack: StackArtifact, principal: unknown, request: PolicyRequest): Tri {
  if (principal === '*') return true;
  if (!isRecord(principal)) return false;
  const results: Tri[] = [];
  for (const [kind, entries] of Object.entries(principal)) {
    for (const entry of asArray(entries)) {
      const value = resolveValue(stack, entry);
      if (kind === 'AWS' && value === '*') {
        results.push(true);
        continue;
      }
      if (value === undefined) {
        results.push(undefined);
        continue;
      }
      const who = request.principal;
      if (kind === 'Service')
        results.push(typeof who === 'object' && 'service' in who && who.service === value);
      else if (kind === 'AWS') results.push(typeof who === 'object' && 'aws' in who && who.aws === value);
      else results.push(false);
    }
  }
  return or(results);
}

function listMatches(stack: StackArtifact, patterns: unknown, target: string, isAction: boolean): Tri {
  return or(
    asArray(patterns).map((pattern) => {
      const value = resolveValue(stack, pattern);
      // Actions are case-insensitive, resource ARNs are not.
      return value === undefined ? undefined : globMatches(value, target, isAction);
    }),
  );
}

/** Whether a resource-policy statement applies to the request. */
export function statementApplies(
  stack: StackArtifact,
  statement: PolicyStatement,
  request: PolicyRequest,
): Tri {
  const record = statement as PolicyStatement & { NotPrincipal?: unknown; NotResource?: unknown };
  if (record.NotPrincipal !== undefined) return undefined;
  const principal = principalMatches(stack, statement.Principal, request);
  const action =
    statement.NotAction !== undefined
      ? negate(listMatches(stack, statement.NotAction, request.action, true))
      : listMatches(stack, statement.Action, request.action, true);
  const resource =
    record.NotResource !== undefined
      ? negate(listMatches(stack, record.NotResource, request.resource, false))
      : listMatches(stack, statement.Resource, request.resource, false);
  const conditions = Object.entries(statement.Condition ?? {}).flatMap(([operator, keys]) =>
    Object.entries(isRecord(keys) ? keys : {}).map(([key, values]) =>
      conditionHolds(stack, operator, key, values, request),
    ),
  );
  return and([principal, action, resource, ...conditions]);
}

function negate(value: Tri): Tri {
  return value === undefined ? undefined : !value;
}

/** Evaluates resource-policy statements (of a resource in `stack`) for one request. */
export function evaluatePolicy(
  stack: StackArtifact,
  statements: readonly PolicyStatement[],
  request: PolicyRequest,
): PolicyEvaluation {
  let deny: PolicyEvaluation | undefined;
  let denyUndecided: PolicyEvaluation | undefined;
  let allow: PolicyEvaluation | undefined;
  let allowUndecided: PolicyEvaluation | undefined;
  statements.forEach((statement, index) => {
    const applies = statementApplies(stack, statement, request);
    if (statement.Effect === 'Deny') {
      if (applies === true) deny ??= { decision: 'deny', statement, index };
      else if (applies === undefined) denyUndecided ??= { decision: 'unknown', statement, index };
    } else if (applies === true) allow ??= { decision: 'allow', statement, index };
    else if (applies === undefined) allowUndecided ??= { decision: 'unknown', statement, index };
  });
  return deny ?? denyUndecided ?? allow ?? allowUndecided ?? { decision: 'implicit-deny' };
}

/** `Sid X` or `statement #n` (1-based), for evidence text. */
export function statementName(evaluation: PolicyEvaluation): string {
  if (evaluation.statement?.Sid) return `statement ${evaluation.statement.Sid}`;
  return evaluation.index === undefined ? 'no statement' : `statement #${evaluation.index + 1}`;
}

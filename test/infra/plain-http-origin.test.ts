/**
 * Relying parties fetch CRLs, CA certificates and OCSP over plain HTTP, and for an S3 REST origin
 * CloudFront forwards a cache miss "using the same protocol in which the requests were made"
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPandHTTPSRequests.html).
 * So the origin buckets must let the distribution read without TLS while every other caller,
 * writers included, stays TLS-only. The synthesized bucket policies are evaluated here with a
 * small IAM evaluator (below) for the requests S3 would see; with CDK's `enforceSSL` the
 * CloudFront request is denied, which is the defect this file guards against.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  asArray,
  identityStatements,
  logicalId,
  synthCaRepo,
  type Statement,
  type SynthesizedCaRepo,
} from './synth-app.ts';

// ---------------------------------------------------------------------------------------------
// A deliberately small IAM policy evaluator: Allow/Deny statements; Principal "*", {AWS}, {Service};
// Action/Resource with wildcards; Bool, StringEquals, ArnEquals/ArnNotEquals/ArnLike/ArnNotLike and
// NumericLessThan conditions. Operators are ANDed, the values of one key ORed; a key the request
// lacks makes a condition false, except for the negated operators, where it makes it true. Explicit
// Deny wins over Allow; nothing allowing is an implicit deny. Anything else throws, so a policy
// using more than this models cannot be misjudged silently.
// ---------------------------------------------------------------------------------------------

const ACCOUNT = '123456789012';

type Principal = { service: string } | { aws: string } | 'anonymous';

interface Request {
  principal: Principal;
  action: string;
  resource: string;
  secureTransport: boolean;
  /** `aws:SourceArn` (and `aws:SourceAccount`): set by AWS services (CloudFront OAC) only; absent for everyone else. */
  sourceArn?: string;
  /** `s3:TlsVersion`, present with TLS. */
  tlsVersion?: number;
}

type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** Template values as strings: pseudo parameters, `Ref` to a resource as its logical ID, bucket `Arn`s, joins. */
function resolve(template: Template, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const v = value as Record<string, unknown>;
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref === 'AWS::AccountId') return ACCOUNT;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt?.[1] === 'Arn') {
    const resource = (
      template.toJSON().Resources as Record<string, { Properties?: { BucketName?: string } }>
    )[getAtt[0]];
    return `arn:aws:s3:::${resource?.Properties?.BucketName ?? getAtt[0]}`;
  }
  const join = v['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map((part) => resolve(template, part)).join(join[0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function wildcard(pattern: string, text: string, ignoreCase = false): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, ignoreCase ? 'i' : '').test(text);
}

function principalMatches(template: Template, principal: unknown, who: Principal): boolean {
  if (principal === '*') return true;
  const p = principal as { AWS?: unknown; Service?: unknown };
  if (asArray(p.AWS).some((a) => a === '*')) return true;
  if (typeof who === 'object' && 'service' in who) return asArray(p.Service).includes(who.service);
  if (typeof who === 'object' && 'aws' in who)
    return asArray(p.AWS).some((a) => resolve(template, a) === who.aws);
  return false;
}

function conditionHolds(
  template: Template,
  operator: string,
  key: string,
  values: unknown,
  request: Request,
) {
  const present: Record<string, string | undefined> = {
    'aws:securetransport': String(request.secureTransport),
    'aws:sourcearn': request.sourceArn,
    // The service sends the owner of the source resource along with its ARN.
    'aws:sourceaccount': request.sourceArn?.split(':')[4],
    's3:tlsversion': request.tlsVersion === undefined ? undefined : String(request.tlsVersion),
  };
  if (!(key.toLowerCase() in present)) throw new Error(`condition key ${key} is not modelled`);
  const actual = present[key.toLowerCase()];
  const expected = asArray(values).map((value) => resolve(template, value));
  const negated = /Not(Equals|Like)$/.test(operator);
  if (actual === undefined) return negated; // absent key: only a negated operator holds
  const any = (test: (e: string) => boolean) => expected.some(test);
  switch (operator) {
    case 'Bool':
      return any((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringEquals':
      return any((e) => e === actual);
    case 'ArnEquals':
    case 'ArnLike':
      return any((e) => wildcard(e, actual));
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return !any((e) => wildcard(e, actual));
    case 'NumericLessThan':
      return any((e) => Number(actual) < Number(e));
    default:
      throw new Error(`condition operator ${operator} is not modelled`);
  }
}

function applies(template: Template, statement: Statement, request: Request, identity: boolean): boolean {
  return (
    (identity || principalMatches(template, statement.Principal, request.principal)) &&
    asArray(statement.Action).some((a) => wildcard(a, request.action, true)) &&
    asArray(statement.Resource).some((r) => wildcard(resolve(template, r), request.resource)) &&
    Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, values]) => conditionHolds(template, operator, key, values, request)),
    )
  );
}

/** Bucket policy plus, for an IAM principal of the account, its identity policy statements. */
function evaluate(
  template: Template,
  bucketPolicy: Statement[],
  request: Request,
  identityPolicy: Statement[] = [],
): Decision {
  const all = [
    ...bucketPolicy.map((statement) => ({ statement, identity: false })),
    ...identityPolicy.map((statement) => ({ statement, identity: true })),
  ];
  const matching = all.filter(({ statement, identity }) => applies(template, statement, request, identity));
  if (matching.some(({ statement }) => statement.Effect === 'Deny')) return 'explicit-deny';
  return matching.some(({ statement }) => statement.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

describe('the policy evaluator of this file', () => {
  it('follows the IAM rules it models', () => {
    const template = { toJSON: () => ({ Resources: {} }) } as unknown as Template;
    const object = 'arn:aws:s3:::b/crl/ca.crl';
    const allowGet: Statement = {
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b/*',
    };
    const tlsOnly: Statement = {
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    const cloudFront = { service: 'cloudfront.amazonaws.com' };
    const get = (secureTransport: boolean, sourceArn?: string): Request => ({
      principal: cloudFront,
      action: 's3:GetObject',
      resource: object,
      secureTransport,
      sourceArn,
    });
    expect(evaluate(template, [allowGet], get(true))).toBe('allow');
    expect(evaluate(template, [allowGet, tlsOnly], get(false))).toBe('explicit-deny');
    expect(evaluate(template, [tlsOnly], get(true))).toBe('implicit-deny');
    const exempt = (operator: string, arn: string): Statement => ({
      ...tlsOnly,
      Condition: { ...tlsOnly.Condition, [operator]: { 'aws:SourceArn': arn } },
    });
    const mine = 'arn:aws:cloudfront::123456789012:distribution/EMINE';
    expect(evaluate(template, [allowGet, exempt('ArnNotEquals', mine)], get(false, mine))).toBe('allow');
    expect(evaluate(template, [allowGet, exempt('ArnNotEquals', mine)], get(false, `${mine}X`))).toBe(
      'explicit-deny',
    );
    // A negated operator holds when the key is absent: no source ARN, no exemption.
    expect(evaluate(template, [allowGet, exempt('ArnNotEquals', mine)], get(false))).toBe('explicit-deny');
    expect(
      evaluate(
        template,
        [allowGet, exempt('ArnNotLike', 'arn:aws:cloudfront::123456789012:distribution/*')],
        {
          ...get(false, mine),
        },
      ),
    ).toBe('allow');
    expect(() =>
      evaluate(
        template,
        [{ ...allowGet, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }],
        get(true),
      ),
    ).toThrow(/not modelled/);
  });
});

// ---------------------------------------------------------------------------------------------

let synth: SynthesizedCaRepo;

beforeAll(async () => {
  synth = await synthCaRepo({}, { bundling: false, cfnValidation: false });
});

function bucketPolicy(template: Template, bucketLogicalId: string): Statement[] {
  const policies = Object.values(
    template.findResources('AWS::S3::BucketPolicy') as Record<
      string,
      { Properties: Record<string, unknown> }
    >,
  ).filter((p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucketLogicalId }));
  expect(policies).toHaveLength(1);
  return (policies[0]!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

describe('plain-HTTP cache misses reach the origin buckets, and nothing else gets through without TLS', () => {
  it('repository: a plain-HTTP cache miss (CloudFront for this distribution, s3:GetObject, no TLS) is allowed; anonymous and the publisher without TLS are denied', () => {
    const repo = synth.stacks.primary.repository;
    const bucketId = logicalId(repo.repository.bucket);
    const template = synth.primary;
    const policy = bucketPolicy(template, bucketId);
    const bucketArn = 'arn:aws:s3:::ca-repo-repository-123456789012-ap-northeast-1';
    expect(resolve(template, { 'Fn::GetAtt': [bucketId, 'Arn'] })).toBe(bucketArn);
    const crl = `${bucketArn}/crl/ca1.crl`;
    const distributionArn = `arn:aws:cloudfront::${ACCOUNT}:distribution/${logicalId(repo.distribution.distribution)}`;
    const cloudFront = { service: 'cloudfront.amazonaws.com' };

    // The defect: CloudFront fetching a CRL for a plain-HTTP viewer (cache miss).
    expect(
      evaluate(template, policy, {
        principal: cloudFront,
        action: 's3:GetObject',
        resource: crl,
        secureTransport: false,
        sourceArn: distributionArn,
      }),
    ).toBe('allow');
    // ... and for an HTTPS viewer.
    expect(
      evaluate(template, policy, {
        principal: cloudFront,
        action: 's3:GetObject',
        resource: crl,
        secureTransport: true,
        tlsVersion: 1.3,
        sourceArn: distributionArn,
      }),
    ).toBe('allow');
    // The exemption lifts the TLS rule, not the grant: CloudFront may still only read.
    expect(
      evaluate(template, policy, {
        principal: cloudFront,
        action: 's3:PutObject',
        resource: crl,
        secureTransport: false,
        sourceArn: distributionArn,
      }),
    ).not.toBe('allow');
    // Another distribution (of this account or any other) gets nothing.
    for (const other of [
      `arn:aws:cloudfront::${ACCOUNT}:distribution/EOTHER`,
      'arn:aws:cloudfront::999999999999:distribution/EOTHER',
    ]) {
      expect(
        evaluate(template, policy, {
          principal: cloudFront,
          action: 's3:GetObject',
          resource: crl,
          secureTransport: false,
          sourceArn: other,
        }),
        other,
      ).toBe('explicit-deny');
    }
    // Anonymous, no TLS, no source ARN: denied explicitly (not merely not allowed).
    expect(
      evaluate(template, policy, {
        principal: 'anonymous',
        action: 's3:GetObject',
        resource: crl,
        secureTransport: false,
      }),
    ).toBe('explicit-deny');
    // The publisher (worker role, allowed to write by its identity policy) must use TLS.
    const worker = repo.publisher.worker.role;
    const workerId = logicalId(worker);
    const workerPolicy = identityStatements(template)
      .filter(({ owner }) => {
        const roles = (template.toJSON().Resources as Record<string, { Properties?: { Roles?: unknown[] } }>)[
          owner
        ]?.Properties?.Roles;
        return JSON.stringify(roles) === JSON.stringify([{ Ref: workerId }]);
      })
      .map(({ statement }) => statement);
    expect(workerPolicy.length).toBeGreaterThan(0);
    const publish = (secureTransport: boolean): Request => ({
      principal: { aws: `arn:aws:iam::${ACCOUNT}:role/${workerId}` },
      action: 's3:PutObject',
      resource: crl,
      secureTransport,
      ...(secureTransport ? { tlsVersion: 1.2 } : {}),
    });
    expect(evaluate(template, policy, publish(true), workerPolicy)).toBe('allow');
    expect(evaluate(template, policy, publish(false), workerPolicy)).toBe('explicit-deny');
    // TLS older than 1.2 stays refused for everyone.
    expect(evaluate(template, policy, { ...publish(true), tlsVersion: 1.1 }, workerPolicy)).toBe(
      'explicit-deny',
    );
  });

  it('the replica bucket lets distributions of this account read without TLS, and no one else', () => {
    const template = synth.replica!;
    const policy = bucketPolicy(template, logicalId(synth.stacks.replica!.replica.bucket));
    const crl = 'arn:aws:s3:::ca-repo-replica-123456789012-ap-northeast-3/crl/ca1.crl';
    const distributionArn = `arn:aws:cloudfront::${ACCOUNT}:distribution/${logicalId(synth.stacks.primary.repository.distribution.distribution)}`;
    const read = (secureTransport: boolean, sourceArn?: string): Request => ({
      principal: { service: 'cloudfront.amazonaws.com' },
      action: 's3:GetObject',
      resource: crl,
      secureTransport,
      ...(secureTransport ? { tlsVersion: 1.2 } : {}),
      ...(sourceArn ? { sourceArn } : {}),
    });
    expect(evaluate(template, policy, read(false, distributionArn))).toBe('allow');
    expect(evaluate(template, policy, read(true, distributionArn))).toBe('allow');
    expect(
      evaluate(template, policy, read(false, 'arn:aws:cloudfront::999999999999:distribution/EOTHER')),
    ).toBe('explicit-deny');
    expect(
      evaluate(template, policy, {
        principal: 'anonymous',
        action: 's3:GetObject',
        resource: crl,
        secureTransport: false,
      }),
    ).toBe('explicit-deny');
    expect(
      evaluate(template, policy, {
        principal: { aws: `arn:aws:iam::${ACCOUNT}:role/anything` },
        action: 's3:PutObject',
        resource: crl,
        secureTransport: false,
      }),
    ).toBe('explicit-deny');
  });
});

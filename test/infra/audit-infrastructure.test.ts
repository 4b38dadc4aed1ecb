/**
 * Audit-grade infrastructure (docs/deploy.md §10), asserted resource by resource and property by
 * property on the synthesized templates: Object Lock on the repository, replica and ledger; the
 * versioned access-log buckets; the CloudTrail trail in its own locked bucket; the IAM Roles Anywhere
 * uploader identity; the OCSP POST web ACL and the header it passes to the origin-request function;
 * reserved concurrency; replication alarms and the replica CRL comparison; cost-allocation tags and
 * termination protection. Each feature is also switched off (or to its alternative) to show the
 * assertion depends on the configuration.
 */
import { readFileSync } from 'node:fs';
import { Stack, TagManager, type CfnResource } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ABUSE_LABEL_HEADER } from '../../lambda/core/contract/edge-origin-headers.ts';
import { logicalId, nagFindings, synthCaRepo, PACKAGE_ROOT, type SynthesizedCaRepo } from './synth-app.ts';

let example: SynthesizedCaRepo;
let minimal: SynthesizedCaRepo;
let compliance: SynthesizedCaRepo;

beforeAll(async () => {
  example = await synthCaRepo({}, { bundling: false, cfnValidation: false });
  // Every audit feature off or at its alternative, in one Region.
  minimal = await synthCaRepo(
    {
      replicaRegion: undefined,
      objectLock: undefined,
      auditTrail: { enabled: false },
      abuseLimits: { enabled: false },
      uploaderIdentity: { principalArn: 'arn:aws:iam::123456789012:user/ca-repo-uploader' },
    },
    { bundling: false, cfnValidation: false },
  );
  compliance = await synthCaRepo(
    { objectLock: { mode: 'COMPLIANCE', retentionDays: 365 } },
    { bundling: false, cfnValidation: false },
  );
}, 180_000);

const lockOf = (mode: string, days: number) => ({
  ObjectLockEnabled: true,
  ObjectLockConfiguration: {
    ObjectLockEnabled: 'Enabled',
    Rule: { DefaultRetention: { Mode: mode, Days: days } },
  },
});

function properties(synth: SynthesizedCaRepo, stack: 'primary' | 'replica' | 'edge', id: string) {
  const template = stack === 'primary' ? synth.primary : stack === 'replica' ? synth.replica! : synth.edge;
  return template.toJSON().Resources[id].Properties as Record<string, unknown>;
}

describe('Object Lock (objectLock: GOVERNANCE 30 days in the example)', () => {
  it('locks the repository, the replica and the ledger with the configured default retention', () => {
    const repo = example.stacks.primary.repository;
    expect(properties(example, 'primary', logicalId(repo.repository.bucket))).toMatchObject({
      BucketName: 'ca-repo-repository-123456789012-ap-northeast-1',
      ...lockOf('GOVERNANCE', 30),
    });
    expect(properties(example, 'replica', logicalId(example.stacks.replica!.replica.bucket))).toMatchObject({
      BucketName: 'ca-repo-replica-123456789012-ap-northeast-3',
      ...lockOf('GOVERNANCE', 30),
    });
    expect(properties(example, 'primary', logicalId(repo.health!.ledger))).toMatchObject(
      lockOf('GOVERNANCE', 30),
    );
  });

  it('COMPLIANCE as the option, on all three', () => {
    const repo = compliance.stacks.primary.repository;
    for (const [stack, bucket] of [
      ['primary', repo.repository.bucket],
      ['replica', compliance.stacks.replica!.replica.bucket],
      ['primary', repo.health!.ledger],
    ] as const) {
      expect(properties(compliance, stack, logicalId(bucket))).toMatchObject(lockOf('COMPLIANCE', 365));
    }
  });

  it('the ledger is never weaker than health.objectLockRetentionDays (compliance)', async () => {
    const synth = await synthCaRepo(
      { health: { ...example.config.health, sentinels: [], objectLockRetentionDays: 2557 } },
      { bundling: false, cfnValidation: false },
    );
    const repo = synth.stacks.primary.repository;
    expect(properties(synth, 'primary', logicalId(repo.health!.ledger))).toMatchObject(
      lockOf('COMPLIANCE', 2557),
    );
    expect(properties(synth, 'primary', logicalId(repo.repository.bucket))).toMatchObject(
      lockOf('GOVERNANCE', 30),
    );
  });

  it('absent: no lock on the repository (existing deployments keep their buckets, docs/deploy.md §10)', () => {
    const repo = minimal.stacks.primary.repository;
    for (const bucket of [repo.repository.bucket, repo.health!.ledger]) {
      const p = properties(minimal, 'primary', logicalId(bucket));
      expect(p).not.toHaveProperty('ObjectLockEnabled');
      expect(p).not.toHaveProperty('ObjectLockConfiguration');
    }
  });

  it('replication may read each object version’s retention and legal hold (S3 needs them for locked objects)', () => {
    const role = example.stacks.primary.repository.repository.bucket.node.findChild('ReplicationRole');
    const policy = logicalId(role.node.findChild('DefaultPolicy'));
    const statements = (properties(example, 'primary', policy).PolicyDocument as { Statement: unknown[] })
      .Statement;
    expect(statements).toContainEqual({
      Sid: 'ReadObjectLockForReplication',
      Effect: 'Allow',
      Action: ['s3:GetObjectLegalHold', 's3:GetObjectRetention'],
      Resource: {
        'Fn::Join': [
          '',
          [{ 'Fn::GetAtt': [logicalId(example.stacks.primary.repository.repository.bucket), 'Arn'] }, '/*'],
        ],
      },
    });
  });
});

describe('access-log buckets: versioned with a lifecycle (S3 cannot log into a locked bucket)', () => {
  it.each(['primary', 'replica'] as const)('%s Region', (stack) => {
    const bucket =
      stack === 'primary'
        ? example.stacks.primary.repository.accessLogs.bucket
        : example.stacks.replica!.replica.accessLogs.bucket;
    const p = properties(example, stack, logicalId(bucket));
    expect(p).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({ Id: 'expire-logs', ExpirationInDays: 400 }),
          expect.objectContaining({
            Id: 'expire-replaced-or-deleted-logs',
            NoncurrentVersionExpiration: { NoncurrentDays: 400 },
            ExpiredObjectDeleteMarker: true,
          }),
        ]),
      },
    });
    expect(p).not.toHaveProperty('ObjectLockEnabled');
  });
});

describe('CloudTrail trail (auditTrail)', () => {
  it('records write data events of the ingest and repository buckets, validates log files, logs', () => {
    const repo = example.stacks.primary.repository;
    const objects = (bucket: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/']] });
    expect(properties(example, 'primary', logicalId(repo.auditTrail!.trail))).toMatchObject({
      IsLogging: true,
      EnableLogFileValidation: true,
      IsMultiRegionTrail: false,
      S3BucketName: { Ref: logicalId(repo.auditTrail!.bucket) },
      EventSelectors: [
        { IncludeManagementEvents: true, ReadWriteType: 'WriteOnly' },
        {
          IncludeManagementEvents: false,
          ReadWriteType: 'WriteOnly',
          DataResources: [
            {
              Type: 'AWS::S3::Object',
              Values: [objects(logicalId(repo.ingest.bucket)), objects(logicalId(repo.repository.bucket))],
            },
          ],
        },
      ],
    });
  });

  it('delivers to its own bucket: locked for the log retention, versioned, private, logged, retained', () => {
    const bucket = example.stacks.primary.repository.auditTrail!.bucket;
    const resource = example.primary.toJSON().Resources[logicalId(bucket)];
    expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(resource.Properties).toMatchObject({
      ...lockOf('GOVERNANCE', 400),
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalId(example.stacks.primary.repository.accessLogs.bucket) },
        LogFilePrefix: 's3/audit-trail/',
      },
    });
    example.primary.hasOutput('AuditTrailBucketName', { Value: { Ref: logicalId(bucket) } });
  });

  it('auditTrail.enabled false: no trail, no trail bucket', () => {
    minimal.primary.resourceCountIs('AWS::CloudTrail::Trail', 0);
    expect(minimal.stacks.primary.repository.auditTrail).toBeUndefined();
  });
});

describe('uploader identity', () => {
  it('IAM Roles Anywhere: a trust anchor holding the uploader-issuing CA, a profile for the role', () => {
    const uploader = example.stacks.primary.repository.uploader;
    const pem = readFileSync(`${PACKAGE_ROOT}test/infra/fixtures/example-uploader-ca.pem`, 'utf8');
    expect(properties(example, 'primary', logicalId(uploader.trustAnchor!))).toMatchObject({
      Enabled: true,
      Source: { SourceType: 'CERTIFICATE_BUNDLE', SourceData: { X509CertificateData: pem } },
    });
    expect(properties(example, 'primary', logicalId(uploader.profile!))).toMatchObject({
      Enabled: true,
      DurationSeconds: 3600,
      RoleArns: [{ 'Fn::GetAtt': [logicalId(uploader.role), 'Arn'] }],
    });
    example.primary.hasOutput('UploaderTrustAnchorArn', {
      Value: { 'Fn::GetAtt': [logicalId(uploader.trustAnchor!), 'TrustAnchorArn'] },
    });
    example.primary.hasOutput('UploaderProfileArn', {
      Value: { 'Fn::GetAtt': [logicalId(uploader.profile!), 'ProfileArn'] },
    });
  });

  it('the role trusts Roles Anywhere for that trust anchor and the uploader certificate’s subject only', () => {
    const uploader = example.stacks.primary.repository.uploader;
    expect(properties(example, 'primary', logicalId(uploader.role)).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'rolesanywhere.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
          Condition: {
            ArnEquals: {
              'aws:SourceArn': { 'Fn::GetAtt': [logicalId(uploader.trustAnchor!), 'TrustAnchorArn'] },
            },
            StringEquals: {
              'aws:PrincipalTag/x509Subject/CN': 'ca-repo-uploader',
              'aws:PrincipalTag/x509Subject/O': 'ca-repo example',
              'aws:PrincipalTag/x509Issuer/CN': 'ca-repo Example Uploader CA',
            },
          },
        },
      ],
    });
  });

  it('the alternative: one named IAM principal, no trust anchor', () => {
    const uploader = minimal.stacks.primary.repository.uploader;
    expect(uploader.trustAnchor).toBeUndefined();
    minimal.primary.resourceCountIs('AWS::RolesAnywhere::TrustAnchor', 0);
    expect(properties(minimal, 'primary', logicalId(uploader.role)).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:user/ca-repo-uploader' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
  });
});

describe('abuse limits (abuseLimits, on by default)', () => {
  const ocspPost = {
    AndStatement: {
      Statements: [
        {
          ByteMatchStatement: {
            FieldToMatch: { UriPath: {} },
            PositionalConstraint: 'STARTS_WITH',
            SearchString: '/ocsp',
            TextTransformations: [{ Priority: 0, Type: 'NONE' }],
          },
        },
        {
          ByteMatchStatement: {
            FieldToMatch: { Method: {} },
            PositionalConstraint: 'EXACTLY',
            SearchString: 'POST',
            TextTransformations: [{ Priority: 0, Type: 'NONE' }],
          },
        },
      ],
    },
  };
  const insert = (value: string) => ({
    Count: { CustomRequestHandling: { InsertHeaders: [{ Name: 'ca-repo-abuse-label', Value: value }] } },
  });

  it('a CLOUDFRONT web ACL in us-east-1 whose rules count and label OCSP POSTs only, never block', () => {
    const webAcl = example.stacks.edge.webAcl!.webAcl;
    expect(example.stacks.edge.region).toBe('us-east-1');
    expect(properties(example, 'edge', logicalId(webAcl))).toMatchObject({
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      Rules: [
        {
          Name: 'OcspPostRate',
          Priority: 0,
          Statement: {
            RateBasedStatement: {
              Limit: 1000,
              EvaluationWindowSec: 300,
              AggregateKeyType: 'IP',
              ScopeDownStatement: ocspPost,
            },
          },
          Action: insert('ocsp-post-rate'),
          RuleLabels: [{ Name: 'ca-repo:ocsp-post-rate' }],
        },
        {
          Name: 'OcspPostIpReputation',
          Priority: 1,
          Statement: {
            ManagedRuleGroupStatement: {
              VendorName: 'AWS',
              Name: 'AWSManagedRulesAmazonIpReputationList',
              ScopeDownStatement: ocspPost,
            },
          },
          OverrideAction: { Count: {} },
        },
        {
          Name: 'OcspPostIpReputationLabel',
          Priority: 2,
          Statement: {
            LabelMatchStatement: { Scope: 'NAMESPACE', Key: 'awswaf:managed:aws:amazon-ip-list:' },
          },
          Action: insert('ip-reputation'),
        },
      ],
    });
  });

  it('is on the distribution, and the OCSP behaviour forwards its label to the origin-request function', () => {
    const delivery = example.stacks.primary.repository.distribution;
    const policy = delivery.node.findChild('OcspOriginRequestPolicy');
    expect(properties(example, 'primary', logicalId(policy))).toMatchObject({
      OriginRequestPolicyConfig: {
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: [ABUSE_LABEL_HEADER] },
        CookiesConfig: { CookieBehavior: 'none' },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
      },
    });
    example.primary.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: {
          'Fn::GetStackOutput': {
            StackName: 'ca-repo-edge',
            Region: 'us-east-1',
            OutputName: Match.anyValue(),
          },
        },
        CacheBehaviors: ['/ocsp', '/ocsp/*'].map((PathPattern) =>
          Match.objectLike({
            PathPattern,
            OriginRequestPolicyId: { Ref: logicalId(policy) },
            LambdaFunctionAssociations: Match.arrayWith([
              Match.objectLike({ EventType: 'origin-request', IncludeBody: true }),
            ]),
          }),
        ),
      }),
    });
    // The output the distribution reads is the web ACL's ARN.
    const outputs = example.edge.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.values(outputs)).toContainEqual({
      Value: { 'Fn::GetAtt': [logicalId(example.stacks.edge.webAcl!.webAcl), 'Arn'] },
    });
  });

  it('switched off: no web ACL, no header forwarding', () => {
    minimal.edge.resourceCountIs('AWS::WAFv2::WebACL', 0);
    minimal.primary.resourceCountIs('AWS::CloudFront::OriginRequestPolicy', 0);
    minimal.primary.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ WebACLId: Match.absent() }),
    });
  });
});

describe('reserved concurrency', () => {
  it('the publish dispatcher and the health checker each have theirs', () => {
    const repo = example.stacks.primary.repository;
    expect(properties(example, 'primary', logicalId(repo.publisher.dispatcher.function))).toMatchObject({
      ReservedConcurrentExecutions: 5,
    });
    expect(properties(example, 'primary', logicalId(repo.health!.checker.function))).toMatchObject({
      ReservedConcurrentExecutions: 2,
    });
  });
});

describe('replication watched', () => {
  it('alarms on RTC latency over 15 minutes and on failed replication, to the alarm topic', () => {
    const monitor = example.stacks.primary.repository.replicationMonitor!;
    const topic = { Ref: logicalId(example.stacks.primary.repository.alarms.topic) };
    const dimensions = [
      { Name: 'DestinationBucket', Value: 'ca-repo-replica-123456789012-ap-northeast-3' },
      { Name: 'RuleId', Value: 'replicate-to-second-region' },
      { Name: 'SourceBucket', Value: 'ca-repo-repository-123456789012-ap-northeast-1' },
    ];
    expect(properties(example, 'primary', logicalId(monitor.latencyAlarm))).toMatchObject({
      Namespace: 'AWS/S3',
      MetricName: 'ReplicationLatency',
      Statistic: 'Maximum',
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      Dimensions: dimensions,
      AlarmActions: [topic],
      OKActions: [topic],
    });
    expect(properties(example, 'primary', logicalId(monitor.failedAlarm))).toMatchObject({
      Namespace: 'AWS/S3',
      MetricName: 'OperationsFailedReplication',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: dimensions,
      AlarmActions: [topic],
    });
  });

  it('the health checker compares the replica copy of each CRL with the primary’s', () => {
    const checker = example.stacks.primary.repository.health!.checker.function;
    expect(properties(example, 'primary', logicalId(checker))).toMatchObject({
      Environment: {
        Variables: expect.objectContaining({
          REPOSITORY_BUCKET: { Ref: logicalId(example.stacks.primary.repository.repository.bucket) },
          REPLICA_BUCKET: 'ca-repo-replica-123456789012-ap-northeast-3',
          REPLICA_REGION: 'ap-northeast-3',
        }),
      },
    });
  });

  it('one Region: nothing to watch', () => {
    expect(minimal.stacks.primary.repository.replicationMonitor).toBeUndefined();
    const variables = (
      properties(minimal, 'primary', logicalId(minimal.stacks.primary.repository.health!.checker.function))
        .Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(variables).not.toHaveProperty('REPLICA_BUCKET');
  });
});

describe('cost-allocation tags and termination protection', () => {
  it('every taggable resource of every stack carries ca-repo:deployment and the configured tags', () => {
    for (const stack of [example.stacks.primary, example.stacks.replica!, example.stacks.edge] as Stack[]) {
      const taggable = stack.node
        .findAll()
        .filter((c): c is CfnResource => TagManager.isTaggable(c) && 'cfnResourceType' in c);
      expect(taggable.length, stack.stackName).toBeGreaterThan(1);
      const template =
        stack === example.stacks.primary
          ? example.primary
          : stack === example.stacks.edge
            ? example.edge
            : example.replica!;
      const resources = template.toJSON().Resources as Record<string, { Properties?: { Tags?: unknown } }>;
      for (const resource of taggable) {
        const id = logicalId(resource);
        const tags = resources[id]?.Properties?.Tags;
        const list = Array.isArray(tags)
          ? tags
          : Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
        expect(list, `${stack.stackName}/${id}`).toEqual(
          expect.arrayContaining([
            { Key: 'ca-repo:deployment', Value: 'ca-repo' },
            { Key: 'CostCenter', Value: 'pki-operations' },
          ]),
        );
      }
    }
  });

  it('every stack has termination protection, the us-east-1 one included', () => {
    expect(example.stacks.edge.stackName).toBe('ca-repo-edge');
    for (const stack of [example.stacks.primary, example.stacks.replica!, example.stacks.edge]) {
      expect(stack.terminationProtection, stack.stackName).toBe(true);
    }
  });
});

describe('cdk-nag', () => {
  it('stays clean with every audit feature on and with them off', () => {
    expect(nagFindings(example.app)).toEqual([]);
    expect(nagFindings(minimal.app)).toEqual([]);
    expect(nagFindings(compliance.app)).toEqual([]);
  });
});

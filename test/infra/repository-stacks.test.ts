/**
 * The example configuration (primary ap-northeast-1, replica ap-northeast-3) synthesized as
 * `npx cdk synth` does: the properties investigators and relying parties depend on.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { RepositoryBucket } from '../../lib/constructs/repository-bucket.ts';
import { DEFAULT_ASSUMPTIONS } from '../../reporting/cost-model.ts';
import { OCSP_EDGE_MAX_SECONDS } from '../../lambda/core/serving/ocsp-edge-lifetime.ts';
import {
  asArray,
  identityStatements,
  logicalId,
  nagFindings,
  resourcesOfType,
  synthCaRepo,
  type Statement,
  type SynthesizedCaRepo,
  validationReportViolations,
} from './synth-app.ts';

let synth: SynthesizedCaRepo;
let templates: [string, Template][];

beforeAll(async () => {
  // Bundling is exercised by cdk-app.test.ts (the real `cdk synth`); schema validation runs here.
  synth = await synthCaRepo({}, { bundling: false });
  templates = [
    ['primary', synth.primary],
    ['replica', synth.replica!],
    ['edge', synth.edge],
  ];
});

/** The bucket policy statements of one bucket (by logical ID) in a template. */
function bucketPolicyStatements(template: Template, bucketLogicalId: string): Statement[] {
  const policies = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy')).filter(
    (p) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify({ Ref: bucketLogicalId }),
  );
  expect(policies, `bucket policy of ${bucketLogicalId}`).toHaveLength(1);
  return (policies[0]!.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
}

/** `[bucket ARN, bucket ARN/*]` as a bucket policy's Resource. */
function bucketAndObjects(bucketLogicalId: string): unknown[] {
  return [
    { 'Fn::GetAtt': [bucketLogicalId, 'Arn'] },
    { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketLogicalId, 'Arn'] }, '/*']] },
  ];
}

/** The parts of the construct tree the assertions look up by logical ID. */
function parts() {
  const repo = synth.stacks.primary.repository;
  const replica = synth.stacks.replica!.replica;
  return {
    logs: logicalId(repo.accessLogs.bucket),
    repository: logicalId(repo.repository.bucket),
    ingest: logicalId(repo.ingest.bucket),
    uploader: logicalId(repo.uploader.role),
    distribution: logicalId(repo.distribution.distribution),
    replica: logicalId(replica.bucket),
    replicaLogs: logicalId(replica.accessLogs.bucket),
    ledger: logicalId(repo.health!.ledger),
    trailBucket: logicalId(repo.auditTrail!.bucket),
    checker: repo.health!,
    topic: logicalId(repo.alarms.topic),
    publisher: {
      Dispatcher: repo.publisher.dispatcher,
      Worker: repo.publisher.worker,
    },
  };
}

describe('cdk-nag', () => {
  it('reports no finding left unacknowledged, and CDK’s validation report is empty', () => {
    expect(nagFindings(synth.app)).toEqual([]);
    expect(validationReportViolations(synth.app)).toEqual([]);
  });
});

describe('every bucket (repository, replica, ingest, health ledger, access logs in both Regions)', () => {
  it('there are exactly these seven buckets (the six and the audit trail bucket), all retained on stack deletion', () => {
    const { repository, ingest, ledger, logs, replica, replicaLogs, trailBucket } = parts();
    const ids = templates.flatMap(([, t]) => Object.keys(t.findResources('AWS::S3::Bucket'))).sort();
    expect(ids).toEqual([repository, ingest, ledger, logs, replica, replicaLogs, trailBucket].sort());
    for (const [, template] of templates) {
      for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
        expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    }
  });

  it('blocks all public access, is encrypted and refuses TLS < 1.2 requests', () => {
    for (const [, template] of templates) {
      for (const [id, bucket] of Object.entries(resourcesOfType(template, 'AWS::S3::Bucket'))) {
        expect(bucket.Properties?.PublicAccessBlockConfiguration, id).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(bucket.Properties?.BucketEncryption, id).toEqual({
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        });
        expect(bucketPolicyStatements(template, id), id).toContainEqual({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:*',
          Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          Resource: bucketAndObjects(id),
        });
      }
    }
  });

  it('ingest, health ledger and log buckets refuse every plain-HTTP request (no exemption)', () => {
    const { ingest, ledger, logs, replicaLogs } = parts();
    for (const [template, id] of [
      [synth.primary, ingest],
      [synth.primary, ledger],
      [synth.primary, logs],
      [synth.replica!, replicaLogs],
    ] as const) {
      const statements = bucketPolicyStatements(template, id);
      expect(statements, id).toContainEqual({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: bucketAndObjects(id),
      });
      // No other statement about aws:SecureTransport (which could carry an exemption).
      expect(
        statements.filter((s) => JSON.stringify(s).includes('SecureTransport')),
        id,
      ).toHaveLength(1);
    }
  });

  it('never allows an anonymous or wildcard principal', () => {
    for (const [, template] of templates) {
      for (const policy of Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy'))) {
        const statements = (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
        for (const s of statements.filter((s) => s.Effect === 'Allow')) {
          expect(JSON.stringify(s.Principal)).not.toContain('"*"');
          expect(s.Principal).toHaveProperty('Service');
        }
      }
    }
  });

  it('is S3 Standard only: no One Zone or reduced-redundancy class, no lifecycle transition anywhere', () => {
    for (const [name, template] of templates) {
      const json = JSON.stringify(template.toJSON());
      expect(json, name).not.toMatch(/ONEZONE|REDUCED_REDUNDANCY|GLACIER|STANDARD_IA|INTELLIGENT_TIERING/);
      for (const bucket of Object.values(resourcesOfType(template, 'AWS::S3::Bucket'))) {
        const rules = ((bucket.Properties?.LifecycleConfiguration as { Rules?: object[] })?.Rules ??
          []) as Record<string, unknown>[];
        for (const rule of rules) {
          expect(rule).not.toHaveProperty('Transitions');
          expect(rule).not.toHaveProperty('NoncurrentVersionTransitions');
        }
      }
    }
  });

  it('sends S3 server access logs to the log bucket of its Region (except the log buckets)', () => {
    const { logs: primaryLogs, repository, ingest, ledger, replica, replicaLogs } = parts();
    for (const id of [repository, ingest, ledger]) {
      expect(synth.primary.toJSON().Resources[id].Properties.LoggingConfiguration).toMatchObject({
        DestinationBucketName: { Ref: primaryLogs },
      });
    }
    expect(synth.replica!.toJSON().Resources[replica].Properties.LoggingConfiguration).toMatchObject({
      DestinationBucketName: { Ref: replicaLogs },
    });
  });
});

describe('repository bucket and replica', () => {
  it('repository: fixed name, versioned, noncurrent versions expire', () => {
    synth.primary.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'ca-repo-repository-123456789012-ap-northeast-1',
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
        ]),
      },
    });
  });

  it('repository bucket policy: only CloudFront for this distribution may GetObject (OAC); TLS for every request except those reads', () => {
    const { repository: bucket, distribution } = parts();
    const distributionArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':cloudfront::',
          { Ref: 'AWS::AccountId' },
          ':distribution/',
          { Ref: distribution },
        ],
      ],
    };
    expect(bucketPolicyStatements(synth.primary, bucket)).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/*']] },
        Condition: { StringEquals: { 'AWS:SourceArn': distributionArn } },
      },
      {
        // CloudFront reads an S3 REST origin with the viewer's protocol (plain HTTP for CDP/AIA/OCSP).
        Sid: 'DenyNonTlsExceptDistributionReads',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: bucketAndObjects(bucket),
        Condition: {
          Bool: { 'aws:SecureTransport': 'false' },
          ArnNotEquals: { 'aws:SourceArn': distributionArn },
        },
      },
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: bucketAndObjects(bucket),
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
      },
    ]);
  });

  it('the repository bucket refuses to synthesize without its TLS rules, and takes one distribution only', () => {
    const bare = () => {
      const app = new App();
      const stack = new Stack(app, 'Bare');
      const bucket = new RepositoryBucket(stack, 'Repository', {
        bucketName: 'bare-repository',
        accessLogs: new s3.Bucket(stack, 'Logs'),
        noncurrentVersionRetentionDays: 30,
      });
      return { app, bucket };
    };
    const forgotten = bare();
    expect(() => forgotten.app.synth()).toThrow(/no transport rules: call requireTlsExceptDistributionReads/);
    const { bucket } = bare();
    bucket.requireTlsExceptDistributionReads('arn:aws:cloudfront::123456789012:distribution/EONE');
    // A second Deny would refuse the first distribution's plain-HTTP reads: refused outright.
    expect(() =>
      bucket.requireTlsExceptDistributionReads('arn:aws:cloudfront::123456789012:distribution/ETWO'),
    ).toThrow(/once per repository bucket/);
  });

  it('replicates everything to the replica in S3 Standard, with delete markers and 15-minute RTC', () => {
    synth.primary.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'ca-repo-repository-123456789012-ap-northeast-1',
      ReplicationConfiguration: {
        Role: Match.anyValue(),
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            Destination: Match.objectLike({
              Bucket: 'arn:aws:s3:::ca-repo-replica-123456789012-ap-northeast-3',
              StorageClass: 'STANDARD',
              ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
            }),
            DeleteMarkerReplication: { Status: 'Enabled' },
          }),
        ],
      },
    });
  });

  it('replica: same name scheme in ap-northeast-3, versioned (required by replication)', () => {
    expect(synth.stacks.replica!.region).toBe('ap-northeast-3');
    synth.replica!.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'ca-repo-replica-123456789012-ap-northeast-3',
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('replica bucket policy: only CloudFront for distributions of this account may GetObject (OAC); TLS for every request except those reads', () => {
    const bucket = parts().replica;
    const distributionsOfAccount = 'arn:aws:cloudfront::123456789012:distribution/*';
    expect(bucketPolicyStatements(synth.replica!, bucket)).toEqual([
      {
        Sid: 'DenyNonTlsExceptDistributionReads',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: bucketAndObjects(bucket),
        Condition: {
          Bool: { 'aws:SecureTransport': 'false' },
          ArnNotLike: { 'aws:SourceArn': distributionsOfAccount },
        },
      },
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: bucketAndObjects(bucket),
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
      },
      {
        Sid: 'AllowCloudFrontOriginAccessControlRead',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/*']] },
        Condition: {
          StringEquals: { 'AWS:SourceAccount': '123456789012' },
          ArnLike: { 'AWS:SourceArn': distributionsOfAccount },
        },
      },
    ]);
  });

  it('the primary stack deploys after the replica (S3 needs the replication destination first)', () => {
    expect(synth.stacks.primary.dependencies).toContain(synth.stacks.replica);
  });
});

describe('log buckets', () => {
  it('primary: encrypted, logs expire after logRetentionDays, ACLs kept for CloudFront standard logging', () => {
    const id = parts().logs;
    expect(synth.primary.toJSON().Resources[id].Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({ ExpirationInDays: 400, Status: 'Enabled' }),
        ]),
      },
    });
  });

  it('replica Region: encrypted, same retention, ACLs disabled (S3 access logs only)', () => {
    const id = parts().replicaLogs;
    expect(synth.replica!.toJSON().Resources[id].Properties).toMatchObject({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 400 })]),
      },
    });
  });

  it('S3 log delivery is granted by bucket policy, for the ca-repo buckets only, each under its own prefix', () => {
    const { logs: id, repository, ingest, ledger } = parts();
    const delivery = bucketPolicyStatements(synth.primary, id).filter((s) => s.Effect === 'Allow');
    const expected: [string, string][] = [
      [repository, '/s3/repository/*'],
      [ingest, '/s3/ingest/*'],
      [ledger, '/s3/health-ledger/*'],
      [parts().trailBucket, '/s3/audit-trail/*'],
    ];
    expect(delivery).toHaveLength(expected.length);
    for (const [source, prefix] of expected) {
      expect(delivery, source).toContainEqual({
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, prefix]] },
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [source, 'Arn'] } },
          StringEquals: { 'aws:SourceAccount': '123456789012' },
        },
      });
    }
  });
});

describe('ingest bucket and uploader role', () => {
  it('ingest: bundles and receipts expire; the manifest (written last) triggers the dispatcher', () => {
    synth.primary.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'bundles/', ExpirationInDays: 14 }),
          Match.objectLike({ Prefix: 'receipts/', ExpirationInDays: 56 }),
        ]),
      },
    });
    synth.primary.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'suffix', Value: '/manifest.json' },
                  { Name: 'prefix', Value: 'bundles/' },
                ],
              },
            },
            LambdaFunctionArn: Match.anyValue(),
          },
        ],
      },
    });
  });

  it('uploader may only put bundles/* (not the part verdicts) and get receipts/*, from the configured source ranges', () => {
    const { uploader: role, ingest } = parts();
    const statements = identityStatements(synth.primary).filter((s) => s.owner === role);
    const condition = { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } };
    expect(statements.map((s) => s.statement)).toEqual([
      {
        Sid: 'PutBundles',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ingest, 'Arn'] }, '/bundles/*']] },
        // New objects only: S3 refuses the write unless If-None-Match is sent.
        Condition: { ...condition, Null: { 's3:if-none-match': 'false' } },
      },
      {
        Sid: 'ReadReceipts',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ingest, 'Arn'] }, '/receipts/*']] },
        Condition: condition,
      },
    ]);
    // Nothing is attached to the role from elsewhere (no managed policy, no other policy).
    expect(synth.primary.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
    for (const policy of Object.values(resourcesOfType(synth.primary, 'AWS::IAM::Policy'))) {
      expect(JSON.stringify(policy.Properties?.Roles ?? [])).not.toContain(role);
    }
  });
});

describe('IAM across all stacks', () => {
  it('no Allow statement grants s3:* or any wildcard action', () => {
    for (const [, template] of templates) {
      for (const { owner, statement } of identityStatements(template)) {
        if (statement.Effect !== 'Allow') continue;
        for (const action of asArray(statement.Action)) {
          expect(action, owner).not.toContain('*');
        }
      }
    }
  });

  it('no Allow statement has Resource "*"', () => {
    for (const [, template] of templates) {
      for (const { owner, statement } of identityStatements(template)) {
        if (statement.Effect !== 'Allow') continue;
        expect(asArray(statement.Resource), owner).not.toContain('*');
      }
    }
  });

  it('publisher: S3 on the ingest prefixes and the repository, queue, its log group, and creating and reading invalidations of its own distribution only', () => {
    const { distribution, publisher } = parts();
    for (const fn of [publisher.Dispatcher, publisher.Worker]) {
      const policy = logicalId(fn.role.node.findChild('DefaultPolicy'));
      const statements = identityStatements(synth.primary)
        .filter((s) => s.owner === policy)
        .map((s) => s.statement);
      const actions = statements.flatMap((s) => asArray(s.Action)).sort();
      for (const action of actions) {
        expect(action).toMatch(
          /^(s3:(ListBucket|GetObject|PutObject|DeleteObject)|sqs:\w+|logs:(CreateLogStream|PutLogEvents)|cloudfront:(Create|Get)Invalidation)$/,
        );
      }
      // Withdrawals (ca-repo withdraw) are finished by the dispatcher: a delete marker on the
      // repository only, never a version deleted, never from the worker.
      // The worker's only delete is of an ingest part holding key material (DeleteBundlePartsHoldingKeys).
      const deletes = statements.filter(
        (s) => asArray(s.Action).includes('s3:DeleteObject') && s.Sid !== 'DeleteBundlePartsHoldingKeys',
      );
      expect(deletes.map((s) => s.Sid)).toEqual(
        fn === publisher.Dispatcher ? ['WithdrawFromRepository'] : [],
      );
      expect(actions).not.toContain('s3:DeleteObjectVersion');
      expect(statements).toContainEqual({
        Sid: 'InvalidateOwnDistribution',
        Effect: 'Allow',
        Action: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
        Resource: {
          'Fn::Join': ['', ['arn:aws:cloudfront::123456789012:distribution/', { Ref: distribution }]],
        },
      });
      const role = logicalId(fn.role);
      expect(synth.primary.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
    }
    // Writes: receipts and the repository; part verdicts only for workers; never a bundle itself.
    const writes = (fn: typeof publisher.Worker) =>
      identityStatements(synth.primary)
        .filter((s) => s.owner === logicalId(fn.role.node.findChild('DefaultPolicy')))
        .filter((s) => asArray(s.statement.Action).includes('s3:PutObject'))
        .map((s) => JSON.stringify(s.statement.Resource).replace(/.*"(\/[^"]*)"\]\]\}$/, '$1'));
    expect(writes(publisher.Dispatcher).sort()).toEqual(['/*', '/receipts/*']);
    expect(writes(publisher.Worker).sort()).toEqual(['/*', '/receipts/*', '/results/*']);
  });
});

describe('CloudFront distribution', () => {
  it('allows plain HTTP on every behaviour and never redirects to HTTPS', () => {
    const json = JSON.stringify(synth.primary.toJSON());
    expect(json).not.toContain('redirect-to-https');
    expect(json).not.toContain('https-only');
    synth.primary.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'allow-all' }),
        CacheBehaviors: ['/ocsp', '/ocsp/*'].map((PathPattern) =>
          Match.objectLike({ PathPattern, ViewerProtocolPolicy: 'allow-all' }),
        ),
      }),
    });
  });

  it('the OCSP behaviours take /ocsp and what is below it, never a sibling such as /ocspca.crt', () => {
    const distribution = Object.values(resourcesOfType(synth.primary, 'AWS::CloudFront::Distribution'))[0]!;
    const patterns = (
      distribution.Properties!.DistributionConfig as { CacheBehaviors: { PathPattern: string }[] }
    ).CacheBehaviors.map((b) => b.PathPattern);
    // CloudFront path patterns: `*` any characters (`/` included), `?` one character.
    const matches = (path: string) =>
      patterns.some((pattern) =>
        new RegExp(
          `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.')}$`,
        ).test(path),
      );
    expect(matches('/ocsp')).toBe(true);
    expect(matches('/ocsp/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUA')).toBe(true);
    expect(matches('/ocspca.crt')).toBe(false);
    expect(matches('/ocsp-signer.crt')).toBe(false);
  });

  it('default behaviour: GET/HEAD from the origin group, cache policy with min TTL 0', () => {
    synth.primary.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        PriceClass: 'PriceClass_200',
        DefaultCacheBehavior: Match.objectLike({
          AllowedMethods: ['GET', 'HEAD'],
          TargetOriginId: Match.stringLikeRegexp('OriginGroup'),
        }),
      }),
    });
    synth.primary.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        MinTTL: 0,
        DefaultTTL: 60,
        MaxTTL: 3600,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          CookiesConfig: { CookieBehavior: 'none' },
          HeadersConfig: { HeaderBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'none' },
        }),
      }),
    });
  });

  it('OCSP behaviours: their own cache policy, maximum TTL the longest OCSP s-maxage, no Accept-Encoding in the key', () => {
    const policies = resourcesOfType(synth.primary, 'AWS::CloudFront::CachePolicy');
    const ocspPolicy = Object.entries(policies).find(([id]) => id.includes('OcspCachePolicy'));
    expect(ocspPolicy).toBeDefined();
    const [ocspPolicyId, policy] = ocspPolicy!;
    // 4 days: a BR §4.9.10 refresh deadline is at most 4 days after thisUpdate (ocsp-edge-lifetime.ts).
    expect(OCSP_EDGE_MAX_SECONDS).toBe(345_600);
    expect(policy.Properties!.CachePolicyConfig).toMatchObject({
      MinTTL: 0,
      MaxTTL: OCSP_EDGE_MAX_SECONDS,
      ParametersInCacheKeyAndForwardedToOrigin: {
        EnableAcceptEncodingGzip: false,
        EnableAcceptEncodingBrotli: false,
        HeadersConfig: { HeaderBehavior: 'none' },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
      },
    });
    const distribution = Object.values(resourcesOfType(synth.primary, 'AWS::CloudFront::Distribution'))[0]!;
    const config = distribution.Properties!.DistributionConfig as {
      CacheBehaviors: { CachePolicyId: unknown }[];
      DefaultCacheBehavior: { CachePolicyId: unknown };
    };
    for (const behaviour of config.CacheBehaviors)
      expect(behaviour.CachePolicyId).toEqual({ Ref: ocspPolicyId });
    expect(config.DefaultCacheBehavior.CachePolicyId).not.toEqual({ Ref: ocspPolicyId });
  });

  it('origin group fails over to the replica on 403, 404 and 5xx', () => {
    synth.primary.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        OriginGroups: {
          Quantity: 1,
          Items: [
            Match.objectLike({
              FailoverCriteria: {
                StatusCodes: { Quantity: 6, Items: [403, 404, 500, 502, 503, 504] },
              },
            }),
          ],
        },
      }),
    });
  });

  it('every origin is an S3 bucket read through Origin Access Control (no OAI, no public website)', () => {
    const distribution = Object.values(resourcesOfType(synth.primary, 'AWS::CloudFront::Distribution'))[0]!;
    const origins = (distribution.Properties!.DistributionConfig as { Origins: Record<string, unknown>[] })
      .Origins;
    expect(origins.length).toBeGreaterThanOrEqual(2);
    for (const origin of origins) {
      expect(origin.OriginAccessControlId).toBeDefined();
      expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
      expect(origin).not.toHaveProperty('CustomOriginConfig');
    }
    expect(origins.map((o) => JSON.stringify(o.DomainName))).toContain(
      '"ca-repo-replica-123456789012-ap-northeast-3.s3.ap-northeast-3.amazonaws.com"',
    );
    synth.primary.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
  });

  // docs/deploy.md §6: AWS documents that CloudFront forwards to an S3 REST origin with the
  // viewer's protocol (S3OriginConfig has no origin protocol policy), which is why the origin
  // buckets exempt the distribution's reads from their TLS rule (plain-http-origin.test.ts). This
  // pins the origin shape that design is about, so a change of origin type (a custom origin, a
  // website endpoint) cannot slip in unnoticed.
  it('origin leg: S3 REST endpoints with SigV4 OAC; no custom origin, no protocol policy, no website endpoint', () => {
    const { repository } = parts();
    const distribution = Object.values(resourcesOfType(synth.primary, 'AWS::CloudFront::Distribution'))[0]!;
    const config = distribution.Properties!.DistributionConfig as { Origins: Record<string, unknown>[] };
    const json = JSON.stringify(config);
    expect(json).not.toContain('CustomOriginConfig');
    expect(json).not.toContain('OriginProtocolPolicy');
    expect(json).not.toMatch(/s3-website/);
    expect(config.Origins.map((o) => o.DomainName)).toEqual([
      { 'Fn::GetAtt': [repository, 'RegionalDomainName'] },
      'ca-repo-replica-123456789012-ap-northeast-3.s3.ap-northeast-3.amazonaws.com',
      // The OCSP behaviour's own origin: the repository bucket again, with the edge headers.
      { 'Fn::GetAtt': [repository, 'RegionalDomainName'] },
    ]);
    for (const origin of config.Origins) {
      expect(origin).toMatchObject({
        S3OriginConfig: { OriginAccessIdentity: '' },
        OriginAccessControlId: { 'Fn::GetAtt': [expect.stringMatching(/OriginAccessControl/), 'Id'] },
      });
    }
  });

  it('OCSP behaviours /ocsp and /ocsp/* (never /ocspca.crt): all methods (POST), function on viewer-request below /ocsp only, Lambda@Edge origin-request only (with includeBody)', () => {
    synth.primary.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CacheBehaviors: ['/ocsp', '/ocsp/*'].map((PathPattern) =>
          Match.objectLike({
            PathPattern,
            AllowedMethods: Match.arrayWith(['GET', 'HEAD', 'POST']),
            CachedMethods: ['GET', 'HEAD'],
            TargetOriginId: Match.not(Match.stringLikeRegexp('OriginGroup')),
            // The GET key rewrite below the prefix; none on the prefix, where POSTs go (a
            // billed run each, and a Function cannot read a body).
            FunctionAssociations:
              PathPattern === '/ocsp'
                ? Match.absent()
                : [{ EventType: 'viewer-request', FunctionARN: Match.anyValue() }],
            // No origin-response: the origin-request function answers GET misses (one paid
            // invocation per miss; reporting/cost-model.ts prices exactly that).
            LambdaFunctionAssociations: [
              { EventType: 'origin-request', IncludeBody: true, LambdaFunctionARN: Match.anyValue() },
            ],
          }),
        ),
        DefaultCacheBehavior: Match.objectLike({
          LambdaFunctionAssociations: [{ EventType: 'origin-response', LambdaFunctionARN: Match.anyValue() }],
        }),
      }),
    });
    const distribution = Object.values(resourcesOfType(synth.primary, 'AWS::CloudFront::Distribution'))[0]!;
    const config = distribution.Properties!.DistributionConfig as {
      CacheBehaviors: { LambdaFunctionAssociations: { EventType: string }[] }[];
    };
    for (const behaviour of config.CacheBehaviors) {
      expect(behaviour.LambdaFunctionAssociations.map((a) => a.EventType)).toEqual(['origin-request']);
    }
  });

  it('the viewer-request function runs on cloudfront-js-2.0 and fits the 10 KB limit', () => {
    const functions = Object.values(resourcesOfType(synth.primary, 'AWS::CloudFront::Function'));
    expect(functions).toHaveLength(1);
    const fn = functions[0]!.Properties!;
    expect(fn.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    expect(fn.AutoPublish).toBe(true);
    expect(Buffer.byteLength(String(fn.FunctionCode))).toBeLessThanOrEqual(10 * 1024);
    expect(String(fn.FunctionCode)).toContain('/ocsp');
  });

  it('Lambda@Edge settings travel as custom headers on the primary origin', () => {
    const distribution = Object.values(resourcesOfType(synth.primary, 'AWS::CloudFront::Distribution'))[0]!;
    const config = distribution.Properties!.DistributionConfig as {
      Origins: { Id: string; OriginCustomHeaders?: { HeaderName: string; HeaderValue: string }[] }[];
      CacheBehaviors: { TargetOriginId: string }[];
    };
    const ocspOrigin = config.Origins.find((o) => o.Id === config.CacheBehaviors[0]!.TargetOriginId)!;
    expect(ocspOrigin.OriginCustomHeaders).toEqual(
      expect.arrayContaining([
        {
          HeaderName: 'x-ca-repo-cache-caps',
          HeaderValue: JSON.stringify({
            caCertificateSeconds: 3600,
            crlSeconds: 900,
            ocspSeconds: 3600,
            documentSeconds: 3600,
            indexSeconds: 60,
          }),
        },
        { HeaderName: 'x-ca-repo-unauthorized-max-age', HeaderValue: '60' },
        {
          HeaderName: 'x-ca-repo-replica-domain',
          HeaderValue: 'ca-repo-replica-123456789012-ap-northeast-3.s3.ap-northeast-3.amazonaws.com',
        },
      ]),
    );
  });

  it('standard logging goes to the encrypted log bucket; without a custom domain no certificate is set', () => {
    const logs = parts().logs;
    synth.primary.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Logging: {
          Bucket: { 'Fn::GetAtt': [logs, 'RegionalDomainName'] },
          IncludeCookies: false,
          Prefix: 'cloudfront/',
        },
        Aliases: Match.absent(),
        // ca-repo's abuse-limit web ACL, read from the us-east-1 stack.
        WebACLId: {
          'Fn::GetStackOutput': {
            StackName: 'ca-repo-edge',
            Region: 'us-east-1',
            OutputName: Match.stringLikeRegexp('OcspWebAcl'),
          },
        },
      }),
    });
  });
});

describe('Lambda functions', () => {
  it('publish functions: newest Node.js, arm64, ESM bundle, own log group, configuration in the environment', () => {
    const functions = Object.values(resourcesOfType(synth.primary, 'AWS::Lambda::Function')).filter((f) =>
      String(f.Properties?.Description).startsWith('ca-repo publish'),
    );
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Layers: [{ Ref: expect.stringMatching(/TrustLayer/) }],
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/LogGroup/) } },
        Environment: {
          Variables: expect.objectContaining({
            INGEST_BUCKET: { Ref: expect.stringMatching(/IngestBucket/) },
            REPOSITORY_BUCKET: { Ref: expect.stringMatching(/RepositoryBucket/) },
            PUBLISH_QUEUE_URL: { Ref: expect.stringMatching(/WorkQueue/) },
            OCSP_URL: '/ocsp',
            DISTRIBUTION_ID: { Ref: expect.stringMatching(/Distribution/) },
            TRUST_DIR: '/opt/trust',
          }),
        },
      });
    }
    synth.primary.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 400 });
  });

  it('dispatcher failures are dead-lettered, workers are fed by SQS with a DLQ, and every failure alarms', () => {
    synth.primary.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    synth.primary.hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DispatchDeadLetters'), 'Arn'] },
      },
    });
    synth.primary.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 1800,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
      SqsManagedSseEnabled: true,
    });
    synth.primary.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const alarms = Object.entries(resourcesOfType(synth.primary, 'AWS::CloudWatch::Alarm'));
    const publishAlarms = alarms.filter(([id]) => id.startsWith('CaRepoPublisher'));
    expect(publishAlarms.map(([, a]) => a.Properties?.MetricName).sort()).toEqual([
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesVisible',
      'Errors',
      'Errors',
    ]);
    // The rest are the replication monitor's and the health checker's (see below).
    const monitor = synth.stacks.primary.repository.replicationMonitor!;
    expect(alarms.filter(([id]) => !id.startsWith('CaRepoPublisher')).map(([id]) => id)).toEqual([
      logicalId(monitor.latencyAlarm),
      logicalId(monitor.failedAlarm),
      ...parts().checker.alarms.map((alarm) => logicalId(alarm)),
    ]);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: parts().topic }]);
    }
    synth.primary.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'pki-operations@example.jp',
    });
  });

  it('Lambda@Edge: us-east-1, Node.js 22 x86_64, no environment, reads only _ocsp/* of both buckets', () => {
    expect(synth.edgeStack.region).toBe('us-east-1');
    expect(synth.edgeStack.stackName).toBe('ca-repo-edge');
    const functions = Object.values(resourcesOfType(synth.edge, 'AWS::Lambda::Function'));
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['x86_64'] });
      expect(fn.Properties).not.toHaveProperty('Environment');
      // `ca-repo cost` bills the memory the functions are deployed with.
      expect(fn.Properties!.MemorySize).toBe(DEFAULT_ASSUMPTIONS.edgeMemoryMb);
    }
    const grants = identityStatements(synth.edge).map((s) => s.statement);
    expect(grants).toHaveLength(2);
    for (const grant of grants) {
      expect({ ...grant, Resource: asArray(grant.Resource).sort() }).toEqual({
        Sid: 'ReadStoredOcspResponses',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [
          'arn:aws:s3:::ca-repo-replica-123456789012-ap-northeast-3/_ocsp/*',
          'arn:aws:s3:::ca-repo-repository-123456789012-ap-northeast-1/_ocsp/*',
        ],
      });
    }
  });
});

describe('stack outputs read by `ca-repo publish --stack`', () => {
  it('names them stably', () => {
    const outputs = Object.keys(synth.primary.toJSON().Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'DistributionDomainName',
        'DistributionId',
        'RepositoryUrl',
        'OcspUrl',
        'IngestBucketName',
        'IngestBucketRegion',
        'UploaderRoleArn',
      ]),
    );
    synth.primary.hasOutput('OcspUrl', {
      Value: { 'Fn::Join': ['', ['http://', Match.anyValue(), '/ocsp']] },
    });
    synth.primary.hasOutput('IngestBucketRegion', { Value: 'ap-northeast-1' });
    expect(synth.stacks.primary.stackName).toBe('ca-repo');
  });
});

describe('health checker from the configuration (health.scheduleMinutes 1, enabled by default)', () => {
  it('runs on a schedule at the configured rate, targeting the checker function', () => {
    const { checker } = parts();
    expect(synth.config.health).toMatchObject({
      enabled: true,
      scheduleMinutes: 1,
      sentinels: [expect.objectContaining({ expectedStatus: 'good' })],
    });
    const rules = Object.values(resourcesOfType(synth.primary, 'AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [logicalId(checker.checker.function), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
  });

  it('probes the public host over http and https with the pinned CAs, and writes to its ledger', () => {
    const { checker, distribution, ledger } = parts();
    const domain = { 'Fn::GetAtt': [distribution, 'DomainName'] };
    const fn = synth.primary.toJSON().Resources[logicalId(checker.checker.function)];
    expect(fn.Properties.Environment.Variables).toMatchObject({
      REPOSITORY_URLS: { 'Fn::Join': ['', ['http://', domain, ',https://', domain]] },
      LEDGER_BUCKET: { Ref: ledger },
      TRUST_DIR: '/opt/trust',
    });
    // The example's OCSP sentinel ships in its own layer.
    expect(fn.Properties.Environment.Variables).toMatchObject({
      SENTINELS_FILE: '/opt/health/sentinels.json',
    });
    expect(fn.Properties.Layers).toEqual(
      expect.arrayContaining([
        { Ref: expect.stringMatching(/TrustLayer/) },
        { Ref: expect.stringMatching(/SentinelLayer/) },
      ]),
    );
    expect(fn.Properties.Layers).toHaveLength(2);
    synth.primary.hasOutput('HealthLedgerBucketName', { Value: { Ref: ledger } });
  });

  it('keeps the ledger encrypted, private, TLS-only, versioned, logged, retained and under the configured Object Lock', () => {
    const { ledger, logs } = parts();
    const bucket = synth.primary.toJSON().Resources[ledger];
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: 's3/health-ledger/' },
    });
    expect(bucket.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } },
      },
    });
    const statements = bucketPolicyStatements(synth.primary, ledger);
    const bucketAndObjects = [
      { 'Fn::GetAtt': [ledger, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ledger, 'Arn'] }, '/*']] },
    ];
    // TLS-only, and nothing else: no principal outside the account is allowed in.
    expect(statements).toEqual([
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: bucketAndObjects,
      },
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
        Resource: bucketAndObjects,
      },
    ]);
  });

  it('lets the checker list, read and append ledger records only (no delete)', () => {
    const { checker, ledger } = parts();
    const policy = logicalId(checker.checker.role.node.findChild('DefaultPolicy'));
    const s3 = identityStatements(synth.primary)
      .filter((s) => s.owner === policy)
      .map((s) => s.statement)
      .filter((s) => asArray(s.Action).some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([
      expect.objectContaining({
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [ledger, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['ledger/*'] } },
      }),
      expect.objectContaining({
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ledger, 'Arn'] }, '/ledger/*']] },
      }),
      // Read-only HEADs of the repository and replica copies of each CRL (the crl-replica probe).
      expect.objectContaining({
        Sid: 'CompareReplicaCopies',
        Action: 's3:GetObject',
        Resource: expect.arrayContaining([
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [parts().repository, 'Arn'] }, '/*']] },
          'arn:aws:s3:::ca-repo-replica-123456789012-ap-northeast-3/*',
        ]),
      }),
    ]);
  });

  it('alarms (unavailable, CRL expiring, OCSP stale, slow, checker errors, one per BR deadline class) notify the SNS topic both ways', () => {
    const { checker, topic } = parts();
    const resources = synth.primary.toJSON().Resources;
    // 5 probe alarms + 5 deadline classes (crl-reissue, arl-reissue, ocsp-refresh, answer-time, crl-urls-fetch)
    expect(checker.alarms).toHaveLength(10);
    for (const alarm of checker.alarms) {
      const properties = resources[logicalId(alarm)].Properties;
      expect(properties).toMatchObject({ AlarmActions: [{ Ref: topic }], OKActions: [{ Ref: topic }] });
      expect(properties.Period).toBe(60);
    }
    expect(resources[logicalId(checker.alarms[0]!)].Properties).toMatchObject({
      MetricName: 'Availability',
      TreatMissingData: 'breaching',
    });
    expect(resources[topic].Type).toBe('AWS::SNS::Topic');
    synth.primary.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: topic },
      Protocol: 'email',
      Endpoint: 'pki-operations@example.jp',
    });
    synth.primary.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

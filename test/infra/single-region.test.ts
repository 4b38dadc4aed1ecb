/**
 * The example configuration without a replica Region (`npx cdk synth -c replicaRegion=none`):
 * no replica stack, no replication, no origin group, the edge reads the repository bucket only.
 */
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  identityStatements,
  nagFindings,
  resourcesOfType,
  synthCaRepo,
  validationReportViolations,
  type SynthesizedCaRepo,
} from './synth-app.ts';

let synth: SynthesizedCaRepo;

beforeAll(async () => {
  synth = await synthCaRepo({ replicaRegion: undefined }, { bundling: false, cfnValidation: false });
});

describe('single Region (no replicaRegion)', () => {
  it('synthesizes the primary and edge stacks only, with no cdk-nag finding left', () => {
    expect(synth.stacks.replica).toBeUndefined();
    expect(
      synth.app.node.children
        .filter((c) => c instanceof Stack)
        .map((c) => c.node.id)
        .sort(),
    ).toEqual(['ca-repo', 'ca-repo-edge']);
    expect(nagFindings(synth.app)).toEqual([]);
    expect(validationReportViolations(synth.app)).toEqual([]);
  });

  it('the repository is still S3 Standard in several AZs, versioned, but not replicated', () => {
    synth.primary.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'ca-repo-repository-123456789012-ap-northeast-1',
      VersioningConfiguration: { Status: 'Enabled' },
      ReplicationConfiguration: Match.absent(),
    });
    // Uploader, dispatcher, worker, health checker, and CDK's three custom-resource roles (bucket
    // notifications, the cross-Region reader, the initial index's AwsCustomResource): no replication role.
    const roles = Object.keys(resourcesOfType(synth.primary, 'AWS::IAM::Role')).sort();
    expect(roles.map((id) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'AWS679f53fac002430cb0da5b7982bd2287ServiceRole',
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834Role',
      'CaRepoHealthCheckerRole',
      'CaRepoPublisherDispatcherRole',
      'CaRepoPublisherWorkerRole',
      'CaRepoUploaderRole',
      'CustomCrossRegionStringParameterReaderCustomResourceProviderRole',
    ]);
    expect(JSON.stringify(synth.primary.toJSON())).not.toContain('ReplicationRole');
  });

  it('both behaviours use the repository origin directly (no origin group) and stay plain-HTTP', () => {
    synth.primary.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        OriginGroups: Match.absent(),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'allow-all',
          TargetOriginId: Match.not(Match.stringLikeRegexp('OriginGroup')),
        }),
        // /ocsp and /ocsp/* (core/ocsp/ocsp-path.ts)
        CacheBehaviors: [0, 1].map(() =>
          Match.objectLike({
            ViewerProtocolPolicy: 'allow-all',
            LambdaFunctionAssociations: Match.arrayWith([Match.objectLike({ IncludeBody: true })]),
          }),
        ),
      }),
    });
  });

  it('the origin carries no replica header and the edge reads only the repository bucket', () => {
    const distribution = Object.values(resourcesOfType(synth.primary, 'AWS::CloudFront::Distribution'))[0]!;
    expect(JSON.stringify(distribution)).not.toContain('x-ca-repo-replica-domain');
    expect(JSON.stringify(distribution)).toContain('x-ca-repo-cache-caps');
    const grants = identityStatements(synth.edge);
    expect(grants).toHaveLength(2);
    for (const { statement } of grants) {
      expect(statement.Resource).toBe('arn:aws:s3:::ca-repo-repository-123456789012-ap-northeast-1/_ocsp/*');
    }
  });
});

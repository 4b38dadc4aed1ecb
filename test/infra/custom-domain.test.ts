/**
 * An existing CA's host name (custom domain, ACM certificate), WAF, a VPC endpoint for the uploader,
 * a different OCSP path and cache caps: the values reach CloudFront, the edge and the publisher.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  identityStatements,
  logicalId,
  nagFindings,
  resourcesOfType,
  synthCaRepo,
  type SynthesizedCaRepo,
} from './synth-app.ts';

const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const WEB_ACL =
  'arn:aws:wafv2:us-east-1:123456789012:global/webacl/ca-repo/0a1b2c3d-0000-1111-2222-333344445555';

let synth: SynthesizedCaRepo;

beforeAll(async () => {
  synth = await synthCaRepo(
    {
      name: 'pki',
      domainNames: ['repo.example.jp', 'crl.example.jp'],
      certificateArn: CERTIFICATE,
      webAclArn: WEB_ACL,
      uploaderSources: { vpcEndpointId: 'vpce-0123456789abcdef0' },
      ocspPathPrefix: '/status/ocsp',
      cacheCaps: { crlSeconds: 600, ocspSeconds: 1800, caCertificateSeconds: 86400 },
      priceClass: 'PriceClass_All',
    },
    { bundling: false, cfnValidation: false },
  );
});

describe('custom domain, WAF, VPC endpoint, OCSP path and caps', () => {
  it('has no cdk-nag finding left (CFR2 and CFR4 need no acknowledgement here)', () => {
    expect(nagFindings(synth.app)).toEqual([]);
    expect(synth.stacks.primary.stackName).toBe('pki');
    expect(synth.edgeStack.stackName).toBe('pki-edge');
  });

  it('serves the host names with the us-east-1 certificate, TLS 1.2+ (SNI), WAF and PriceClass_All', () => {
    synth.primary.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['repo.example.jp', 'crl.example.jp'],
        ViewerCertificate: {
          AcmCertificateArn: CERTIFICATE,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
        WebACLId: WEB_ACL,
        PriceClass: 'PriceClass_All',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'allow-all' }),
        CacheBehaviors: ['/status/ocsp', '/status/ocsp/*'].map((PathPattern) =>
          Match.objectLike({ PathPattern, ViewerProtocolPolicy: 'allow-all' }),
        ),
      }),
    });
  });

  it('outputs the plain-HTTP URLs on the first host name', () => {
    synth.primary.hasOutput('RepositoryUrl', { Value: 'http://repo.example.jp/' });
    synth.primary.hasOutput('OcspUrl', { Value: 'http://repo.example.jp/status/ocsp' });
  });

  it('builds the viewer-request function for the configured OCSP path', () => {
    const fn = Object.values(resourcesOfType(synth.primary, 'AWS::CloudFront::Function'))[0]!;
    expect(String(fn.Properties!.FunctionCode)).toContain('/status/ocsp');
  });

  it('passes the caps: cache policy maximum, edge header, publisher environment', () => {
    synth.primary.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ MinTTL: 0, MaxTTL: 86400 }),
    });
    const distribution = JSON.stringify(resourcesOfType(synth.primary, 'AWS::CloudFront::Distribution'));
    expect(distribution).toContain('"HeaderName":"x-ca-repo-cache-caps"');
    expect(distribution).toContain('\\"ocspSeconds\\":1800');
    synth.primary.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          OCSP_URL: '/status/ocsp',
          CACHE_CAPS: JSON.stringify({
            caCertificateSeconds: 86400,
            crlSeconds: 600,
            ocspSeconds: 1800,
            documentSeconds: 3600,
            indexSeconds: 60,
          }),
        }),
      },
    });
  });

  it('the uploader may act only through the VPC endpoint', () => {
    const role = logicalId(synth.stacks.primary.repository.uploader.role);
    const statements = identityStatements(synth.primary)
      .filter((s) => s.owner === role)
      .map((s) => s.statement);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(2);
    for (const statement of allows) {
      expect(statement.Condition).toMatchObject({
        StringEquals: { 'aws:SourceVpce': 'vpce-0123456789abcdef0' },
      });
    }
    // Creating new bundle objects only (If-None-Match), from the endpoint.
    expect(allows.find((s) => s.Sid === 'PutBundles')?.Condition).toEqual({
      StringEquals: { 'aws:SourceVpce': 'vpce-0123456789abcdef0' },
      Null: { 's3:if-none-match': 'false' },
    });
    // The denial of part verdicts holds from anywhere.
    expect(statements.find((s) => s.Effect === 'Deny')?.Condition).toBeUndefined();
  });

  it('bucket names follow the configured name', () => {
    synth.replica!.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'pki-replica-123456789012-ap-northeast-3',
    });
    synth.primary.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'pki-repository-123456789012-ap-northeast-1',
    });
  });
});

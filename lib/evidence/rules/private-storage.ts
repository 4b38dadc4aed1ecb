/**
 * Use case A: the repository's storage and the logs beside it are private. Relying parties reach
 * objects only through CloudFront, which signs its origin reads (Origin Access Control, SigV4); no
 * bucket, queue or topic is open to anyone, and every bucket refuses requests that are not TLS.
 */
import { distributionOrigins } from '../app-topology.ts';
import { Findings, type Requirement } from '../requirement.ts';
import {
  actionsOf,
  blocksAllPublicAccess,
  bucketPolicyStatements,
  deniesInsecureTransport,
  describeValue,
  isPublicAllow,
  isRecord,
  statementsOf,
} from '../template-query.ts';

const PUBLIC_ACLS = ['PublicRead', 'PublicReadWrite', 'AuthenticatedRead'];

export const privateStorageRequirement: Requirement = {
  id: 'uc-a-private-storage',
  title: 'Storage private: objects reach relying parties only through CloudFront',
  source:
    'Use case A: integrity of the published repository and confidentiality of logs; AWS Foundational Security Best Practices S3.2/S3.8 (Block Public Access), S3.5 (TLS-only)',
  group: 'use-case-a',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const buckets = assembly.ofType('AWS::S3::Bucket');
    for (const bucket of buckets) {
      const blocked = blocksAllPublicAccess(bucket);
      findings.check(
        bucket,
        'PublicAccessBlockConfiguration',
        blocked ? 'all four settings true' : describeValue(bucket.properties.PublicAccessBlockConfiguration),
        blocked,
        `${bucket.logicalId} does not block public access (PublicAccessBlockConfiguration ${describeValue(bucket.properties.PublicAccessBlockConfiguration)})`,
      );
      const acl = bucket.properties.AccessControl;
      if (typeof acl === 'string') {
        findings.check(
          bucket,
          'AccessControl',
          acl,
          !PUBLIC_ACLS.includes(acl),
          `${bucket.logicalId} has the public ACL ${acl}`,
        );
      }
      const statements = bucketPolicyStatements(assembly, bucket);
      for (const statement of statements.filter(isPublicAllow)) {
        findings.check(
          bucket,
          `bucket policy ${statement.Sid ?? 'statement'} (Allow, Principal *)`,
          describeValue(statement.Action),
          false,
          `the bucket policy of ${bucket.logicalId} allows ${actionsOf(statement).join(', ')} to anyone (Principal "*")`,
        );
      }
      const tlsOnly = deniesInsecureTransport(statements);
      findings.check(
        bucket,
        'bucket policy: Deny aws:SecureTransport=false',
        tlsOnly ? 'present (TLS-only)' : 'absent',
        tlsOnly,
        `${bucket.logicalId} accepts requests without TLS`,
      );
      findings.command(
        `aws s3api get-public-access-block --bucket ${shell.physicalId(bucket)} --region ${bucket.stack.region}`,
      );
      findings.command(
        `aws s3api get-bucket-policy-status --bucket ${shell.physicalId(bucket)} --region ${bucket.stack.region}   # IsPublic: false`,
      );
    }
    for (const policy of assembly.ofType('AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy')) {
      for (const statement of statementsOf(policy.properties.PolicyDocument).filter(isPublicAllow)) {
        findings.check(
          policy,
          `PolicyDocument ${statement.Sid ?? 'statement'} (Allow, Principal *)`,
          describeValue(statement.Action),
          false,
          `${policy.logicalId} allows ${actionsOf(statement).join(', ')} to anyone`,
        );
      }
    }
    for (const distribution of assembly.ofType('AWS::CloudFront::Distribution')) {
      for (const origin of distributionOrigins(assembly, distribution)) {
        if (origin.customProtocolPolicy !== undefined) {
          findings.note(
            `Origin ${origin.id} of ${distribution.logicalId} is a custom origin (${describeValue(origin.domainName)}); it is outside this check.`,
          );
          continue;
        }
        findings.check(
          distribution,
          `Origins[${origin.id}].OriginAccessControlId`,
          origin.usesOriginAccessControl
            ? `set (${origin.bucket?.logicalId ?? describeValue(origin.domainName)})`
            : 'absent',
          origin.usesOriginAccessControl,
          `origin ${origin.id} of ${distribution.logicalId} reads S3 without Origin Access Control`,
        );
      }
      findings.command(
        `aws cloudfront get-distribution-config --id ${shell.physicalId(distribution)} --query "DistributionConfig.Origins.Items[].[Id,DomainName,OriginAccessControlId]" --output table`,
      );
    }
    for (const oac of assembly.ofType('AWS::CloudFront::OriginAccessControl')) {
      const config = isRecord(oac.properties.OriginAccessControlConfig)
        ? oac.properties.OriginAccessControlConfig
        : {};
      const signing = String(config.SigningBehavior ?? '(absent)');
      findings.check(
        oac,
        'OriginAccessControlConfig.SigningBehavior / SigningProtocol',
        `${signing} / ${String(config.SigningProtocol ?? '(absent)')}`,
        signing === 'always',
        `${oac.logicalId} signs origin requests only "${signing}"`,
      );
    }
    return findings.conclude(
      {
        met: `All ${buckets.length} buckets block public access, refuse non-TLS requests and grant no public access; CloudFront reads the origins with Origin Access Control (SigV4).`,
      },
      [
        'lib/constructs/repository-bucket.ts',
        'lib/constructs/replica-bucket.ts',
        'lib/constructs/distribution.ts',
      ],
    );
  },
};

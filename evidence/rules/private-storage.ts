/**
 * Use case A: the repository's storage and the logs beside it are private. Relying parties reach
 * objects only through CloudFront, which signs its origin reads (Origin Access Control, SigV4); no
 * bucket, queue or topic is open to anyone, and every bucket refuses requests that are not TLS,
 * except that an origin bucket may exempt its distribution's reads: CloudFront reaches an S3 REST
 * origin with the viewer's protocol, and CDP/AIA/OCSP viewers use plain HTTP. Such an exemption must
 * name CloudFront distributions only, and those may only read.
 */
import { distributionOrigins, originBuckets } from '../app-topology.ts';
import { checkBlocksPublicAccess, checkNoPublicAllow } from '../bucket-privacy-checks.ts';
import { Findings, type Requirement } from '../requirement.ts';
import {
  actionsOf,
  bucketPolicyStatements,
  describeValue,
  isPublicAllow,
  isRecord,
  statementsOf,
  transportRule,
  type PolicyStatement,
} from '../template-query.ts';

/** What CloudFront may do to an origin through OAC and still be read-only. */
const ORIGIN_READ_ACTIONS = ['s3:GetObject', 's3:ListBucket'];

function grantsCloudFront(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow' || !isRecord(statement.Principal)) return false;
  const services = [statement.Principal.Service].flat();
  return services.includes('cloudfront.amazonaws.com');
}

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
    const origins = new Set(originBuckets(assembly).map((b) => b.key));
    let exempting = 0;
    for (const bucket of buckets) {
      checkBlocksPublicAccess(
        findings,
        bucket,
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
      checkNoPublicAllow(
        findings,
        bucket,
        statements,
        (actions) => `the bucket policy of ${bucket.logicalId} allows ${actions} to anyone (Principal "*")`,
      );
      const transport = transportRule(statements);
      if (transport.kind === 'tls-except-distribution-reads') {
        const cloudFrontGrants = statements.filter(grantsCloudFront);
        const cloudFrontActions = [
          ...new Set(
            cloudFrontGrants.flatMap((st) =>
              st.NotAction !== undefined ? ['NotAction (everything else)'] : actionsOf(st),
            ),
          ),
        ];
        const writes = cloudFrontActions.filter((a) => !ORIGIN_READ_ACTIONS.includes(a));
        const isOrigin = origins.has(bucket.key);
        exempting += 1;
        findings.command(
          `aws s3api get-bucket-policy --bucket ${shell.physicalId(bucket)} --region ${bucket.stack.region} --query Policy --output text`,
        );
        findings.check(
          bucket,
          `bucket policy: Deny aws:SecureTransport=false (${transport.statement.Sid ?? 'statement'})`,
          `TLS required for every request except the distribution's reads, which CloudFront makes with the viewer's protocol (${transport.operator} aws:SourceArn ${transport.sourceArns.map((a) => describeValue(a)).join(', ')}); CloudFront may only ${cloudFrontActions.join(', ') || 'nothing'}`,
          isOrigin && writes.length === 0,
          !isOrigin
            ? `${bucket.logicalId} lets CloudFront distributions skip TLS, but no distribution reads it`
            : `${bucket.logicalId} lets CloudFront, which it exempts from TLS, do more than read (${writes.join(', ')}): writes without TLS`,
        );
      } else {
        findings.check(
          bucket,
          'bucket policy: Deny aws:SecureTransport=false',
          transport.kind === 'tls-only'
            ? 'present (TLS-only)'
            : transport.kind === 'conditional'
              ? `present with exemptions (${transport.conditions})`
              : 'absent',
          transport.kind === 'tls-only',
          transport.kind === 'conditional'
            ? `${bucket.logicalId} accepts requests without TLS from callers its TLS denial exempts (${transport.conditions})`
            : `${bucket.logicalId} accepts requests without TLS`,
        );
      }
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
        met: `All ${buckets.length} buckets block public access and grant no public access; CloudFront reads the origins with Origin Access Control (SigV4). ${
          exempting === 0
            ? 'Every bucket requires TLS for every request.'
            : `TLS is required for every request except the distribution's reads of ${exempting} origin bucket(s), which CloudFront makes with the viewer's protocol (plain HTTP for CDP, AIA and OCSP URLs) and which may only read.`
        }`,
      },
      [
        'lib/constructs/repository-bucket.ts',
        'lib/constructs/replica-bucket.ts',
        'lib/constructs/distribution.ts',
      ],
    );
  },
};

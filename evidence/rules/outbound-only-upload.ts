/**
 * Use case A: connections between on-premises and cloud avoid the open internet where possible,
 * and an agent inside the closed network that pushes outward is acceptable. The uploader assumes
 * one role that may put bundle objects and read receipts in the ingest bucket, nothing else; the
 * ingest bucket accepts TLS only; nothing in the app opens a path into the closed network.
 */
import { externallyAssumedRoles, originBuckets, trustedPrincipalsOf } from '../app-topology.ts';
import { Findings, type Requirement } from '../requirement.ts';
import {
  actionsOf,
  asArray,
  bucketPolicyStatements,
  bucketReferenced,
  deniesInsecureTransport,
  describeValue,
  managedPolicyArns,
  objectPattern,
  roleStatements,
} from '../template-query.ts';

/** Resources that connect AWS to a private network (and so could reach into it). */
const INBOUND_CAPABLE_TYPES = [
  'AWS::EC2::VPNConnection',
  'AWS::EC2::VPNGateway',
  'AWS::EC2::CustomerGateway',
  'AWS::EC2::TransitGateway',
  'AWS::EC2::TransitGatewayAttachment',
  'AWS::EC2::ClientVpnEndpoint',
  'AWS::DirectConnect::Connection',
  'AWS::DirectConnect::Lag',
  'AWS::EC2::VPCPeeringConnection',
  'AWS::SSM::Association',
];

const SOURCE_KEYS = ['aws:sourceip', 'aws:sourcevpce', 'aws:sourcevpc'];

export const outboundOnlyUploadRequirement: Requirement = {
  id: 'uc-a-outbound-only',
  title: 'Upload path outbound-only from on-premises',
  source:
    'Use case A: avoid the open internet between on-premises and cloud where possible; an agent in the closed network that pushes outward is acceptable',
  group: 'use-case-a',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const served = new Set(originBuckets(assembly));
    const roles = externallyAssumedRoles(assembly);
    if (roles.length === 0)
      findings.fail('no role for the on-prem uploader: the upload path could not be identified');
    const ingestBuckets = new Set<ReturnType<typeof bucketReferenced>>();
    for (const role of roles) {
      const name = shell.physicalId(role);
      findings.check(role, 'AssumeRolePolicyDocument principals', trustedPrincipalsOf(role).join(', '), true);
      const managed = managedPolicyArns(role);
      findings.check(
        role,
        'ManagedPolicyArns',
        managed.length === 0 ? 'none' : managed.join(', '),
        managed.length === 0,
        `${role.logicalId} has managed policies (${managed.join(', ')}): more than the upload needs`,
      );
      let sourceRestricted = true;
      for (const statement of roleStatements(assembly, role)) {
        if (statement.Effect !== 'Allow') continue;
        const actions = actionsOf(statement);
        const resources = asArray(statement.Resource);
        const patterns = resources.map((r) => objectPattern(r) ?? describeValue(r));
        const buckets = resources.map((r) => bucketReferenced(assembly, role.stack, r));
        const narrow =
          statement.NotAction === undefined &&
          actions.every((a) => a === 's3:PutObject' || a === 's3:GetObject') &&
          patterns.every((p) => p.length > 1 && p.endsWith('/*') && !p.startsWith('*')) &&
          buckets.every((b) => b !== undefined && !served.has(b));
        findings.check(
          role,
          `policy statement ${statement.Sid ?? ''}`.trim(),
          `${actions.join(', ')} on ${resources.map((r) => describeValue(r)).join(', ')}`,
          narrow,
          `${role.logicalId} may ${actions.join(', ')} on ${resources.map((r) => describeValue(r)).join(', ')}: broader than putting bundles and reading receipts of the ingest bucket`,
        );
        for (const bucket of buckets) if (bucket) ingestBuckets.add(bucket);
        const keys = Object.values(statement.Condition ?? {}).flatMap((c) =>
          Object.keys(c).map((k) => k.toLowerCase()),
        );
        if (!keys.some((k) => SOURCE_KEYS.includes(k))) sourceRestricted = false;
        else {
          findings.check(
            role,
            `policy statement ${statement.Sid ?? ''} Condition`.trim(),
            describeValue(statement.Condition),
            true,
          );
        }
      }
      if (!sourceRestricted) {
        findings.note(
          `${role.logicalId}: its grants are not tied to a source address or VPC endpoint (uploaderSources, docs/deploy.md §5).`,
        );
      }
      const session = Number(role.properties.MaxSessionDuration ?? 3600);
      findings.check(
        role,
        'MaxSessionDuration',
        `${session} s`,
        session <= 3600,
        `${role.logicalId} sessions last ${session} s`,
      );
      findings.command(
        `aws iam get-role --role-name ${name} --query "Role.[AssumeRolePolicyDocument,MaxSessionDuration]"`,
      );
      findings.command(
        `aws iam list-role-policies --role-name ${name}   # then: aws iam get-role-policy --role-name ${name} --policy-name <name>`,
      );
      findings.command(`aws iam list-attached-role-policies --role-name ${name}   # expect []`);
    }
    for (const bucket of ingestBuckets) {
      if (!bucket) continue;
      const tlsOnly = deniesInsecureTransport(bucketPolicyStatements(assembly, bucket));
      findings.check(
        bucket,
        'bucket policy: Deny aws:SecureTransport=false',
        tlsOnly ? 'present (uploads over HTTPS only)' : 'absent',
        tlsOnly,
        `ingest bucket ${bucket.logicalId} accepts uploads without TLS`,
      );
    }
    for (const stack of assembly.stacks) {
      const inbound = Object.entries(stack.template.Resources).filter(([, r]) =>
        INBOUND_CAPABLE_TYPES.includes(r.Type),
      );
      findings.checkTemplate(
        stack,
        'resources that connect to a private network (VPN, Direct Connect, Transit Gateway, peering)',
        inbound.length === 0 ? 'none' : inbound.map(([id, r]) => `${id} (${r.Type})`).join(', '),
        inbound.length === 0,
        `${stack.stackName} connects to a private network: ${inbound.map(([id]) => id).join(', ')}`,
      );
    }
    findings.note(
      'The uploader (`ca-repo publish`) polls for its receipt; nothing in AWS calls it. Which network the on-prem host uses to reach S3 (internet, VPN, Direct Connect with an S3 VPC endpoint) is outside the templates: docs/deploy.md §5.',
    );
    return findings.conclude(
      {
        met: `The uploader role (${roles.map((r) => r.logicalId).join(', ')}) may only put bundles and read receipts in the ingest bucket over TLS; no resource opens a path into the closed network.`,
      },
      ['docs/deploy.md §5 (Connect the on-premises uploader)', 'lib/constructs/uploader-role.ts'],
    );
  },
};

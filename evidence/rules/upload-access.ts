/**
 * Access control of the upload path: one named identity may assume the uploader role (IAM Roles
 * Anywhere for one trust anchor and one certificate subject, or one IAM user or role, never the
 * whole account), its trust anchor is a dedicated uploader-issuing CA (not a pinned CA whose
 * subscribers are the public), and the role may only create new bundle objects and read receipts,
 * from the configured addresses only.
 */
import { createHash } from 'node:crypto';
import { externallyAssumedRoles } from '../app-topology.ts';
import { referencedResource } from '../audit-topology.ts';
import type { AssemblyResource } from '../cloud-assembly.ts';
import { Findings, type Requirement } from '../requirement.ts';
import {
  actionsOf,
  asArray,
  describeValue,
  isRecord,
  objectPattern,
  roleStatements,
  statementsOf,
  type PolicyStatement,
} from '../template-query.ts';
import { certificatesInFile } from '../../lambda/core/pki/certificate-file.ts';

const SOURCE_KEYS = ['aws:sourceip', 'aws:sourcevpce', 'aws:sourcevpc'];
const MAX_SESSION_SECONDS = 3600;

function conditionKeys(statement: PolicyStatement): string[] {
  return Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c).map((k) => k.toLowerCase()));
}

/** A single IAM user or role ARN: not `*`, not an account (root or bare ID). */
function isOnePrincipal(value: unknown): boolean {
  const text = describeValue(value, 1000);
  return /^arn:aws[a-z-]*:iam::\d{12}:(user|role)\/.+$/.test(text);
}

/** Judges one trust statement; returns the trust anchor it names (Roles Anywhere) when it is sound. */
function judgeTrust(
  findings: Findings,
  role: AssemblyResource,
  statement: PolicyStatement,
  resolve: (value: unknown) => AssemblyResource | undefined,
): AssemblyResource | undefined {
  const principal = isRecord(statement.Principal) ? statement.Principal : {};
  const services = asArray(principal.Service as string[]);
  const aws = asArray(principal.AWS as unknown[]);
  const conditions = statement.Condition ?? {};
  if (services.includes('rolesanywhere.amazonaws.com')) {
    const sourceArn = Object.entries(conditions)
      .filter(([operator]) => operator === 'ArnEquals' || operator === 'ArnLike')
      .map(([, keys]) => Object.entries(keys).find(([k]) => k.toLowerCase() === 'aws:sourcearn')?.[1])
      .find((v) => v !== undefined);
    const anchor = sourceArn === undefined ? undefined : resolve(sourceArn);
    const subjectKeys = Object.entries(conditions.StringEquals ?? {}).filter(([k]) =>
      k.toLowerCase().startsWith('aws:principaltag/x509subject/'),
    );
    findings.check(
      role,
      'AssumeRolePolicyDocument: rolesanywhere.amazonaws.com',
      `aws:SourceArn ${anchor ? `<${anchor.logicalId}>` : describeValue(sourceArn)}; ${subjectKeys.map(([k, v]) => `${k.replace(/^aws:PrincipalTag\//i, '')}=${describeValue(v)}`).join(', ') || 'no subject condition'}`,
      anchor?.type === 'AWS::RolesAnywhere::TrustAnchor' && subjectKeys.length > 0,
      `${role.logicalId} trusts IAM Roles Anywhere without tying it to one trust anchor of the templates and the uploader certificate's subject: any certificate of any trust anchor of the account could upload`,
    );
    return anchor?.type === 'AWS::RolesAnywhere::TrustAnchor' ? anchor : undefined;
  }
  const one = services.length === 0 && aws.length > 0 && aws.every(isOnePrincipal);
  findings.check(
    role,
    'AssumeRolePolicyDocument principals',
    [...aws.map((a) => describeValue(a)), ...services].join(', ') || describeValue(statement.Principal),
    one,
    `${role.logicalId} may be assumed by ${[...aws.map((a) => describeValue(a)), ...services].join(', ') || describeValue(statement.Principal)}: not one named uploader identity`,
  );
  return undefined;
}

export const uploadAccessRequirement: Requirement = {
  id: 'uc-a-upload-access',
  title: 'Upload path: one named uploader identity, new bundles only',
  source:
    'Access control of the path into the repository: only the CA’s uploader, identified by its own credentials, may submit content',
  group: 'use-case-a',
  evaluate({ assembly, shell, pinned }) {
    const findings = new Findings();
    const roles = externallyAssumedRoles(assembly);
    if (roles.length === 0)
      findings.fail('no role for the on-prem uploader: the upload path could not be identified');
    const pinnedSha256 = new Set(pinned.certificates.map((c) => c.sha256));
    for (const role of roles) {
      const name = shell.physicalId(role);
      const trust = statementsOf(role.properties.AssumeRolePolicyDocument).filter(
        (s) => s.Effect === 'Allow',
      );
      const anchors = trust
        .map((statement) =>
          judgeTrust(findings, role, statement, (v) => referencedResource(assembly, role, v)),
        )
        .filter((a): a is AssemblyResource => a !== undefined);
      for (const anchor of anchors) {
        const source = isRecord(anchor.properties.Source) ? anchor.properties.Source : {};
        const data = isRecord(source.SourceData) ? source.SourceData : {};
        const pem = typeof data.X509CertificateData === 'string' ? data.X509CertificateData : '';
        const ders = certificatesInFile(new Uint8Array(Buffer.from(pem)));
        const shared = ders.some((der) => pinnedSha256.has(createHash('sha256').update(der).digest('hex')));
        findings.check(
          anchor,
          'Source (uploader-issuing CA)',
          `${String(source.SourceType)}, ${ders.length} certificate(s), Enabled ${String(anchor.properties.Enabled ?? true)}`,
          source.SourceType === 'AWS_ACM_PCA' || (ders.length > 0 && !shared),
          `trust anchor ${anchor.logicalId} holds a pinned CA certificate: every certificate that CA issues to the public could upload`,
        );
        const profiles = assembly
          .ofType('AWS::RolesAnywhere::Profile')
          .filter((p) =>
            asArray(p.properties.RoleArns as unknown[]).some(
              (arn) => referencedResource(assembly, p, arn) === role,
            ),
          );
        for (const profile of profiles) {
          const duration = Number(profile.properties.DurationSeconds ?? 3600);
          findings.check(
            profile,
            'RoleArns / DurationSeconds',
            `${role.logicalId} / ${duration} s`,
            duration <= MAX_SESSION_SECONDS,
            `profile ${profile.logicalId} hands out sessions of ${duration} s`,
          );
        }
        if (profiles.length === 0) findings.fail(`no IAM Roles Anywhere profile lists ${role.logicalId}`);
        findings.command(
          `aws rolesanywhere list-trust-anchors --region ${anchor.stack.region} --query "trustAnchors[].[name,enabled,source.sourceType,trustAnchorArn]" --output table`,
        );
        findings.command(
          `aws rolesanywhere list-profiles --region ${anchor.stack.region} --query "profiles[].[name,enabled,durationSeconds,roleArns[0]]" --output table`,
        );
      }
      for (const statement of roleStatements(assembly, role).filter((s) => s.Effect === 'Allow')) {
        const actions = actionsOf(statement);
        const patterns = asArray(statement.Resource).map((r) => objectPattern(r) ?? describeValue(r));
        const keys = conditionKeys(statement);
        const fromSource = keys.some((k) => SOURCE_KEYS.includes(k));
        const putsNewOnly =
          !actions.includes('s3:PutObject') ||
          (patterns.every((p) => p === 'bundles/*') &&
            String(
              (statement.Condition?.Null as Record<string, unknown> | undefined)?.['s3:if-none-match'],
            ) === 'false');
        const narrow =
          statement.NotAction === undefined &&
          actions.every((a) => a === 's3:PutObject' || a === 's3:GetObject') &&
          (!actions.includes('s3:GetObject') ||
            patterns.every((p) => p === 'receipts/*' || p === 'bundles/*'));
        findings.check(
          role,
          `policy statement ${statement.Sid ?? ''}`.trim(),
          `${actions.join(', ')} on ${patterns.join(', ')} when ${describeValue(statement.Condition)}`,
          narrow && putsNewOnly && fromSource,
          !fromSource
            ? `${role.logicalId} statement ${statement.Sid ?? ''} is not tied to the uploader's addresses or VPC endpoint (uploaderSources)`
            : !putsNewOnly
              ? `${role.logicalId} may replace existing objects (s3:PutObject without the s3:if-none-match condition, or outside bundles/)`
              : `${role.logicalId} may ${actions.join(', ')} on ${patterns.join(', ')}: more than creating bundles and reading receipts`,
        );
      }
      findings.command(`aws iam get-role --role-name ${name} --query "Role.AssumeRolePolicyDocument"`);
      findings.command(`aws iam get-role-policy --role-name ${name} --policy-name IngestUpload`);
    }
    findings.note(
      'The uploader host obtains credentials through the standard AWS credential chain: a credential_process running AWS’s signing helper with its certificate and private key (docs/deploy.md §5); nothing long-lived is stored.',
    );
    return findings.conclude(
      {
        met: `The uploader role (${roles.map((r) => r.logicalId).join(', ')}) trusts one named identity and may only create new bundle objects and read receipts, from the configured sources.`,
      },
      ['docs/deploy.md §5 (uploader identity)', 'lib/constructs/uploader-role.ts'],
    );
  },
};

/**
 * The role the on-prem uploader assumes (outbound HTTPS only, nothing in AWS calls back in), and who
 * may assume it:
 *
 * - IAM Roles Anywhere (the default): a trust anchor holding the dedicated uploader-issuing CA and a
 *   profile for this role; the role trusts `rolesanywhere.amazonaws.com` only for that trust anchor
 *   and only for a certificate whose subject (and issuer) carries the configured attributes. The
 *   uploader host keeps a private key and a certificate, no long-lived secret, and gets credentials
 *   through AWS's signing helper as a `credential_process` (docs/deploy.md §5);
 * - or one named IAM principal.
 *
 * The role may create new objects under `bundles/` (If-None-Match required, so an existing bundle
 * object can never be replaced) and read receipts, nothing else: no listing, no deleting, no other
 * bucket, not the publisher's per-part verdicts that live beside the bundle. Both grants also require
 * the call to come from the configured addresses or VPC endpoint, so leaked credentials are useless
 * elsewhere.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rolesanywhere from 'aws-cdk-lib/aws-rolesanywhere';
import { Construct } from 'constructs';
import type { UploaderSources } from '../config.ts';
import type { SubjectAttribute } from '../config/uploader.ts';
import type { IngestBucket } from './ingest-bucket.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';

/** Who may assume the uploader role. */
export type UploaderRoleIdentity =
  | {
      kind: 'roles-anywhere';
      /** PEM of the uploader-issuing CA certificate. */
      caCertificatePem: string;
      /** commonName of that CA (`x509Issuer/CN`). */
      issuerCommonName: string;
      /** Subject attributes of the uploader's certificate (`x509Subject/<attribute>`), CN at least. */
      subject: Partial<Record<SubjectAttribute, string>> & { CN: string };
    }
  | { kind: 'principal'; principal: iam.IPrincipal };

export interface UploaderRoleProps {
  ingest: IngestBucket;
  sources: UploaderSources;
  identity: UploaderRoleIdentity;
}

/** One session at most an hour: the uploader asks for new credentials per publish. */
const SESSION = Duration.hours(1);

export function sourceConditions(sources: UploaderSources): iam.Conditions {
  if ('vpcEndpointId' in sources) return { StringEquals: { 'aws:SourceVpce': sources.vpcEndpointId } };
  return { IpAddress: { 'aws:SourceIp': sources.cidrs } };
}

/** DER → PEM, as the Roles Anywhere trust anchor takes its certificate. */
export function certificatePem(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/**
 * `rolesanywhere.amazonaws.com` for one trust anchor and one certificate subject. Roles Anywhere
 * needs sts:AssumeRole, sts:TagSession (the certificate's attributes become session tags) and
 * sts:SetSourceIdentity (the source identity is the certificate's CN).
 */
class RolesAnywherePrincipal extends iam.PrincipalBase {
  private readonly service = new iam.ServicePrincipal('rolesanywhere.amazonaws.com');

  constructor(private readonly conditions: iam.Conditions) {
    super();
  }

  get policyFragment(): iam.PrincipalPolicyFragment {
    return this.service.policyFragment;
  }

  override addToAssumeRolePolicy(document: iam.PolicyDocument): void {
    document.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        principals: [this.service],
        conditions: this.conditions,
      }),
    );
  }

  override toString(): string {
    return 'RolesAnywherePrincipal(rolesanywhere.amazonaws.com)';
  }

  override dedupeString(): string | undefined {
    return undefined;
  }
}

export class UploaderRole extends Construct {
  readonly role: iam.Role;
  /** Present with IAM Roles Anywhere. */
  readonly trustAnchor?: rolesanywhere.CfnTrustAnchor;
  readonly profile?: rolesanywhere.CfnProfile;

  constructor(scope: Construct, id: string, props: UploaderRoleProps) {
    super(scope, id);
    const conditions = sourceConditions(props.sources);
    const identity = props.identity;
    if (identity.kind === 'roles-anywhere') {
      this.trustAnchor = new rolesanywhere.CfnTrustAnchor(this, 'TrustAnchor', {
        name: `${Stack.of(this).stackName}-uploader`,
        enabled: true,
        source: {
          sourceType: 'CERTIFICATE_BUNDLE',
          sourceData: { x509CertificateData: identity.caCertificatePem },
        },
      });
    }
    const assumedBy =
      identity.kind === 'principal'
        ? identity.principal
        : new RolesAnywherePrincipal({
            ArnEquals: { 'aws:SourceArn': this.trustAnchor!.attrTrustAnchorArn },
            StringEquals: {
              ...Object.fromEntries(
                Object.entries(identity.subject).map(([key, value]) => [
                  `aws:PrincipalTag/x509Subject/${key}`,
                  value,
                ]),
              ),
              'aws:PrincipalTag/x509Issuer/CN': identity.issuerCommonName,
            },
          });
    this.role = new iam.Role(this, 'Role', {
      assumedBy,
      description: 'ca-repo on-prem uploader: put new bundles and read receipts in the ingest bucket',
      maxSessionDuration: SESSION,
      inlinePolicies: {
        IngestUpload: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'PutBundles',
              actions: ['s3:PutObject'],
              resources: [props.ingest.bundleObjectsArn()],
              // Only with If-None-Match: * (S3 conditional writes): a bundle object is never replaced.
              conditions: { ...conditions, Null: { 's3:if-none-match': 'false' } },
            }),
            new iam.PolicyStatement({
              sid: 'ReadReceipts',
              actions: ['s3:GetObject'],
              resources: [props.ingest.receiptObjectsArn()],
              conditions,
            }),
          ],
        }),
      },
    });
    if (this.trustAnchor) {
      this.profile = new rolesanywhere.CfnProfile(this, 'Profile', {
        name: `${Stack.of(this).stackName}-uploader`,
        enabled: true,
        roleArns: [this.role.roleArn],
        durationSeconds: SESSION.toSeconds(),
      });
    }
    const reason =
      'Object ARNs need a key pattern: bundle IDs are chosen by the uploader at run time, so the grant is the narrowest prefix of one bucket (bundles/ for creating new objects, receipts/ for reading) with one action each.';
    acknowledge(this.role, wildcardResourceFinding(this, props.ingest.bundleObjectsArn()), reason);
    acknowledge(this.role, wildcardResourceFinding(this, props.ingest.receiptObjectsArn()), reason);
  }
}

/**
 * The primary Region's stack: thin wiring of `CaRepository` from the configuration (the health
 * checker included unless `health.enabled` is false), plus the outputs `ca-repo publish --stack
 * NAME` and operators read. Output IDs are a contract.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CaRepoConfig } from '../config.ts';
import { CaRepository, type CaRepositoryHealth } from '../constructs/ca-repository.ts';
import { certificatePem, type UploaderRoleIdentity } from '../constructs/uploader-role.ts';

export interface CaRepoStackProps extends StackProps {
  config: CaRepoConfig;
  repositoryBucketName: string;
  replicaBucketName?: string;
  edgeStackName: string;
  buildDirectory?: string;
  /** ARN of ca-repo's OCSP web ACL in the edge stack (us-east-1), when abuse limits are on. */
  abuseLimitsWebAclArn?: string;
}

/** The configuration's uploader identity as the construct takes it. */
export function uploaderRoleIdentity(config: CaRepoConfig): UploaderRoleIdentity {
  const identity = config.uploaderIdentity;
  if (identity.kind === 'principal') {
    return { kind: 'principal', principal: new iam.ArnPrincipal(identity.principalArn) };
  }
  return {
    kind: 'roles-anywhere',
    caCertificatePem: certificatePem(identity.caCertificate),
    issuerCommonName: identity.issuerCommonName,
    subject: identity.subject,
  };
}

export class CaRepoStack extends Stack {
  readonly repository: CaRepository;

  constructor(scope: Construct, id: string, props: CaRepoStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      env: { account: config.account, region: config.primaryRegion },
      description: 'ca-repo: CA repository (S3 Standard + CloudFront), ingest and publish gate',
      // Stateful and public: deleting it takes revocation checking offline.
      terminationProtection: props.terminationProtection ?? true,
      // The abuse-limit web ACL lives in us-east-1 (edge stack); its ARN is read across Regions.
      crossRegionReferences: true,
    });
    this.repository = new CaRepository(this, 'CaRepo', {
      trustCertificates: config.trustCertificates,
      repositoryBucketName: props.repositoryBucketName,
      replica:
        config.replicaRegion && props.replicaBucketName
          ? { bucketName: props.replicaBucketName, region: config.replicaRegion }
          : undefined,
      edgeStackName: props.edgeStackName,
      ocspPathPrefix: config.ocspPathPrefix,
      cacheCaps: config.cacheCaps,
      ocspUnauthorizedMaxAgeSeconds: config.ocspUnauthorizedMaxAgeSeconds,
      logRetentionDays: config.logRetentionDays,
      noncurrentVersionRetentionDays: config.noncurrentVersionRetentionDays,
      ingestRetentionDays: config.ingestRetentionDays,
      domainNames: config.domainNames,
      publicBaseUrls: config.publicBaseUrls,
      caPolicies: config.caPolicies,
      certificateArn: config.certificateArn,
      priceClass: config.priceClass,
      webAclArn: props.abuseLimitsWebAclArn ?? config.webAclArn,
      abuseLimits: props.abuseLimitsWebAclArn !== undefined,
      uploaderSources: config.uploaderSources,
      uploaderIdentity: uploaderRoleIdentity(config),
      objectLock: config.objectLock,
      ...(config.auditTrail.enabled
        ? {
            auditTrail: {
              retentionDays: config.auditTrail.retentionDays,
              lockMode: config.objectLock?.mode ?? 'GOVERNANCE',
            },
          }
        : {}),
      dispatcherReservedConcurrency: config.reservedConcurrency.publishDispatcher,
      alarmEmail: config.health.alarmEmail,
      buildDirectory: props.buildDirectory,
      health: healthSettings(config),
    });

    const repo = this.repository;
    const distribution = repo.distribution.distribution;
    const baseUrl = `http://${repo.publicHost}`;
    new CfnOutput(this, 'DistributionDomainName', {
      value: distribution.distributionDomainName,
      description: 'CloudFront domain: point the CNAME of the repository host name here',
    });
    new CfnOutput(this, 'DistributionId', { value: distribution.distributionId });
    new CfnOutput(this, 'RepositoryUrl', {
      value: `${baseUrl}/`,
      description: 'Base of CA certificate (AIA), CRL (CDP) and CP/CPS URLs; index.json lists them',
    });
    new CfnOutput(this, 'OcspUrl', {
      value: `${baseUrl}${repo.ocspPathPrefix}`,
      description: 'OCSP responder URL (GET and POST)',
    });
    new CfnOutput(this, 'IngestBucketName', { value: repo.ingest.bucket.bucketName });
    new CfnOutput(this, 'IngestBucketRegion', { value: this.region });
    new CfnOutput(this, 'UploaderRoleArn', { value: repo.uploader.role.roleArn });
    if (repo.uploader.trustAnchor && repo.uploader.profile) {
      new CfnOutput(this, 'UploaderTrustAnchorArn', {
        value: repo.uploader.trustAnchor.attrTrustAnchorArn,
        description: 'aws_signing_helper --trust-anchor-arn (docs/deploy.md §5)',
      });
      new CfnOutput(this, 'UploaderProfileArn', {
        value: repo.uploader.profile.attrProfileArn,
        description: 'aws_signing_helper --profile-arn (docs/deploy.md §5)',
      });
    }
    if (repo.auditTrail) {
      new CfnOutput(this, 'AuditTrailArn', { value: repo.auditTrail.trail.trailArn });
      new CfnOutput(this, 'AuditTrailBucketName', { value: repo.auditTrail.bucket.bucketName });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: repo.alarms.topic.topicArn });
    if (repo.health) {
      new CfnOutput(this, 'HealthLedgerBucketName', {
        value: repo.health.ledger.bucketName,
        description: 'Operational record: ca-repo report --ledger s3://<this bucket> --out report/',
      });
      new CfnOutput(this, 'HealthDashboardName', { value: repo.health.dashboard.dashboardName });
    }
  }
}

/** The health checker's settings from the configuration (every Region's checker the same); absent: disabled. */
export function healthSettings(config: CaRepoConfig): CaRepositoryHealth | undefined {
  if (!config.health.enabled) return undefined;
  return {
    scheduleMinutes: config.health.scheduleMinutes,
    sentinels: config.health.sentinels.map(({ certificate, issuer, expectedStatus, hashAlgorithm }) => ({
      certificate,
      issuer,
      expectedStatus,
      ...(hashAlgorithm ? { hashAlgorithm } : {}),
    })),
    objectLockRetentionDays: config.health.objectLockRetentionDays,
    reservedConcurrency: config.reservedConcurrency.healthChecker,
  };
}

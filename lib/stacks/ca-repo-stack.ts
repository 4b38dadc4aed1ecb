/**
 * The primary Region's stack: thin wiring of `CaRepository` from the configuration (the health
 * checker included unless `health.enabled` is false), plus the outputs `ca-repo publish --stack
 * NAME` and operators read. Output IDs are a contract.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { CaRepoConfig } from '../config.ts';
import { CaRepository } from '../constructs/ca-repository.ts';

export interface CaRepoStackProps extends StackProps {
  config: CaRepoConfig;
  repositoryBucketName: string;
  replicaBucketName?: string;
  edgeStackName: string;
  buildDirectory?: string;
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
      certificateArn: config.certificateArn,
      priceClass: config.priceClass,
      webAclArn: config.webAclArn,
      uploaderSources: config.uploaderSources,
      alarmEmail: config.health.alarmEmail,
      buildDirectory: props.buildDirectory,
      health: config.health.enabled
        ? {
            scheduleMinutes: config.health.scheduleMinutes,
            sentinels: config.health.sentinels.map(
              ({ certificate, issuer, expectedStatus, hashAlgorithm }) => ({
                certificate,
                issuer,
                expectedStatus,
                ...(hashAlgorithm ? { hashAlgorithm } : {}),
              }),
            ),
            objectLockRetentionDays: config.health.objectLockRetentionDays,
          }
        : undefined,
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

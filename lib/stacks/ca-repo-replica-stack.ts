/**
 * The second Region's stack: the replica bucket and its access-log bucket, and (with health enabled
 * and the public base URLs configured) a health checker probing the repository from this Region
 * into a ledger of its own. Deployed first, so the probed URLs cannot come from the primary stack's
 * distribution: they are the configured `publicBaseUrls` (or the custom domain names).
 */
import { tmpdir } from 'node:os';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { CaRepoConfig } from '../config.ts';
import { RegionalHealth } from '../constructs/regional-health.ts';
import { ReplicaBucket } from '../constructs/replica-bucket.ts';
import { healthSettings } from './ca-repo-stack.ts';

export interface CaRepoReplicaStackProps extends StackProps {
  config: CaRepoConfig & { replicaRegion: string };
  replicaBucketName: string;
  /** Scratch directory for the health checker's layers (default: the OS temp directory). */
  buildDirectory?: string;
}

/**
 * The URLs a second Region's checker probes: each configured base URL, and its https:// twin for an
 * http:// one (the distribution serves both, as the primary's checker probes both).
 */
export function replicaProbeUrls(publicBaseUrls: readonly string[]): string[] {
  const urls = publicBaseUrls.flatMap((url) =>
    url.startsWith('http://') ? [url, `https://${url.slice('http://'.length)}`] : [url],
  );
  return [...new Set(urls)];
}

export class CaRepoReplicaStack extends Stack {
  readonly replica: ReplicaBucket;
  readonly health?: RegionalHealth;

  constructor(scope: Construct, id: string, props: CaRepoReplicaStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      env: { account: config.account, region: config.replicaRegion },
      description: 'ca-repo: replica of the CA repository in a second Region (origin failover)',
      terminationProtection: props.terminationProtection ?? true,
    });
    this.replica = new ReplicaBucket(this, 'Replica', {
      bucketName: props.replicaBucketName,
      account: config.account,
      logRetentionDays: config.logRetentionDays,
      noncurrentVersionRetentionDays: config.noncurrentVersionRetentionDays,
      objectLock: config.objectLock,
    });
    new CfnOutput(this, 'ReplicaBucketName', { value: this.replica.bucket.bucketName });
    const health = healthSettings(config);
    if (health && config.publicBaseUrls.length > 0) {
      this.health = new RegionalHealth(this, 'Probe', {
        ...health,
        repositoryUrls: replicaProbeUrls(config.publicBaseUrls),
        trustCertificates: config.trustCertificates,
        alarmEmail: config.health.alarmEmail,
        accessLogs: this.replica.accessLogs.bucket,
        logRetentionDays: config.logRetentionDays,
        buildDirectory: props.buildDirectory ?? tmpdir(),
        objectLock: config.objectLock,
        caPolicies: config.caPolicies,
      });
      new CfnOutput(this, 'HealthLedgerBucketName', {
        value: this.health.checker.ledger.bucketName,
        description: `ca-repo report --ledger s3://<primary ledger> --ledger s3://<this bucket>: the Regions side by side`,
      });
    }
  }
}

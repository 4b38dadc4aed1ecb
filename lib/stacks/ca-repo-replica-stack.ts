/** The second Region's stack: the replica bucket and its access-log bucket. Deployed first. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { CaRepoConfig } from '../config.ts';
import { ReplicaBucket } from '../constructs/replica-bucket.ts';

export interface CaRepoReplicaStackProps extends StackProps {
  config: CaRepoConfig & { replicaRegion: string };
  replicaBucketName: string;
}

export class CaRepoReplicaStack extends Stack {
  readonly replica: ReplicaBucket;

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
  }
}

/**
 * Builds ca-repo's stacks into an app from a validated configuration. `bin/app.ts` and the
 * infrastructure tests share it, so what is tested is what `cdk synth` deploys.
 */
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { CaRepoConfig } from './config.ts';
import { CaRepoReplicaStack } from './stacks/ca-repo-replica-stack.ts';
import { CaRepoStack } from './stacks/ca-repo-stack.ts';

export interface CaRepoStacks {
  primary: CaRepoStack;
  replica?: CaRepoReplicaStack;
  /** Name of the us-east-1 stack holding the Lambda@Edge functions (created by EdgeFunction). */
  edgeStackName: string;
}

export interface BuildCaRepoAppOptions {
  /** Scratch directory for built function code (default: the OS temp directory). */
  buildDirectory?: string;
}

/** `<name>-repository-<account>-<region>`: bucket names are global, the account and Region make it unique. */
export function repositoryBucketName(config: CaRepoConfig): string {
  return `${config.name}-repository-${config.account}-${config.primaryRegion}`;
}

export function replicaBucketName(config: CaRepoConfig, replicaRegion: string): string {
  return `${config.name}-replica-${config.account}-${replicaRegion}`;
}

export function buildCaRepoApp(
  app: App,
  config: CaRepoConfig,
  options: BuildCaRepoAppOptions = {},
): CaRepoStacks {
  const edgeStackName = `${config.name}-edge`;
  const replicaRegion = config.replicaRegion;
  const replicaName = replicaRegion ? replicaBucketName(config, replicaRegion) : undefined;
  const replica =
    replicaRegion && replicaName
      ? new CaRepoReplicaStack(app, `${config.name}-replica`, {
          config: { ...config, replicaRegion },
          replicaBucketName: replicaName,
        })
      : undefined;
  const primary = new CaRepoStack(app, config.name, {
    config,
    repositoryBucketName: repositoryBucketName(config),
    replicaBucketName: replicaName,
    edgeStackName,
    buildDirectory: options.buildDirectory,
  });
  // S3 refuses a replication rule whose destination does not exist yet.
  if (replica) primary.addStackDependency(replica, 'the replication destination must exist first');
  return { primary, replica, edgeStackName };
}

/** Runs the cdk-nag AwsSolutions pack on every synth; unacknowledged errors fail the synth. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

/**
 * Builds ca-repo's stacks into an app from a validated configuration. `bin/app.ts` and the
 * infrastructure tests share it, so what is tested is what `cdk synth` deploys.
 */
import { Tags, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { CaRepoConfig } from './config.ts';
import { CaRepoEdgeStack } from './stacks/ca-repo-edge-stack.ts';
import { CaRepoReplicaStack } from './stacks/ca-repo-replica-stack.ts';
import { CaRepoStack } from './stacks/ca-repo-stack.ts';

export interface CaRepoStacks {
  primary: CaRepoStack;
  replica?: CaRepoReplicaStack;
  /** The us-east-1 stack: Lambda@Edge functions (put there by EdgeFunction) and the OCSP web ACL. */
  edge: CaRepoEdgeStack;
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
  // Created before the primary stack: EdgeFunction finds it by this ID instead of creating its own.
  const edge = new CaRepoEdgeStack(app, edgeStackName, { config });
  const replicaRegion = config.replicaRegion;
  const replicaName = replicaRegion ? replicaBucketName(config, replicaRegion) : undefined;
  const replica =
    replicaRegion && replicaName
      ? new CaRepoReplicaStack(app, `${config.name}-replica`, {
          config: { ...config, replicaRegion },
          replicaBucketName: replicaName,
          buildDirectory: options.buildDirectory,
        })
      : undefined;
  const primary = new CaRepoStack(app, config.name, {
    config,
    repositoryBucketName: repositoryBucketName(config),
    replicaBucketName: replicaName,
    edgeStackName,
    buildDirectory: options.buildDirectory,
    abuseLimitsWebAclArn: edge.webAcl?.webAcl.attrArn,
  });
  // S3 refuses a replication rule whose destination does not exist yet.
  if (replica) primary.addStackDependency(replica, 'the replication destination must exist first');
  // Cost allocation: every taggable resource of every stack (activate the keys in Billing).
  for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);
  return { primary, replica, edge, edgeStackName };
}

/** Runs the cdk-nag AwsSolutions pack on every synth; unacknowledged errors fail the synth. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

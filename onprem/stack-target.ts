/**
 * `ca-repo publish --stack NAME`: the AWS target. The ingest bucket and the public URL come from
 * the deployed stack's outputs; credentials from the standard AWS chain (environment, profile,
 * SSO, instance role). The uploader only needs the stack's UploaderRole permissions plus
 * cloudformation:DescribeStacks on that stack.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../lambda/storage/s3-object-store.ts';
import type { ObjectStore } from '../lambda/storage/object-store.ts';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { EXIT } from '../lambda/core/contract/exit-codes.ts';
import { proxyAwareRequestHandler } from './network.ts';

/** Stack output keys the CDK stack publishes (lib/): a contract with the uploader. */
export const STACK_OUTPUT = {
  ingestBucket: 'IngestBucketName',
  ingestRegion: 'IngestBucketRegion',
  repositoryUrl: 'RepositoryUrl',
} as const;

export interface StackTarget {
  ingestBucket: string;
  /** The ingest bucket's Region, when the stack says (S3 requests must go to it). */
  ingestRegion?: string;
  repositoryUrl: string;
}

export function targetFromOutputs(
  stackName: string,
  outputs: { OutputKey?: string; OutputValue?: string }[],
): StackTarget {
  const value = (key: string) => {
    const found = outputs.find((o) => o.OutputKey === key)?.OutputValue;
    if (!found)
      throw new CliError(`stack ${stackName} has no output ${key}: is it a ca-repo repository stack?`, {
        exitCode: EXIT.unreachable,
      });
    return found;
  };
  return {
    ingestBucket: value(STACK_OUTPUT.ingestBucket),
    ingestRegion: outputs.find((o) => o.OutputKey === STACK_OUTPUT.ingestRegion)?.OutputValue,
    repositoryUrl: value(STACK_OUTPUT.repositoryUrl),
  };
}

/** Why DescribeStacks failed, in one line with the fix: the usual ones are the operator's setup. */
function stackReadError(stackName: string, error: unknown): CliError {
  const { name, message } = error as Error;
  if (name === 'CredentialsProviderError') {
    return new CliError(
      `no AWS credentials to read stack ${stackName}: set AWS_PROFILE (a profile whose role_arn is the stack's UploaderRoleArn), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login`,
      { exitCode: EXIT.unreachable, cause: error },
    );
  }
  if (message === 'Region is missing') {
    return new CliError(`no AWS Region for stack ${stackName}: give --region REGION or set AWS_REGION`, {
      cause: error,
    });
  }
  return new CliError(`cannot read stack ${stackName}: ${message}: check --stack and --region`, {
    exitCode: EXIT.unreachable,
    cause: error,
  });
}

export async function discoverStackIngest(
  stackName: string,
  region?: string,
): Promise<{ ingest: ObjectStore; repoUrl: string }> {
  // Both clients, and the STS client behind an assume-role profile, go through the proxy if one is set.
  const requestHandler = proxyAwareRequestHandler();
  const cloudFormation = new CloudFormationClient({ region, requestHandler });
  let outputs;
  try {
    const result = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = result.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    throw stackReadError(stackName, error);
  }
  const target = targetFromOutputs(stackName, outputs);
  const bucketRegion = target.ingestRegion ?? region;
  const client = new S3Client({ region: bucketRegion, requestHandler });
  return {
    ingest: new S3ObjectStore({ client, bucket: target.ingestBucket }),
    repoUrl: target.repositoryUrl,
  };
}

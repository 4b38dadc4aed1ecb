/**
 * The `aws` CLI commands an investigator runs against the deployed account. Commands name
 * resources by shell variables called after their logical IDs (`$CaRepoIngestBucket5E81FB80`), so a
 * row of the evidence reads like the template it came from; the pack lists once how each variable
 * is set (a literal name from the template, or CloudFormation's record of the physical ID).
 */
import type { AssemblyResource, CloudAssembly } from './cloud-assembly.ts';
import { asArray, isRecord } from './template-query.ts';

export interface ShellVariable {
  name: string;
  /** `NAME=value` line to paste into a shell. */
  assignment: string;
  /** What the variable holds, for the reader. */
  comment: string;
}

export class InvestigatorShell {
  private readonly variables = new Map<string, ShellVariable>();

  constructor(private readonly assembly: CloudAssembly) {}

  /**
   * `$LogicalId`: the physical ID of a deployed resource (bucket name, function name, role name,
   * distribution ID, topic ARN, queue URL). A literal name in the template is used as is.
   */
  physicalId(resource: AssemblyResource): string {
    const name = this.variableName(resource);
    if (!this.variables.has(name)) {
      const literal = literalName(resource);
      const { stack } = resource;
      this.variables.set(name, {
        name,
        assignment: literal
          ? `${name}=${literal}`
          : `${name}=$(aws cloudformation describe-stack-resource --region ${stack.region} --stack-name ${stack.stackName} --logical-resource-id ${resource.logicalId} --query StackResourceDetail.PhysicalResourceId --output text)`,
        comment: `${resource.type} ${resource.logicalId} (stack ${stack.stackName}, ${stack.region})`,
      });
    }
    return `"$${name}"`;
  }

  /**
   * `$HOST`: the host name relying parties use: the distribution's first alternate domain name, or
   * its CloudFront domain read from the deployed distribution.
   */
  host(distribution: AssemblyResource | undefined): string {
    if (!this.variables.has('HOST')) {
      const config = isRecord(distribution?.properties.DistributionConfig)
        ? distribution.properties.DistributionConfig
        : {};
      const alias = asArray(config.Aliases as string[]).find((a) => typeof a === 'string');
      const assignment = alias
        ? `HOST=${alias}`
        : distribution
          ? `HOST=$(aws cloudfront get-distribution --id ${this.physicalId(distribution)} --query Distribution.DomainName --output text)`
          : 'HOST=<repository host name>';
      this.variables.set('HOST', {
        name: 'HOST',
        assignment,
        comment: 'host name in the CDP, AIA and OCSP URLs of your certificates',
      });
    }
    return '$HOST';
  }

  /** Every variable used so far, in first-use order (HOST last: it may depend on another). */
  definitions(): ShellVariable[] {
    const all = [...this.variables.values()];
    return [...all.filter((v) => v.name !== 'HOST'), ...all.filter((v) => v.name === 'HOST')];
  }

  private variableName(resource: AssemblyResource): string {
    const base = resource.logicalId.replace(/[^A-Za-z0-9_]/g, '_');
    const clash =
      [...this.assembly.stacks].filter((s) => s.template.Resources[resource.logicalId]).length > 1;
    return clash ? `${base}_${resource.stack.artifactId.replace(/[^A-Za-z0-9]/g, '_')}` : base;
  }
}

/** The resource's name when the template fixes it (bucket, function, topic, role names). */
function literalName(resource: AssemblyResource): string | undefined {
  const key = {
    'AWS::S3::Bucket': 'BucketName',
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::Logs::LogGroup': 'LogGroupName',
  }[resource.type];
  const value = key ? resource.properties[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

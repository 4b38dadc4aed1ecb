/**
 * cdk-nag acknowledgements. cdk-nag 3 reads CDK's own `Validations.of(scope).acknowledge()`
 * metadata; every acknowledgement here names one rule (or one finding of it) on the narrowest
 * construct and says why the finding does not apply, so the list in docs/deploy.md stays true.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The finding ID cdk-nag gives a wildcard resource ARN, e.g.
 * `AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/bundles/*]`: the ARN as the template will hold
 * it, with references written `<LogicalId.Attribute>` and `<AWS::Partition>` as cdk-nag prints them.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(arn))}]`;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('Ref' in v) return `<${String(v.Ref)}>`;
    if ('Fn::GetAtt' in v) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::Join' in v) {
      const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(separator);
    }
  }
  throw new Error(`cannot name the cdk-nag finding of ${JSON.stringify(value)}`);
}

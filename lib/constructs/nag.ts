/**
 * cdk-nag acknowledgements. cdk-nag 3 reads CDK's own `Validations.of(scope).acknowledge()`
 * metadata; every acknowledgement here names one rule (or one finding of it) on the narrowest
 * construct and says why the finding does not apply, so the list in docs/deploy.md stays true.
 */
import { Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The finding ID cdk-nag gives a wildcard resource built on a resource attribute, e.g.
 * `AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/bundles/*]`.
 */
export function wildcardResourceFinding(resource: CfnResource, attribute: string, suffix: string): string {
  return `AwsSolutions-IAM5[Resource::<${Stack.of(resource).getLogicalId(resource)}.${attribute}>${suffix}]`;
}

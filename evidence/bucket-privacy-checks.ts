/**
 * The privacy checks every rule about a bucket records the same way (the repository's buckets, the
 * log buckets): Block Public Access all on, and no bucket policy statement that allows anyone. Each
 * rule words the problem for its own reader.
 */
import type { AssemblyResource } from './cloud-assembly.ts';
import type { Findings } from './requirement.ts';
import {
  actionsOf,
  blocksAllPublicAccess,
  describeValue,
  isPublicAllow,
  type PolicyStatement,
} from './template-query.ts';

/** The four Block Public Access settings of the bucket, all on, else `problem`. */
export function checkBlocksPublicAccess(findings: Findings, bucket: AssemblyResource, problem: string): void {
  const blocked = blocksAllPublicAccess(bucket);
  findings.check(
    bucket,
    'PublicAccessBlockConfiguration',
    blocked ? 'all four settings true' : describeValue(bucket.properties.PublicAccessBlockConfiguration),
    blocked,
    problem,
  );
}

/** Every bucket policy statement that allows anyone is a problem, worded from its actions. */
export function checkNoPublicAllow(
  findings: Findings,
  bucket: AssemblyResource,
  statements: readonly PolicyStatement[],
  problem: (actions: string) => string,
): void {
  for (const statement of statements.filter(isPublicAllow)) {
    findings.check(
      bucket,
      `bucket policy ${statement.Sid ?? 'statement'} (Allow, Principal *)`,
      describeValue(statement.Action),
      false,
      problem(actionsOf(statement).join(', ')),
    );
  }
}

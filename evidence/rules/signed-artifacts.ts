/**
 * Use case A: what is published is signed, so integrity rests on one gate. The check: a publish
 * gate (a function carrying the pinned CA certificates) is triggered by the ingest bucket, and no
 * principal other than the gate (and S3's own replication into the replica) may write objects of a
 * bucket CloudFront serves. What the gate accepts is code (README "What is accepted"), cited here.
 */
import { originBuckets, publishGateFunctions, trustedPrincipalsOf } from '../app-topology.ts';
import type { AssemblyResource } from '../cloud-assembly.ts';
import { Findings, type Requirement } from '../requirement.ts';
import {
  actionsOf,
  asArray,
  bucketPolicyStatements,
  bucketReferenced,
  describeValue,
  grantsAny,
  isPublicPrincipal,
  isRecord,
  refTarget,
  roleOfFunction,
  roleStatements,
  type PolicyStatement,
} from '../template-query.ts';

/** Actions that create, replace or delete an object, or change who may read it. */
export const OBJECT_WRITE_ACTIONS = [
  's3:PutObject',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectAcl',
  's3:PutObjectVersionAcl',
  's3:ReplicateObject',
  's3:ReplicateDelete',
  's3:RestoreObject',
];

/** Whether a statement's resources reach objects of `bucket` (its ARN, a pattern of it, or every bucket). */
export function reachesBucket(
  statement: PolicyStatement,
  bucket: AssemblyResource,
  resolve: (value: unknown) => AssemblyResource | undefined,
): boolean {
  return asArray(statement.Resource).some((resource) => {
    if (resource === '*' || (typeof resource === 'string' && /^arn:[^:]+:s3:::\*/.test(resource)))
      return true;
    const target = resolve(resource);
    return target !== undefined && target.logicalId === bucket.logicalId && target.stack === bucket.stack;
  });
}

/** The repository's own empty index (lib/constructs/initial-index.ts): PutObject on index.json/index.html only. */
const INITIAL_INDEX_KEYS = ['/index.json', '/index.html'];

/**
 * Whether a statement only creates the initial empty index: PutObject, each resource an object ARN
 * ending in one of the index keys (an Fn::Join whose last part is the key). That deploy-time write
 * (If-None-Match: *, never replacing a real index) publishes nothing a CA signed.
 */
function writesOnlyInitialIndex(statement: PolicyStatement): boolean {
  const lastPart = (resource: unknown): string | undefined => {
    if (typeof resource === 'string') return resource;
    if (!isRecord(resource) || !Array.isArray(resource['Fn::Join'])) return undefined;
    const parts = (resource['Fn::Join'] as unknown[])[1];
    const last = Array.isArray(parts) ? parts.at(-1) : undefined;
    return typeof last === 'string' ? last : undefined;
  };
  return (
    asArray(statement.Action).every((a) => a === 's3:PutObject') &&
    asArray(statement.Resource).every((r) => INITIAL_INDEX_KEYS.some((k) => lastPart(r)?.endsWith(k)))
  );
}

/** The bucket(s) whose ObjectCreated events invoke `fn` (Custom::S3BucketNotifications or the bucket's own NotificationConfiguration). */
function bucketsNotifying(
  context: Parameters<Requirement['evaluate']>[0],
  fn: AssemblyResource,
): AssemblyResource[] {
  const { assembly } = context;
  const result: AssemblyResource[] = [];
  const invokes = (configuration: unknown) =>
    isRecord(configuration) &&
    asArray(configuration.LambdaFunctionConfigurations as Record<string, unknown>[]).some(
      (c) => isRecord(c) && refTarget(c.LambdaFunctionArn ?? c.Function) === fn.logicalId,
    );
  for (const custom of assembly.ofType('Custom::S3BucketNotifications')) {
    if (custom.stack !== fn.stack || !invokes(custom.properties.NotificationConfiguration)) continue;
    const bucket = bucketReferenced(assembly, custom.stack, custom.properties.BucketName);
    if (bucket) result.push(bucket);
  }
  for (const bucket of assembly.ofType('AWS::S3::Bucket')) {
    if (bucket.stack === fn.stack && invokes(bucket.properties.NotificationConfiguration))
      result.push(bucket);
  }
  return result;
}

export const signedArtifactsRequirement: Requirement = {
  id: 'uc-a-signed-artifacts',
  title: 'Integrity: only CA-signed artifacts reach the repository',
  source:
    'Use case A: what is published is signed (CRLs, OCSP responses, CP/CPS), so integrity risk is limited; README "What is accepted" (the publish gate\'s rules)',
  group: 'use-case-a',
  evaluate(context) {
    const { assembly, shell, pinned } = context;
    const findings = new Findings();
    for (const layer of pinned.layers) {
      findings.check(
        layer,
        'Content (asset)',
        `${pinned.certificates.filter((c) => c.sources.some((s) => s.startsWith(layer.logicalId))).length} pinned CA certificate(s)`,
        true,
      );
    }
    if (pinned.layers.length === 0) {
      findings.fail(
        'no Lambda layer in the assembly carries CA certificates: the publish gate has nothing to verify signatures against',
      );
    }
    const gates = publishGateFunctions(assembly, pinned.layers);
    if (gates.length === 0 && pinned.layers.length > 0) {
      findings.fail('no function carries the pinned-certificate layer: there is no publish gate');
    }
    const gateRoles = new Set<string>();
    for (const gate of gates) {
      const role = roleOfFunction(assembly, gate);
      if (role) gateRoles.add(`${role.stack.artifactId}/${role.logicalId}`);
      const environment = isRecord(gate.properties.Environment)
        ? gate.properties.Environment.Variables
        : undefined;
      const trustDir = isRecord(environment) ? environment.TRUST_DIR : undefined;
      findings.check(
        gate,
        'Layers / Environment.Variables.TRUST_DIR',
        `${asArray(gate.properties.Layers)
          .map((l) => describeValue(l))
          .join(', ')} at ${describeValue(trustDir)}`,
        true,
      );
      for (const bucket of bucketsNotifying(context, gate)) {
        findings.check(
          bucket,
          'NotificationConfiguration (ObjectCreated → Lambda)',
          `invokes ${gate.logicalId}`,
          true,
        );
        findings.command(
          `aws s3api get-bucket-notification-configuration --bucket ${shell.physicalId(bucket)} --region ${bucket.stack.region}`,
        );
      }
      findings.command(
        `aws lambda get-function-configuration --function-name ${shell.physicalId(gate)} --region ${gate.stack.region} --query "{Layers:Layers[].Arn,TrustDir:Environment.Variables.TRUST_DIR}"`,
      );
    }

    const served = originBuckets(assembly);
    const resolve = (stack: AssemblyResource) => (value: unknown) =>
      bucketReferenced(assembly, stack.stack, value);
    for (const role of assembly.ofType('AWS::IAM::Role')) {
      const statements = roleStatements(assembly, role).filter((s) => grantsAny(s, OBJECT_WRITE_ACTIONS));
      for (const bucket of served) {
        const writes = statements.filter((s) => reachesBucket(s, bucket, resolve(role)));
        if (writes.length === 0) continue;
        const isGate = gateRoles.has(`${role.stack.artifactId}/${role.logicalId}`);
        const isReplication =
          trustedPrincipalsOf(role).includes('Service:s3.amazonaws.com') &&
          writes.every((s) =>
            asArray(s.Action).every((a) => /^s3:(Replicate|ObjectOwnerOverride)/.test(String(a))),
          );
        const isInitialIndex = !isGate && writes.every(writesOnlyInitialIndex);
        const actions = [...new Set(writes.flatMap((s) => asArray(s.Action).map(String)))].join(', ');
        findings.check(
          role,
          `identity policy → ${bucket.logicalId}`,
          `${actions}${isGate ? ' (publish gate)' : isReplication ? ' (S3 replication of the gate’s writes)' : isInitialIndex ? ' (the empty index.json/index.html at deploy, If-None-Match: *)' : ''}`,
          isGate || isReplication || isInitialIndex,
          `${role.logicalId} may write objects of ${bucket.logicalId} (${actions}) without passing the publish gate`,
        );
        if (isGate) {
          findings.command(
            `aws iam list-role-policies --role-name ${shell.physicalId(role)}   # then aws iam get-role-policy --role-name … --policy-name …`,
          );
        }
      }
    }
    for (const bucket of served) {
      for (const statement of bucketPolicyStatements(assembly, bucket)) {
        if (!grantsAny(statement, OBJECT_WRITE_ACTIONS)) continue;
        const who = isPublicPrincipal(statement.Principal)
          ? 'anyone (Principal "*")'
          : describeValue(statement.Principal);
        findings.check(
          bucket,
          `bucket policy ${statement.Sid ?? ''} (Allow write)`.replace('  ', ' '),
          `${who}: ${actionsOf(statement).join(', ')}`,
          false,
          `the bucket policy of ${bucket.logicalId} lets ${who} write objects (${actionsOf(statement).join(', ')})`,
        );
      }
      findings.command(
        `aws s3api get-bucket-policy --bucket ${shell.physicalId(bucket)} --region ${bucket.stack.region} --query Policy --output text`,
      );
    }
    findings.note(
      'What the gate accepts is code, not configuration: CA certificates byte for byte pinned, CRLs and OCSP responses signed by a pinned CA with increasing numbers / fresh times, CP/CPS with a verifying CMS or PAdES signature, anything holding a private key refused (README "What is accepted"; lambda/core/rules/*.ts, covered by test/unit).',
    );
    return findings.conclude(
      {
        met: `Only the publish gate (${gates.map((g) => g.logicalId).join(', ')}), which verifies every file against ${pinned.certificates.length} pinned CA certificate(s), may write the served buckets.`,
      },
      [
        'README.md "What is accepted"',
        'lambda/services/publish/publish-service.ts',
        'lambda/core/rules/ (validate-ca-certificate, validate-crl, validate-ocsp-response, validate-document, validate-bundle-path)',
      ],
    );
  },
};

/**
 * An S3 bucket: name, versioning and lifecycle, with marks for default encryption and for what its
 * bucket policy says about TLS and public access. A bucket a distribution reads is an origin bucket,
 * drawn across the Availability Zones of its Region (S3 Standard spreads every object over them).
 */
import type { AssemblyResource, CloudAssembly } from '../../cloud-assembly.ts';
import {
  asArray,
  bucketEncryptionAlgorithms,
  bucketPolicyStatements,
  isPublicPrincipal,
  isRecord,
  transportRule,
  versioningStatus,
} from '../../template-query.ts';
import type { NodeDrawer } from '../node-drawer.ts';
import { bucketLock, isLockedByDefault } from '../../audit-topology.ts';

function bucketMarks(assembly: CloudAssembly, bucket: AssemblyResource): string[] {
  const marks: string[] = [];
  const algorithms = bucketEncryptionAlgorithms(bucket);
  marks.push(
    algorithms.length > 0
      ? `[encrypted] ${algorithms.map((a) => (a === 'AES256' ? 'SSE-S3' : 'SSE-KMS')).join(', ')}`
      : '[NOT declared: SSE]',
  );
  const statements = bucketPolicyStatements(assembly, bucket);
  const transport = transportRule(statements).kind;
  if (transport === 'tls-only') marks.push('[TLS only]');
  if (transport === 'tls-except-distribution-reads') marks.push('[TLS except CloudFront reads]');
  // Any Allow to anyone, scoped by conditions or not: the box says the policy is public.
  if (statements.some((s) => s.Effect === 'Allow' && isPublicPrincipal(s.Principal)))
    marks.push('[PUBLIC policy]');
  const lock = bucketLock(bucket);
  if (isLockedByDefault(lock)) {
    marks.push(
      `[Object Lock ${lock.mode} ${lock.days !== undefined ? `${lock.days} d` : `${lock.years} y`}]`,
    );
  }
  return marks;
}

function lifecycleSummary(bucket: AssemblyResource): string | undefined {
  const lifecycle = bucket.properties.LifecycleConfiguration;
  const rules = isRecord(lifecycle)
    ? asArray(lifecycle.Rules as Record<string, unknown>[]).filter(isRecord)
    : [];
  const expiry = rules.map((r) => r.ExpirationInDays).find((d) => d !== undefined);
  const noncurrent = rules
    .map((r) =>
      isRecord(r.NoncurrentVersionExpiration) ? r.NoncurrentVersionExpiration.NoncurrentDays : undefined,
    )
    .find((d) => d !== undefined);
  if (expiry !== undefined) return `objects expire after ${String(expiry)} d`;
  if (noncurrent !== undefined) return `old versions kept ${String(noncurrent)} d`;
  return undefined;
}

export const s3Bucket: NodeDrawer = {
  service: 'S3 bucket',
  draw(resource, box, context) {
    const p = resource.properties;
    const isOrigin = context.originBuckets.has(resource.key);
    const details: string[] = [];
    if (typeof p.BucketName === 'string') details.push(p.BucketName);
    if (versioningStatus(resource) === 'Enabled') details.push('versioned');
    const lifecycle = lifecycleSummary(resource);
    if (lifecycle) details.push(lifecycle);
    return {
      ...box,
      kind: isOrigin ? 'origin-bucket' : 'bucket',
      details,
      marks: bucketMarks(context.assembly, resource),
      clusterId: context.groupCluster(resource),
      ...(isOrigin
        ? { availabilityZones: { region: resource.stack.region, storageClass: 'S3 Standard' } }
        : {}),
    };
  },
};

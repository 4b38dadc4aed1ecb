/**
 * Use case A: the repository survives the loss of an Availability Zone. S3 Standard keeps every
 * object in at least three AZs of its Region; One Zone-IA and S3 Express One Zone keep one, and an
 * archive class cannot serve an object at all until it is restored. So: every origin bucket stays
 * in S3 Standard (no lifecycle transition, replication writes Standard), no directory (One Zone)
 * bucket serves, and no function is pinned to a single subnet.
 */
import { originBuckets } from '../app-topology.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { asArray, isRecord } from '../template-query.ts';

/** Classes that keep an object in a single Availability Zone. */
const SINGLE_AZ_CLASSES = ['ONEZONE_IA', 'EXPRESS_ONEZONE', 'REDUCED_REDUNDANCY'];
/** Classes whose objects must be restored before they can be read. */
const ARCHIVE_CLASSES = ['GLACIER', 'DEEP_ARCHIVE'];

export const availabilityZonesRequirement: Requirement = {
  id: 'uc-a-multi-az',
  title: 'Availability across at least two Availability Zones',
  source:
    'Digital Agency study group (3rd meeting, 2024-11-26), use case A: availability "at the level of something normal", at least two AZs, confirmed from the system design drawing and configuration',
  group: 'use-case-a',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const buckets = originBuckets(assembly);
    if (buckets.length === 0) {
      findings.fail(
        'no S3 bucket serves as a CloudFront origin: the repository storage could not be identified',
      );
    }
    for (const bucket of buckets) {
      const name = shell.physicalId(bucket);
      const region = bucket.stack.region;
      findings.check(
        bucket,
        'Type (storage class of new objects)',
        'AWS::S3::Bucket → S3 Standard, ≥3 AZs of ' + region,
        true,
      );
      const lifecycle = bucket.properties.LifecycleConfiguration;
      const rules = isRecord(lifecycle) ? asArray(lifecycle.Rules as Record<string, unknown>[]) : [];
      const transitions = rules.flatMap((rule) =>
        isRecord(rule)
          ? [
              ...asArray(rule.Transitions),
              ...asArray(rule.Transition),
              ...asArray(rule.NoncurrentVersionTransitions),
              ...asArray(rule.NoncurrentVersionTransition),
            ]
              .filter(isRecord)
              .map((t) => ({
                rule: String(rule.Id ?? '?'),
                storageClass: String(t?.StorageClass ?? '?'),
              }))
          : [],
      );
      if (transitions.length === 0) {
        findings.check(
          bucket,
          'LifecycleConfiguration.Rules[*].Transitions',
          'none (objects stay in S3 Standard)',
          true,
        );
      }
      for (const t of transitions) {
        const singleAz = SINGLE_AZ_CLASSES.includes(t.storageClass);
        const archive = ARCHIVE_CLASSES.includes(t.storageClass);
        findings.check(
          bucket,
          `LifecycleConfiguration rule ${t.rule} transition`,
          t.storageClass,
          !singleAz && !archive,
          singleAz
            ? `${bucket.logicalId} moves objects to ${t.storageClass} (rule ${t.rule}): a single Availability Zone`
            : `${bucket.logicalId} moves objects to ${t.storageClass} (rule ${t.rule}): unreadable until restored`,
        );
      }
      const replication = bucket.properties.ReplicationConfiguration;
      for (const rule of isRecord(replication)
        ? asArray(replication.Rules as Record<string, unknown>[])
        : []) {
        const destination = isRecord(rule) && isRecord(rule.Destination) ? rule.Destination : {};
        const storageClass = String(destination.StorageClass ?? 'STANDARD (default: the source class)');
        findings.check(
          bucket,
          `ReplicationConfiguration rule ${String(rule.Id ?? '?')} Destination.StorageClass`,
          storageClass,
          !SINGLE_AZ_CLASSES.includes(storageClass) && !ARCHIVE_CLASSES.includes(storageClass),
          `${bucket.logicalId} replicates into ${storageClass}`,
        );
      }
      findings.command(`aws s3api get-bucket-lifecycle-configuration --bucket ${name} --region ${region}`);
      findings.command(
        `aws s3api list-objects-v2 --bucket ${name} --region ${region} --query "Contents[?StorageClass!='STANDARD'].[Key,StorageClass]" --output text   # expect no output`,
      );
    }
    for (const directoryBucket of assembly.ofType('AWS::S3Express::DirectoryBucket')) {
      findings.check(
        directoryBucket,
        'DataRedundancy',
        String(directoryBucket.properties.DataRedundancy ?? 'SingleAvailabilityZone'),
        false,
        `${directoryBucket.logicalId} is an S3 Express One Zone directory bucket: one Availability Zone`,
      );
    }
    for (const fn of assembly.ofType('AWS::Lambda::Function')) {
      const vpc = fn.properties.VpcConfig;
      if (!isRecord(vpc)) continue;
      const subnets = asArray(vpc.SubnetIds as unknown[]);
      findings.check(
        fn,
        'VpcConfig.SubnetIds',
        `${subnets.length} subnet(s)`,
        subnets.length >= 2,
        `${fn.logicalId} runs in ${subnets.length} subnet: one Availability Zone`,
      );
    }
    findings.note(
      'Availability Zones are not a property of a bucket: S3 Standard spreads every object over at least three AZs of the Region and offers no per-AZ setting, so the template shows the storage class, not AZ names. Lambda, SQS, SNS and CloudFront are Regional or global services that run across AZs by design.',
    );
    findings.note(
      'Objects are written without a StorageClass header (lambda/storage/s3-object-store.ts), so they are stored in S3 Standard; the configuration refuses ONEZONE_IA, EXPRESS_ONEZONE and REDUCED_REDUNDANCY (lib/config.ts).',
    );
    return findings.conclude(
      {
        met: `Every repository origin bucket (${buckets.map((b) => b.logicalId).join(', ')}) stays in S3 Standard (≥3 AZs per Region): no transition to a single-AZ or archive class.`,
      },
      [
        'docs/deploy.md (Availability)',
        'lib/constructs/repository-bucket.ts',
        'lib/config.ts (storageClass)',
      ],
    );
  },
};

/**
 * Baseline Requirements: the repository is online 24x7. Nothing here is a server someone must keep
 * running: S3 Standard, CloudFront, Lambda and SQS are managed and span Availability Zones (or the
 * edge). The checks: the distribution is enabled, no self-managed server or single-instance
 * database is in the app, no function is throttled to zero, and the stateful stacks and buckets
 * resist accidental deletion.
 */
import { originBuckets, distributionConfig } from '../app-topology.ts';
import { Findings, servingDistributions, type Requirement } from '../requirement.ts';

/** Resource types that are servers (or single nodes) the operator must keep alive. */
const SELF_MANAGED_TYPES = [
  'AWS::EC2::Instance',
  'AWS::AutoScaling::AutoScalingGroup',
  'AWS::RDS::DBInstance',
  'AWS::ElastiCache::CacheCluster',
  'AWS::Lightsail::Instance',
];

export const alwaysOnlineRequirement: Requirement = {
  id: 'br-24x7',
  title: 'Repository online 24x7',
  source: 'CA/Browser Forum Baseline Requirements v2.2.6 §4.10.2 (online 24x7 repository)',
  group: 'baseline-requirements',
  evaluate({ assembly, shell, availability }) {
    const findings = new Findings();
    const distributions = servingDistributions(assembly, findings);
    for (const distribution of distributions) {
      const enabled = distributionConfig(distribution).Enabled;
      findings.check(
        distribution,
        'DistributionConfig.Enabled',
        String(enabled),
        enabled === true || enabled === 'true',
        `${distribution.logicalId} is disabled`,
      );
      findings.command(
        `aws cloudfront get-distribution --id ${shell.physicalId(distribution)} --query "Distribution.[Status,DistributionConfig.Enabled]"`,
      );
    }
    for (const stack of assembly.stacks) {
      const servers = Object.entries(stack.template.Resources).filter(([, r]) =>
        SELF_MANAGED_TYPES.includes(r.Type),
      );
      findings.checkTemplate(
        stack,
        'self-managed servers or single-node databases',
        servers.length === 0
          ? 'none: managed services only (S3, CloudFront, Lambda, SQS, SNS, CloudWatch)'
          : servers.map(([id, r]) => `${id} (${r.Type})`).join(', '),
        servers.length === 0,
        `${stack.stackName} runs servers someone must keep online: ${servers.map(([id]) => id).join(', ')}`,
      );
    }
    for (const fn of assembly.ofType('AWS::Lambda::Function')) {
      const reserved = fn.properties.ReservedConcurrentExecutions;
      if (reserved === undefined) continue;
      findings.check(
        fn,
        'ReservedConcurrentExecutions',
        String(reserved),
        Number(reserved) > 0,
        `${fn.logicalId} is throttled to zero concurrent executions`,
      );
    }
    const statefulStacks = new Set([...originBuckets(assembly), ...distributions].map((r) => r.stack));
    for (const stack of statefulStacks) {
      findings.checkTemplate(
        stack,
        'terminationProtection (manifest.json)',
        String(stack.terminationProtection),
        stack.terminationProtection,
        `stack ${stack.stackName} (serving the repository) can be deleted without first lifting termination protection`,
      );
      findings.command(
        `aws cloudformation describe-stacks --stack-name ${stack.stackName} --region ${stack.region} --query "Stacks[0].EnableTerminationProtection"`,
      );
    }
    for (const bucket of originBuckets(assembly)) {
      findings.check(
        bucket,
        'DeletionPolicy',
        bucket.deletionPolicy ?? 'Delete (default)',
        bucket.deletionPolicy === 'Retain' || bucket.deletionPolicy === 'RetainExceptOnCreate',
        `${bucket.logicalId} would be deleted with its stack`,
      );
    }
    if (availability) {
      findings.checkRecord(
        availability.ledger,
        'measured availability (probe runs)',
        `${availability.availabilityPercent} % over ${availability.runs} run(s), SLO ${availability.sloPercent} %; ${availability.incidents} incident(s)`,
        availability.meetsSlo && !availability.ongoingIncident,
        availability.ongoingIncident
          ? 'the ledger ends in an ongoing incident: the repository is not answering every probe now'
          : `measured availability ${availability.availabilityPercent} % is below the SLO of ${availability.sloPercent} %`,
      );
    }
    findings.note(
      'Availability across AZs and Regions is shown in the use case A rows above; maintenance windows do not exist for these managed services.',
    );
    return findings.conclude(
      {
        met: 'Served by managed, multi-AZ services only, with the distribution enabled and the stateful stacks and buckets protected from deletion.',
      },
      ['docs/deploy.md (stacks, termination protection)'],
    );
  },
};

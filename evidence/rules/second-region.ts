/**
 * Use case A, beyond the minimum: a second Region. When the app has one, the repository bucket
 * replicates every object to a versioned bucket in another Region and CloudFront's default
 * behaviour fails over to it; when it has none the row is not applicable, never silently "met".
 */
import {
  cacheBehaviors,
  distributionOrigins,
  originBuckets,
  originGroups,
  replicationRules,
} from '../app-topology.ts';
import type { AssemblyResource } from '../cloud-assembly.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { isRecord, versioningStatus } from '../template-query.ts';

export const secondRegionRequirement: Requirement = {
  id: 'uc-a-second-region',
  title: 'Second Region (optional): replicated repository and origin failover',
  source:
    'Use case A availability, beyond the two-AZ minimum; docs/deploy.md (replicaRegion); AWS: S3 Cross-Region Replication with RTC, CloudFront origin groups',
  group: 'use-case-a',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const references = ['docs/deploy.md (Availability, replicaRegion)', 'lib/constructs/distribution.ts'];
    const origins = originBuckets(assembly);
    const replicated = origins.filter((b) => isRecord(b.properties.ReplicationConfiguration));
    const regions = new Set(origins.map((b) => b.stack.region));
    if (replicated.length === 0 && regions.size < 2) {
      findings.note(
        `Single Region: every origin bucket is in ${[...regions].join(', ') || 'one Region'}. Availability rests on S3 Standard's ≥3 AZs (see the multi-AZ row).`,
      );
      return findings.notApplicable('No replica Region is configured (replicaRegion omitted).', references);
    }
    if (replicated.length === 0) {
      findings.fail(`origin buckets sit in ${[...regions].join(' and ')} but none has a replication rule`);
    }
    const destinations: AssemblyResource[] = [];
    for (const source of replicated) {
      const sourceName = shell.physicalId(source);
      findings.check(
        source,
        'VersioningConfiguration.Status',
        versioningStatus(source),
        versioningStatus(source) === 'Enabled',
      );
      for (const { json: rule, destination, target, replicationTime: rtc } of replicationRules(
        assembly,
        source,
      )) {
        const enabled = rule.Status === 'Enabled';
        findings.check(
          source,
          `ReplicationConfiguration rule ${String(rule.Id ?? '?')}`,
          `Status ${String(rule.Status)} → ${target ? `${target.logicalId} (${target.stack.region})` : String(destination.Bucket)}${rtc ? ', RTC 15 min' : ''}`,
          enabled && target !== undefined && target.stack.region !== source.stack.region,
          !enabled
            ? `replication rule ${String(rule.Id)} of ${source.logicalId} is not enabled`
            : target === undefined
              ? `the replication destination ${JSON.stringify(destination.Bucket)} is not a bucket of this app`
              : `${target.logicalId} is in the same Region as ${source.logicalId}`,
        );
        if (target) {
          destinations.push(target);
          findings.check(
            target,
            'VersioningConfiguration.Status',
            versioningStatus(target),
            versioningStatus(target) === 'Enabled',
          );
        }
      }
      findings.command(
        `aws s3api get-bucket-replication --bucket ${sourceName} --region ${source.stack.region}`,
      );
    }
    for (const destination of destinations) {
      findings.command(
        `aws s3api get-bucket-versioning --bucket ${shell.physicalId(destination)} --region ${destination.stack.region}`,
      );
    }

    const distributions = assembly.ofType('AWS::CloudFront::Distribution');
    for (const distribution of distributions) {
      const origins = distributionOrigins(assembly, distribution);
      const groups = originGroups(distribution);
      const defaultBehavior = cacheBehaviors(distribution).find((b) => b.pathPattern === '(default)');
      const group = groups.find((g) => g.id === defaultBehavior?.targetOriginId);
      const memberBuckets = (group?.members ?? []).map((id) => origins.find((o) => o.id === id)?.bucket);
      const memberRegions = new Set(memberBuckets.filter((b) => b).map((b) => b!.stack.region));
      findings.check(
        distribution,
        'DefaultCacheBehavior.TargetOriginId → OriginGroups',
        group
          ? `${group.id}: ${memberBuckets.map((b) => (b ? `${b.logicalId} (${b.stack.region})` : '?')).join(' → ')}`
          : `${defaultBehavior?.targetOriginId ?? '(none)'} (a single origin)`,
        group !== undefined && memberRegions.size >= 2,
        group
          ? 'the default behaviour’s origin group does not span two Regions'
          : 'the default behaviour reads one origin: no failover to the replica Region',
      );
      if (group) {
        const codes = group.failoverStatusCodes;
        const covers = [403, 500, 502, 503, 504].every((c) => codes.includes(c));
        findings.check(
          distribution,
          `OriginGroups ${group.id} FailoverCriteria.StatusCodes`,
          codes.join(', '),
          covers,
          `failover codes ${codes.join(', ')} miss 403 (S3's answer for a missing key) or 5xx`,
        );
      }
      findings.command(
        `aws cloudfront get-distribution-config --id ${shell.physicalId(distribution)} --query "DistributionConfig.{Default:DefaultCacheBehavior.TargetOriginId,Groups:OriginGroups}"`,
      );
    }
    findings.note(
      'Origin groups fail over GET and HEAD only; OCSP POST is answered by the Lambda@Edge origin-request function, which reads the replica itself when the primary fails (lambda/handlers/ocsp-origin-request-lambda.ts).',
    );
    return findings.conclude(
      {
        met: `The repository replicates to ${destinations.map((d) => `${d.logicalId} in ${d.stack.region}`).join(', ')} and CloudFront fails over to it.`,
      },
      references,
    );
  },
};

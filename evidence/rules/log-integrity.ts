/**
 * Immutable records: who wrote what to the ingest and repository buckets is recorded by a CloudTrail
 * trail (S3 data events, log file validation) delivered to a bucket under Object Lock; the
 * repository, its replica and the health ledger are under Object Lock themselves; the access-log
 * buckets, which S3 cannot lock, are versioned so an overwritten or deleted log stays; the ledger's
 * head is anchored in CloudWatch Logs, where the checker can append but not rewrite.
 */
import {
  bucketsWrittenBy,
  externallyAssumedRoles,
  findHealthChecker,
  logBuckets,
  originBuckets,
  servingStack,
} from '../app-topology.ts';
import {
  bucketLock,
  describeLock,
  isLockedByDefault,
  isVersioned,
  trailBucket,
  trailDataEventBuckets,
} from '../audit-topology.ts';
import type { AssemblyResource } from '../cloud-assembly.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { asArray, isRecord, refTarget } from '../template-query.ts';

function checkLocked(findings: Findings, bucket: AssemblyResource, what: string): void {
  const lock = bucketLock(bucket);
  findings.check(
    bucket,
    'ObjectLockEnabled / ObjectLockConfiguration.Rule.DefaultRetention',
    `${describeLock(lock)} (${what})`,
    isLockedByDefault(lock),
    `${what} ${bucket.logicalId} has ${describeLock(lock)}: a version could be deleted or shortened (docs/deploy.md §10)`,
  );
}

export const logIntegrityRequirement: Requirement = {
  id: 'uc-a-log-integrity',
  title: 'Immutable records: locked CloudTrail trail, Object Lock, ledger anchor',
  source:
    'Survey item 3513 (tamper prevention) and the audit of records: who wrote what must be recorded where it cannot be rewritten',
  group: 'use-case-a',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const trails = assembly.ofType('AWS::CloudTrail::Trail');
    const ingest = new Set(
      externallyAssumedRoles(assembly).flatMap((role) =>
        bucketsWrittenBy(assembly, role).map((w) => w.bucket),
      ),
    );
    const origins = originBuckets(assembly);
    const mustRecord = [...ingest, ...origins.filter((b) => trails.some((t) => t.stack === b.stack))];
    if (trails.length === 0) {
      findings.fail(
        'no CloudTrail trail: nothing records who wrote what to the ingest and repository buckets',
      );
    }
    const recorded = new Set<AssemblyResource>();
    for (const trail of trails) {
      const p = trail.properties;
      findings.check(
        trail,
        'IsLogging',
        String(p.IsLogging ?? '(absent)'),
        p.IsLogging === true,
        `trail ${trail.logicalId} is not logging`,
      );
      findings.check(
        trail,
        'EnableLogFileValidation',
        String(p.EnableLogFileValidation ?? false),
        p.EnableLogFileValidation === true,
        `trail ${trail.logicalId} has no log file validation: a changed or deleted log file would go unnoticed`,
      );
      for (const { bucket, readWriteType } of trailDataEventBuckets(assembly, trail)) {
        const writes = readWriteType === 'WriteOnly' || readWriteType === 'All';
        if (writes) recorded.add(bucket);
        findings.check(trail, `EventSelectors: S3 data events of ${bucket.logicalId}`, readWriteType, writes);
      }
      const bucket = trailBucket(assembly, trail);
      if (bucket) {
        checkLocked(findings, bucket, 'the trail bucket');
      } else {
        findings.fail(
          `trail ${trail.logicalId} delivers to a bucket outside the templates: its lock cannot be shown`,
        );
      }
      const name = shell.physicalId(trail);
      const region = trail.stack.region;
      findings.command(
        `aws cloudtrail get-trail-status --name ${name} --region ${region} --query "[IsLogging,LatestDeliveryTime,LatestDigestDeliveryTime]"`,
      );
      findings.command(`aws cloudtrail get-event-selectors --trail-name ${name} --region ${region}`);
      findings.command(
        `aws cloudtrail validate-logs --region ${region} --trail-arn $(aws cloudtrail describe-trails --region ${region} --trail-name-list ${name} --query "trailList[0].TrailARN" --output text) --start-time 2026-01-01T00:00:00Z   # every digest and log file intact`,
      );
      if (bucket) {
        findings.command(
          `aws s3api get-object-lock-configuration --bucket ${shell.physicalId(bucket)} --region ${bucket.stack.region}`,
        );
      }
    }
    for (const bucket of mustRecord) {
      if (!recorded.has(bucket)) {
        findings.fail(`no trail records the object writes of ${bucket.logicalId} (S3 data events)`);
      }
    }
    for (const bucket of origins) {
      checkLocked(
        findings,
        bucket,
        bucket.stack === servingStack(assembly) ? 'the repository' : 'the replica',
      );
      findings.command(
        `aws s3api get-object-lock-configuration --bucket ${shell.physicalId(bucket)} --region ${bucket.stack.region}`,
      );
    }
    const checker = findHealthChecker(assembly);
    for (const ledger of checker?.ledgerBuckets ?? []) checkLocked(findings, ledger, 'the health ledger');
    for (const [bucket] of logBuckets(assembly)) {
      const rules = isRecord(bucket.properties.LifecycleConfiguration)
        ? asArray(bucket.properties.LifecycleConfiguration.Rules as Record<string, unknown>[]).filter(
            isRecord,
          )
        : [];
      const noncurrent = rules.find((r) => isRecord(r.NoncurrentVersionExpiration));
      const versioned = isVersioned(bucket);
      findings.check(
        bucket,
        'VersioningConfiguration.Status / NoncurrentVersionExpiration',
        `${versioned ? 'Enabled' : 'not versioned'}${noncurrent ? ` / ${String((noncurrent.NoncurrentVersionExpiration as Record<string, unknown>).NoncurrentDays)} days` : ''}`,
        versioned && noncurrent !== undefined,
        `access-log bucket ${bucket.logicalId} is not versioned with a lifecycle: an overwritten or deleted log leaves no trace (S3 cannot lock a server-access-log bucket)`,
      );
    }
    // The ledger's anchor: every run's sequence and hash in the checker's own log group.
    for (const { fn } of checker?.functions ?? []) {
      const logging = fn.properties.LoggingConfig;
      const groupId = isRecord(logging) ? refTarget(logging.LogGroup) : undefined;
      const group = groupId ? assembly.find(fn.stack, groupId) : undefined;
      if (!group) continue;
      findings.check(
        group,
        'RetentionInDays (ledger anchor: ledgerSequence and ledgerHash of every run)',
        String(group.properties.RetentionInDays ?? 'kept indefinitely'),
        true,
      );
      findings.command(
        `aws logs filter-log-events --log-group-name ${shell.physicalId(group)} --region ${group.stack.region} --start-time $(( ($(date +%s) - 3600) * 1000 )) --filter-pattern '{ $.ledgerSequence = * }' --query "events[-1].message" --output text | jq -r '"\\(.ledgerSequence):\\(.ledgerHash)"'   # the anchor`,
      );
      for (const ledger of checker?.ledgerBuckets ?? []) {
        findings.command(
          `npx ca-repo report --ledger s3://${shell.physicalId(ledger).replace(/"/g, '')} --anchor SEQUENCE:HASH --out report/   # the chain must reach the anchor`,
        );
      }
    }
    findings.note(
      'S3 server access logs cannot be delivered to a bucket with Object Lock: the access-log buckets are versioned instead, and the CloudTrail trail is the record that is locked.',
    );
    findings.note(
      'GOVERNANCE lets a principal holding s3:BypassGovernanceRetention remove a mistaken object (and CloudTrail records it); COMPLIANCE lets nobody, not even the root user, until the retention ends.',
    );
    return findings.conclude(
      {
        met: `${trails.length} CloudTrail trail(s) with log file validation record the writes to the ingest and repository buckets into a locked bucket; the repository, replica and ledger are under Object Lock; the ledger's head is anchored in CloudWatch Logs.`,
      },
      [
        'docs/deploy.md §10 (Object Lock, audit trail)',
        'lib/constructs/audit-trail.ts',
        'lib/constructs/object-lock.ts',
        'lambda/core/health/health-metrics.ts (ledger anchor)',
      ],
    );
  },
};

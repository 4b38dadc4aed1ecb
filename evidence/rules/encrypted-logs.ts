/**
 * Use case A: cloud security certification is not required, but confidential logs should be
 * encrypted. Logs here are S3 server access logs and CloudFront standard logs (in the log buckets
 * the templates wire up), the health ledger when present, and CloudWatch Logs log groups. Each log
 * bucket must declare default encryption, block public access and refuse non-TLS requests.
 */
import { findHealthChecker, logBuckets } from '../app-topology.ts';
import type { AssemblyResource } from '../cloud-assembly.ts';
import { checkBlocksPublicAccess, checkNoPublicAllow } from '../bucket-privacy-checks.ts';
import { Findings, type Requirement } from '../requirement.ts';
import {
  bucketEncryptionAlgorithms,
  bucketPolicyStatements,
  deniesInsecureTransport,
  describeEncryption,
  describeValue,
} from '../template-query.ts';

export const encryptedLogsRequirement: Requirement = {
  id: 'uc-a-encrypted-logs',
  title: 'Confidential logs encrypted at rest and in transit',
  source: 'Use case A: ISMAP / ISO 27017 not required, but confidential logs should be encrypted',
  group: 'use-case-a',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const buckets = new Map<AssemblyResource, string[]>(
      [...logBuckets(assembly)].map(([bucket, senders]) => [bucket, senders.map((s) => s.description)]),
    );
    for (const ledger of findHealthChecker(assembly)?.ledgerBuckets ?? []) {
      buckets.set(ledger, [...(buckets.get(ledger) ?? []), 'health ledger records']);
    }
    if (buckets.size === 0) {
      findings.fail(
        'no bucket receives S3 access logs or CloudFront standard logs: there is no access log to keep',
      );
    }
    for (const [bucket, senders] of buckets) {
      const algorithms = bucketEncryptionAlgorithms(bucket);
      findings.check(
        bucket,
        'BucketEncryption.ServerSideEncryptionConfiguration',
        `${describeEncryption(algorithms)} — receives ${senders.join('; ')}`,
        algorithms.length > 0,
        `log bucket ${bucket.logicalId} declares no default encryption (it receives ${senders.join('; ')})`,
      );
      checkBlocksPublicAccess(
        findings,
        bucket,
        `log bucket ${bucket.logicalId} does not block public access`,
      );
      const statements = bucketPolicyStatements(assembly, bucket);
      checkNoPublicAllow(
        findings,
        bucket,
        statements,
        (actions) => `the logs in ${bucket.logicalId} are readable by anyone (${actions})`,
      );
      const tlsOnly = deniesInsecureTransport(statements);
      findings.check(
        bucket,
        'bucket policy: Deny aws:SecureTransport=false',
        tlsOnly ? 'present (in transit: TLS only)' : 'absent',
        tlsOnly,
        `log bucket ${bucket.logicalId} accepts requests without TLS`,
      );
      findings.command(
        `aws s3api get-bucket-encryption --bucket ${shell.physicalId(bucket)} --region ${bucket.stack.region}`,
      );
    }
    const logGroups = assembly.ofType('AWS::Logs::LogGroup');
    for (const group of logGroups) {
      const kms = group.properties.KmsKeyId;
      const retention = group.properties.RetentionInDays;
      findings.check(
        group,
        'KmsKeyId / RetentionInDays',
        `${kms === undefined ? 'CloudWatch Logs service-managed encryption' : `KMS ${describeValue(kms)}`} / ${retention === undefined ? 'never expire' : `${String(retention)} days`}`,
        true,
      );
    }
    for (const region of new Set(logGroups.map((g) => g.stack.region))) {
      findings.command(
        `aws logs describe-log-groups --region ${region} --query "logGroups[].[logGroupName,kmsKeyId,retentionInDays]" --output table`,
      );
    }
    findings.note(
      'CloudWatch Logs encrypts every log group at rest (service-managed keys unless KmsKeyId is set), so log groups cannot be unencrypted; the row lists them with their retention.',
    );
    findings.note(
      'Lambda@Edge writes to /aws/lambda/us-east-1.<function> log groups that Lambda creates in each Region where it runs; they are encrypted like every log group but are not in a template (docs/deploy.md §7).',
    );
    return findings.conclude(
      {
        met: `All ${buckets.size} log bucket(s) declare default encryption, block public access and accept TLS only; ${logGroups.length} log group(s) are encrypted by CloudWatch Logs.`,
      },
      ['lib/constructs/log-bucket.ts', 'docs/deploy.md §7 (Operating notes)'],
    );
  },
};

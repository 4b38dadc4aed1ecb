/**
 * The replica Region probes too (issue 16 item 5): with health enabled and the public base URLs
 * configured, the replica stack carries its own health checker (trust layer, ledger bucket,
 * schedule, alarms on its own topic) probing the same public URLs; without configured URLs (the
 * CloudFront name is unknown when the replica stack deploys first) it carries none. Synthesized
 * with cdk-nag as `cdk synth` does: an unacknowledged finding would fail the synth.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { replicaProbeUrls } from '../../lib/stacks/ca-repo-replica-stack.ts';
import { resourcesOfType, synthCaRepo } from './synth-app.ts';

const FAST = { bundling: false, cfnValidation: false } as const;

describe('health checker in the replica Region', () => {
  it('probes the configured public URLs from the replica Region into a ledger of its own', async () => {
    const { replica, primary } = await synthCaRepo({ publicBaseUrls: ['http://repo.example.jp'] }, FAST);
    const template = replica!;
    const checkers = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).filter(
      (fn) =>
        (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
          ?.REPOSITORY_URLS !== undefined,
    );
    expect(checkers).toHaveLength(1);
    const variables = (checkers[0]!.Properties!.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(variables.REPOSITORY_URLS).toBe('http://repo.example.jp,https://repo.example.jp');
    expect(variables.LEDGER_BUCKET).toEqual({ Ref: expect.stringMatching(/^ProbeHealthLedgerBucket/) });
    // No replica comparison from here: the primary's checker compares the two buckets.
    expect(variables.REPLICA_BUCKET).toBeUndefined();
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { LogFilePrefix: 's3/health-ledger/' },
    });
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      Description: Match.stringLikeRegexp('pinned CA certificates'),
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    // The same alarms as the primary's checker, each notifying the replica Region's topic.
    const alarms = (t: typeof template) =>
      Object.keys(resourcesOfType(t, 'AWS::CloudWatch::Alarm')).filter((id) => /Health/.test(id)).length;
    expect(alarms(template)).toBe(alarms(primary));
    expect(alarms(template)).toBeGreaterThan(0);
    template.hasOutput('HealthLedgerBucketName', {
      Value: { Ref: Match.stringLikeRegexp('^ProbeHealthLedgerBucket') },
    });
  });

  it('deploys no replica checker without configured public URLs, or with health off', async () => {
    const noUrls = await synthCaRepo({}, FAST);
    expect(resourcesOfType(noUrls.replica!, 'AWS::Lambda::Function')).toEqual({});
    const off = await synthCaRepo(
      { publicBaseUrls: ['http://repo.example.jp'], health: { enabled: false } },
      FAST,
    );
    expect(resourcesOfType(off.replica!, 'AWS::Lambda::Function')).toEqual({});
  });

  it('probes each http URL and its https twin, once', () => {
    expect(replicaProbeUrls(['http://a.example', 'https://a.example', 'https://b.example'])).toEqual([
      'http://a.example',
      'https://a.example',
      'https://b.example',
    ]);
  });
});

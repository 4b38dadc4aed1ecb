/**
 * The HealthChecker construct: a scheduled Lambda that may only list, read and append ledger
 * records; a ledger bucket that is encrypted, TLS-only, private, logged and (when asked) under
 * Object Lock; alarms on the EMF metrics the handler writes, all notifying the alarm topic; a
 * dashboard; and nothing cdk-nag objects to. Also its wiring into CaRepository.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DEADLINE_NAMES, DEADLINES } from '../../lambda/core/health/deadlines.ts';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_METRICS } from '../../lambda/core/health/health-metrics.ts';
import { AlarmTopic } from '../../lib/constructs/alarm-topic.ts';
import { CaRepository } from '../../lib/constructs/ca-repository.ts';
import { HealthChecker, SENTINELS_FILE } from '../../lib/constructs/health-checker.ts';
import { LogBucket } from '../../lib/constructs/log-bucket.ts';
import { uploaderRoleIdentity } from '../../lib/stacks/ca-repo-stack.ts';
import { TRUST_DIR } from '../../lib/constructs/publisher.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';
import {
  asArray,
  exampleConfig,
  identityStatements,
  layerAssetFile,
  logicalId,
  nagFindings,
  newApp,
  resourcesOfType,
  synthCaRepo,
  validationReportViolations,
} from './synth-app.ts';

const ENV = { account: '123456789012', region: 'ap-northeast-1' };
const BUILD = join(tmpdir(), 'ca-repo-build-test');

function buildChecker(props: Partial<ConstructorParameters<typeof HealthChecker>[2]> = {}) {
  const app = newApp({ bundling: false, cfnValidation: false });
  const stack = new Stack(app, 'HealthTest', { env: ENV });
  const logs = new LogBucket(stack, 'AccessLogs', { retentionDays: 400, receivesCloudFrontLogs: false });
  const topic = new AlarmTopic(stack, 'Alarms', { alarmEmail: 'pki-ops@example.jp' });
  const trustLayer = lambda.LayerVersion.fromLayerVersionArn(
    stack,
    'TrustLayer',
    'arn:aws:lambda:ap-northeast-1:123456789012:layer:ca-repo-trust:1',
  );
  const checker = new HealthChecker(stack, 'Health', {
    repositoryUrls: ['http://repo.example.jp', 'https://repo.example.jp'],
    trustLayer,
    trustDir: TRUST_DIR,
    alarmTopic: topic.topic,
    accessLogs: logs.bucket,
    logRetentionDays: 400,
    buildDirectory: BUILD,
    ...props,
  });
  return { app, stack, checker, topic, template: Template.fromStack(stack) };
}

describe('HealthChecker with defaults', () => {
  let built: ReturnType<typeof buildChecker>;
  beforeAll(() => {
    built = buildChecker();
  });

  it('runs the health handler every minute, without retries, on the newest Node.js runtime', () => {
    const { template, checker } = built;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(checker.checker.function), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 55,
      Environment: {
        Variables: Match.objectLike({
          REPOSITORY_URLS: 'http://repo.example.jp,https://repo.example.jp',
          LEDGER_BUCKET: { Ref: logicalId(checker.ledger) },
          TRUST_DIR: '/opt/trust',
          METRIC_NAMESPACE: 'CaRepo/Health',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  it('keeps the ledger in a private, encrypted, versioned, logged, TLS-only bucket retained on deletion', () => {
    const { template, checker } = built;
    const ledger = resourcesOfType(template, 'AWS::S3::Bucket')[logicalId(checker.ledger)]!;
    expect(ledger).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(ledger.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { LogFilePrefix: 's3/health-ledger/' },
    });
    expect(ledger.Properties?.ObjectLockEnabled).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(checker.ledger) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('lets the function list, read and append ledger records, and nothing else in S3', () => {
    const { template, checker } = built;
    const ledgerArn = { 'Fn::GetAtt': [logicalId(checker.ledger), 'Arn'] };
    const s3Statements = identityStatements(template)
      .map(({ statement }) => statement)
      .filter((statement) => asArray(statement.Action).some((action) => action.startsWith('s3:')));
    expect(s3Statements).toEqual([
      expect.objectContaining({
        Sid: 'ListLedger',
        Action: 's3:ListBucket',
        Resource: ledgerArn,
        Condition: { StringLike: { 's3:prefix': ['ledger/*'] } },
      }),
      expect.objectContaining({
        Sid: 'ReadAndAppendLedgerRecords',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [ledgerArn, '/ledger/*']] },
      }),
    ]);
    for (const { statement } of identityStatements(template)) {
      expect(asArray(statement.Action).join(' ')).not.toMatch(/Delete|\*/);
    }
  });

  it('alarms on unavailability (missing data included), CRL margin, OCSP age, latency and checker errors', () => {
    const { template, topic } = built;
    const topicRef = { Ref: logicalId(topic.topic) };
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(5 + DEADLINE_NAMES.length);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [topicRef], OKActions: [topicRef] });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CaRepo/Health',
      MetricName: HEALTH_METRICS.availability,
      Statistic: 'Minimum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
      Dimensions: Match.absent(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: HEALTH_METRICS.crlHoursToNextUpdate,
      Statistic: 'Minimum',
      Threshold: 72,
      ComparisonOperator: 'LessThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: HEALTH_METRICS.ocspResponseAgeHours,
      Statistic: 'Maximum',
      Threshold: 72,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: HEALTH_METRICS.latency,
      Threshold: 5000,
      DatapointsToAlarm: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'pki-ops@example.jp',
    });
  });

  it('alarms on each deadline class with its section in the description', () => {
    const { template } = built;
    for (const deadline of DEADLINE_NAMES) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'CaRepo/Health',
        MetricName: HEALTH_METRICS.deadlineMissed,
        Dimensions: [{ Name: 'Deadline', Value: deadline }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp(
          `deadline ${deadline} missed \\(${DEADLINES[deadline].citation.replace(/[()§.]/g, (c) => `\\${c}`)}`,
        ),
      });
    }
    expect(DEADLINES['crl-reissue'].citation).toBe('BR §4.9.7');
    expect(DEADLINES['ocsp-refresh'].citation).toBe('BR §4.9.10');
    expect(DEADLINES['answer-time'].citation).toBe('BR §4.10.2');
  });

  it('passes the CA policies to the function when given (the CRL reissue deadline reads them)', () => {
    const policies = { ['ab'.repeat(32)]: { profile: 'br' as const, scope: 'root' as const } };
    const { template } = buildChecker({ caPolicies: policies });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CA_POLICIES: JSON.stringify(policies) }) },
    });
  });

  it('draws a dashboard of availability and latency per check, CRL margin and OCSP age', () => {
    const body = JSON.stringify(
      Object.values(resourcesOfType(built.template, 'AWS::CloudWatch::Dashboard'))[0],
    );
    for (const text of [
      'Availability',
      'LatencyMs',
      'CrlHoursToNextUpdate',
      'OcspResponseAgeHours',
      'ocsp-post',
    ]) {
      expect(body).toContain(text);
    }
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(nagFindings(built.app)).toEqual([]);
  });
});

describe('HealthChecker options', () => {
  it('puts ledger records under Object Lock in compliance mode when asked', () => {
    const { template, checker } = buildChecker({ objectLockRetentionDays: 2557 });
    const ledger = resourcesOfType(template, 'AWS::S3::Bucket')[logicalId(checker.ledger)]!;
    expect(ledger.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2557 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('runs on the configured schedule with alarm periods to match, and ships the sentinels in a layer', async () => {
    const config = await exampleConfig();
    const sentinels = [
      {
        certificate: config.trustCertificates[0]!,
        issuer: config.trustCertificates[0]!,
        expectedStatus: 'good' as const,
      },
    ];
    const { template, checker, app } = buildChecker({ scheduleMinutes: 5, sentinels });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Availability', Period: 300 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SENTINELS_FILE }) },
      Layers: Match.arrayWith([{ Ref: logicalId(checker.sentinelLayer!) }]),
    });
    const staged = JSON.parse(layerAssetFile(app, template, checker.sentinelLayer!, 'health/sentinels.json'));
    expect(staged).toEqual([
      {
        certificate: Buffer.from(config.trustCertificates[0]!).toString('base64'),
        issuer: Buffer.from(config.trustCertificates[0]!).toString('base64'),
        expectedStatus: 'good',
      },
    ]);
    expect(nagFindings(app)).toEqual([]);
  });

  it('refuses a schedule CloudWatch cannot keep up with', () => {
    expect(() => buildChecker({ scheduleMinutes: 0 })).toThrow(/scheduleMinutes/);
    expect(() => buildChecker({ repositoryUrls: [] })).toThrow(/at least one repository URL/);
  });
});

describe('CaRepository with health', () => {
  it('probes its public host over http and https with the publisher’s pinned certificates', async () => {
    const config = await exampleConfig();
    const app = newApp({ bundling: false, cfnValidation: false });
    const stack = new Stack(app, 'WithHealth', { env: ENV });
    const repo = new CaRepository(stack, 'CaRepo', {
      trustCertificates: config.trustCertificates,
      repositoryBucketName: 'ca-repo-repository-123456789012-ap-northeast-1',
      edgeStackName: 'with-health-edge',
      health: { scheduleMinutes: 2 },
      buildDirectory: BUILD,
      uploaderSources: config.uploaderSources,
      uploaderIdentity: uploaderRoleIdentity(config),
    });
    const template = Template.fromStack(stack);
    const domain = { 'Fn::GetAtt': [logicalId(repo.distribution.distribution), 'DomainName'] };
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          REPOSITORY_URLS: { 'Fn::Join': ['', ['http://', domain, ',https://', domain]] },
          TRUST_DIR: TRUST_DIR,
        }),
      },
      Layers: [{ Ref: logicalId(repo.publisher.trustLayer) }],
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 minutes)' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalId(repo.accessLogs.bucket) },
        LogFilePrefix: 's3/health-ledger/',
      },
    });
    for (const alarm of Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: logicalId(repo.alarms.topic) }]);
    }
    expect(nagFindings(app).filter((finding) => finding.path.includes('/Health/'))).toEqual([]);
  });
});

describe('CaRepoStack wires the checker from the configuration', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  }, 60_000);
  afterAll(() => pki?.cleanup());

  it('schedule, sentinels (shipped in a layer) and Object Lock come from health.*', async () => {
    const synth = await synthCaRepo(
      {
        trust: [pki.ca.cert.certPath],
        health: {
          scheduleMinutes: 5,
          alarmEmail: 'pki-ops@example.jp',
          objectLockRetentionDays: 2557,
          sentinels: [
            { certificate: pki.leaf.certPath, expectedStatus: 'good' },
            { certificate: pki.revokedLeaf.certPath, expectedStatus: 'revoked', hashAlgorithm: 'sha256' },
          ],
        },
      },
      { bundling: false, cfnValidation: false },
    );
    const health = synth.stacks.primary.repository.health!;
    expect(health).toBeDefined();
    synth.primary.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(health.checker.function), 'Arn'] } })],
    });
    for (const alarm of health.alarms) {
      const properties = synth.primary.toJSON().Resources[logicalId(alarm)].Properties;
      expect(properties.AlarmActions).toEqual([
        { Ref: logicalId(synth.stacks.primary.repository.alarms.topic) },
      ]);
      if (properties.Namespace === 'CaRepo/Health') expect(properties.Period).toBe(300);
    }
    synth.primary.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 55,
      Environment: { Variables: Match.objectLike({ SENTINELS_FILE }) },
      // Both layers, in whatever order CDK sorts them.
      Layers: Match.arrayWith([{ Ref: logicalId(health.sentinelLayer!) }]),
    });
    synth.primary.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SENTINELS_FILE }) },
      Layers: Match.arrayWith([{ Ref: logicalId(synth.stacks.primary.repository.publisher.trustLayer) }]),
    });
    expect(
      synth.primary.toJSON().Resources[logicalId(health.ledger)].Properties.ObjectLockConfiguration,
    ).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2557 } },
    });
    // What the layer holds: the sentinels as read from their files, issuer found among the pinned CAs.
    const staged = JSON.parse(
      layerAssetFile(synth.app, synth.primary, health.sentinelLayer!, 'health/sentinels.json'),
    );
    const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
    expect(staged).toEqual([
      { certificate: b64(pki.leaf.certDer), issuer: b64(pki.ca.cert.certDer), expectedStatus: 'good' },
      {
        certificate: b64(pki.revokedLeaf.certDer),
        issuer: b64(pki.ca.cert.certDer),
        expectedStatus: 'revoked',
        hashAlgorithm: 'sha256',
      },
    ]);
    expect(nagFindings(synth.app)).toEqual([]);
  });

  it('health.enabled: false deploys no checker, ledger or schedule, but keeps the alarm topic and its subscriber', async () => {
    const synth = await synthCaRepo(
      { health: { enabled: false, alarmEmail: 'pki-ops@example.jp' } },
      { bundling: false, cfnValidation: false },
    );
    expect(synth.stacks.primary.repository.health).toBeUndefined();
    synth.primary.resourceCountIs('AWS::Events::Rule', 0);
    synth.primary.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(Object.keys(resourcesOfType(synth.primary, 'AWS::S3::Bucket')).join()).not.toMatch(/Ledger/);
    expect(Object.keys(synth.primary.toJSON().Outputs)).not.toContain('HealthLedgerBucketName');
    // Only the publisher's alarms and the replication monitor's remain.
    expect(
      Object.keys(resourcesOfType(synth.primary, 'AWS::CloudWatch::Alarm')).every((id) =>
        /^CaRepo(Publisher|ReplicationMonitor)/.test(id),
      ),
    ).toBe(true);
    synth.primary.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'pki-ops@example.jp',
    });
    expect(nagFindings(synth.app)).toEqual([]);
    expect(validationReportViolations(synth.app)).toEqual([]);
  });
});

/**
 * Every environment variable a construct sets on a function is one its handler reads, and every
 * name the handler reads is one the construct sets, but for the few no configuration reaches
 * (listed here). Both sides take the names from lambda/core/contract/lambda-environment.ts; this
 * holds the synthesized functions to what the handlers really read.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_ENVIRONMENT, PUBLISH_ENVIRONMENT } from '../../lambda/core/contract/lambda-environment.ts';
import { readHealthEnvironment } from '../../lambda/handlers/health-lambda-environment.ts';
import { readPublishEnvironment } from '../../lambda/handlers/publish-lambda-environment.ts';
import { AlarmTopic } from '../../lib/constructs/alarm-topic.ts';
import { HealthChecker } from '../../lib/constructs/health-checker.ts';
import { LogBucket } from '../../lib/constructs/log-bucket.ts';
import { TRUST_DIR } from '../../lib/constructs/publisher.ts';
import { exampleConfigJson, logicalId, newApp, synthCaRepo, type SynthesizedCaRepo } from './synth-app.ts';

/** Set by RegionalFunction on every function for Node.js itself, read by no handler. */
const FOR_NODE = ['NODE_OPTIONS'];

/** The synthesized variables of a function (values as CloudFormation has them). */
function variablesOf(template: Template, fn: lambda.IFunction): Record<string, unknown> {
  const resource = template.toJSON().Resources[logicalId(fn)];
  const variables = { ...(resource.Properties.Environment?.Variables ?? {}) } as Record<string, unknown>;
  for (const name of FOR_NODE) delete variables[name];
  return variables;
}

/** The names a handler's environment reader looks up, given these variables (tokens as placeholders). */
function namesRead(
  read: (env: Record<string, string | undefined>) => unknown,
  variables: Record<string, unknown>,
) {
  const env = Object.fromEntries(
    // A token stands for a name or a URL (PUBLIC_BASE_URLS joins the distribution's domain name).
    Object.entries(variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : 'http://x.example',
    ]),
  );
  const names = new Set<string>();
  read(
    new Proxy(env, {
      get: (target, name) => {
        if (typeof name === 'string') names.add(name);
        return target[name as string];
      },
    }),
  );
  return names;
}

let synth: SynthesizedCaRepo;
beforeAll(async () => {
  // One sentinel, so the checker gets its sentinels file too (the example CA is self-signed).
  const health = exampleConfigJson().health as Record<string, unknown>;
  synth = await synthCaRepo(
    {
      health: {
        ...health,
        sentinels: [{ certificate: 'test/infra/fixtures/example-ca.pem', expectedStatus: 'good' }],
      },
    },
    { bundling: false, cfnValidation: false },
  );
}, 120_000);

describe('Lambda environment: construct and handler agree on every name', () => {
  it.each(['dispatcher', 'worker'] as const)(
    'the publish %s sets exactly what publish-lambda-environment.ts reads',
    (role) => {
      const publisher = synth.stacks.primary.repository.publisher;
      const variables = variablesOf(synth.primary, publisher[role].function);
      const read = namesRead(readPublishEnvironment, variables);
      expect(Object.keys(variables).sort()).toEqual([...read].sort());
      expect([...read].sort()).toEqual(Object.values(PUBLISH_ENVIRONMENT).sort());
    },
  );

  it('the health checker sets what health-lambda-environment.ts reads, but for the names no configuration reaches', () => {
    const checker = synth.stacks.primary.repository.health!.checker.function;
    const fromApp = variablesOf(synth.primary, checker);
    // PROBE_TIMEOUT_MS comes from a construct property the app leaves at its default.
    const app = newApp({ bundling: false, cfnValidation: false });
    const stack = new Stack(app, 'EnvironmentTest', {
      env: { account: '123456789012', region: 'ap-northeast-1' },
    });
    const alone = new HealthChecker(stack, 'Health', {
      repositoryUrls: ['http://repo.example.jp'],
      trustLayer: lambda.LayerVersion.fromLayerVersionArn(
        stack,
        'Trust',
        'arn:aws:lambda:ap-northeast-1:123456789012:layer:trust:1',
      ),
      trustDir: TRUST_DIR,
      alarmTopic: new AlarmTopic(stack, 'Alarms', {}).topic,
      accessLogs: new LogBucket(stack, 'Logs', { retentionDays: 400, receivesCloudFrontLogs: false }).bucket,
      logRetentionDays: 400,
      buildDirectory: join(tmpdir(), 'ca-repo-build-test'),
      probeTimeoutMs: 5000,
    });
    const fromConstruct = variablesOf(Template.fromStack(stack), alone.checker.function);

    const set = new Set([...Object.keys(fromApp), ...Object.keys(fromConstruct)]);
    const read = new Set([
      ...namesRead(readHealthEnvironment, fromApp),
      ...namesRead(readHealthEnvironment, fromConstruct),
    ]);
    expect([...set].filter((name) => !read.has(name))).toEqual([]);
    expect([...read].filter((name) => !set.has(name)).sort()).toEqual(
      [
        HEALTH_ENVIRONMENT.ocspUrl,
        HEALTH_ENVIRONMENT.crlMarginHours,
        HEALTH_ENVIRONMENT.crlMaxAgeHours,
        HEALTH_ENVIRONMENT.ocspMaxAgeHours,
        HEALTH_ENVIRONMENT.region,
      ].sort(),
    );
    expect([...read].sort()).toEqual(Object.values(HEALTH_ENVIRONMENT).sort());
  });
});

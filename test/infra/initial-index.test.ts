/**
 * A new repository serves an empty index from deploy time (lib/constructs/initial-index.ts):
 * a conditional S3 PutObject (If-None-Match: *) per index object, so a real index is never
 * overwritten, by a custom resource allowed to put exactly those two keys.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { InitialIndex } from '../../lib/constructs/initial-index.ts';
import { parseIndex } from '../../lambda/core/publish/repository-index.ts';
import { DEFAULT_CACHE_CAPS } from '../../lambda/core/serving/cache-policy.ts';

function synth() {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'ap-northeast-1' } });
  const bucket = new s3.Bucket(stack, 'Repository');
  new InitialIndex(stack, 'InitialIndex', {
    repository: bucket,
    ocspPathPrefix: '/ocsp',
    cacheCaps: DEFAULT_CACHE_CAPS,
  });
  return {
    template: Template.fromStack(stack),
    bucket: stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket),
  };
}

/** The SDK call of a Custom::AWS property, with the bucket reference put back as `<Ref>`. */
function sdkCall(value: unknown): {
  action: string;
  parameters: Record<string, string>;
  ignoreErrorCodesMatching: string;
} {
  const [, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = parts.map((p) => (typeof p === 'string' ? p : `<${(p as { Ref: string }).Ref}>`)).join('');
  return JSON.parse(text);
}

describe('initial index at deploy time', () => {
  const { template, bucket } = synth();
  const resources = Object.values(template.findResources('Custom::AWS'));

  it('puts index.json and index.html with If-None-Match: * on create and update, a found index left as it is', () => {
    expect(resources).toHaveLength(2);
    const keys: string[] = [];
    for (const resource of resources) {
      for (const phase of ['Create', 'Update']) {
        const call = sdkCall(resource.Properties[phase]);
        expect(call.action).toBe('putObject');
        expect(call.parameters).toMatchObject({ Bucket: `<${bucket}>`, IfNoneMatch: '*' });
        expect('PreconditionFailed').toMatch(new RegExp(call.ignoreErrorCodesMatching));
        if (phase === 'Create') keys.push(call.parameters.Key!);
      }
      expect(resource.Properties.Delete).toBeUndefined(); // never removed with the stack
    }
    expect(keys.sort()).toEqual(['index.html', 'index.json']);
  });

  it('index.json is a valid empty index (version 1) and index.html says nothing is published yet', () => {
    const bodies = Object.fromEntries(
      resources.map((r) => {
        const { parameters } = sdkCall(r.Properties.Create);
        return [parameters.Key, parameters];
      }),
    );
    const json = bodies['index.json']!;
    expect(json.ContentType).toBe('application/json; charset=utf-8');
    const index = JSON.parse(json.Body!);
    expect(index).toEqual(parseIndex(json.Body, '/ocsp', new Date()));
    expect(index).toMatchObject({
      version: 1,
      caCertificates: [],
      crls: [],
      documents: [],
      ocsp: { url: '/ocsp', issuers: [] },
    });
    expect(bodies['index.html']!.Body).toMatch(/Nothing is published yet/);
    expect(bodies['index.html']!.ContentType).toBe('text/html; charset=utf-8');
  });

  it('the custom resources may only put those two keys of the repository bucket', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toHaveLength(2);
    const resourcesOf = statements.map((statement) => {
      expect(statement).toMatchObject({ Effect: 'Allow', Action: 's3:PutObject' });
      return JSON.stringify(statement.Resource);
    });
    expect(resourcesOf.sort()).toEqual(
      ['/index.html', '/index.json'].map((key) =>
        JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, key]] }),
      ),
    );
  });
});

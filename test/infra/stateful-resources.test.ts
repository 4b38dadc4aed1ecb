/**
 * Upgrades stay safe: CloudFormation replaces a resource whose logical ID changes (or whose fixed
 * name changes), and for a bucket, a queue, a log group or a distribution that means data, history
 * or a hostname lost. This pins the logical ID, type and fixed name of every stateful resource of
 * the three stacks, so a refactor that would replace one fails here rather than in a deployment.
 *
 * A deliberate change updates stateful-resources.json in the same commit and says in
 * docs/deploy.md how an existing deployment migrates (for buckets: retain, import, or copy).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { synthCaRepo, type SynthesizedCaRepo } from './synth-app.ts';

/** Types whose replacement loses data, history or an address relying parties already use. */
export const STATEFUL_TYPES = [
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::CloudFront::Distribution',
  'AWS::Logs::LogGroup',
  'AWS::SNS::Topic',
  'AWS::KMS::Key',
  'AWS::DynamoDB::Table',
  'AWS::CloudTrail::Trail',
];

/** Properties that name a resource: changing one replaces it too. */
const NAME_PROPERTIES = ['BucketName', 'QueueName', 'LogGroupName', 'TopicName', 'TableName', 'TrailName'];

type Pinned = Record<string, Record<string, { type: string; name?: unknown }>>;

function statefulResources(template: Template): Pinned[string] {
  const out: Pinned[string] = {};
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;
  for (const [id, resource] of Object.entries(resources).sort(([a], [b]) => a.localeCompare(b))) {
    if (!STATEFUL_TYPES.includes(resource.Type)) continue;
    const nameProperty = NAME_PROPERTIES.find((p) => resource.Properties?.[p] !== undefined);
    out[id] = {
      type: resource.Type,
      ...(nameProperty ? { name: resource.Properties![nameProperty] } : {}),
    };
  }
  return out;
}

const PINNED = JSON.parse(
  readFileSync(new URL('./stateful-resources.json', import.meta.url), 'utf8'),
) as Pinned;

describe('stateful resources keep their logical IDs and names (in-place upgrades)', () => {
  let app: SynthesizedCaRepo;
  beforeAll(async () => {
    app = await synthCaRepo({}, { bundling: false, cfnValidation: false });
  });

  it('pins something in each stack (a test that pins nothing would always pass)', () => {
    expect(Object.keys(PINNED.primary ?? {}).length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(PINNED.replica ?? {}).length).toBeGreaterThanOrEqual(2);
    expect(Object.values(PINNED.primary ?? {}).map((r) => r.type)).toEqual(
      expect.arrayContaining(['AWS::S3::Bucket', 'AWS::SQS::Queue', 'AWS::CloudFront::Distribution']),
    );
  });

  it.each(['primary', 'replica', 'edge'] as const)('%s stack: same stateful resources as pinned', (stack) => {
    const template = stack === 'primary' ? app.primary : stack === 'replica' ? app.replica! : app.edge;
    expect(
      statefulResources(template),
      'a stateful resource would be replaced or removed on upgrade: see the comment at the top of this file',
    ).toEqual(PINNED[stack] ?? {});
  });
});

/**
 * Messaging: SQS queues (retention, encryption) and SNS topics (display name, encryption, and
 * whether their topic policies refuse requests without TLS).
 */
import { asArray, deniesInsecureTransport, refTarget, statementsOf } from '../../template-query.ts';
import type { NodeDrawer } from '../node-drawer.ts';

/** SQS's default message retention: four days. */
const DEFAULT_RETENTION_SECONDS = 345600;

export const sqsQueue: NodeDrawer = {
  service: 'SQS queue',
  draw(resource, box, context) {
    const p = resource.properties;
    const encrypted = p.SqsManagedSseEnabled === true || p.KmsMasterKeyId !== undefined;
    const retention = Number(p.MessageRetentionPeriod ?? DEFAULT_RETENTION_SECONDS) / 86400;
    return {
      ...box,
      kind: 'queue',
      details: [`messages kept ${Math.round(retention * 10) / 10} d`],
      marks: [
        encrypted
          ? `[encrypted] ${p.KmsMasterKeyId !== undefined ? 'SSE-KMS' : 'SSE-SQS'}`
          : '[NOT declared: SSE]',
      ],
      clusterId: context.groupCluster(resource),
    };
  },
};

export const snsTopic: NodeDrawer = {
  service: 'SNS topic',
  draw(resource, box, context) {
    const p = resource.properties;
    const policies = context.assembly
      .ofType('AWS::SNS::TopicPolicy')
      .filter(
        (tp) =>
          tp.stack === resource.stack &&
          asArray(tp.properties.Topics).some((t) => refTarget(t) === resource.logicalId),
      );
    const tlsOnly = deniesInsecureTransport(
      policies.flatMap((tp) => statementsOf(tp.properties.PolicyDocument)),
    );
    return {
      ...box,
      kind: 'topic',
      details: typeof p.DisplayName === 'string' ? [p.DisplayName] : [],
      marks: [
        ...(p.KmsMasterKeyId !== undefined ? ['[encrypted] SSE-KMS'] : []),
        ...(tlsOnly ? ['[TLS only]'] : []),
      ],
      clusterId: context.groupCluster(resource),
    };
  },
};

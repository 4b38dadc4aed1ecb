/**
 * Audit-grade infrastructure: the WAF web ACL in front of the distribution (drawn at the edge, its
 * rules with their actions), the CloudTrail trail and the IAM Roles Anywhere parts the uploader
 * authenticates against (plain boxes in their concern's cluster).
 */
import { asArray, isRecord } from '../../template-query.ts';
import type { NodeDrawer } from '../node-drawer.ts';

export const wafWebAcl: NodeDrawer = {
  service: 'WAF web ACL',
  draw: (resource, box) => ({
    ...box,
    kind: 'resource',
    details: asArray(resource.properties.Rules as Record<string, unknown>[])
      .filter(isRecord)
      .map(
        (rule) =>
          `${String(rule.Name)}: ${isRecord(rule.Action) ? Object.keys(rule.Action).join('') : 'count (group)'}`,
      ),
    marks: ['[count + label, never block]'],
    clusterId: 'edge',
  }),
};

/**
 * An IAM role is drawn only when something outside AWS assumes it (the on-prem uploader's role), with
 * what it may do; execution roles of functions and services are configuration of those boxes.
 */
import { actionsOf, asArray, objectPattern, roleStatements } from '../../template-query.ts';
import { shorten, type NodeDrawer } from '../node-drawer.ts';

export const iamRole: NodeDrawer = {
  service: 'IAM role',
  draw(resource, box, context) {
    if (!context.externalRoles.has(resource.key)) {
      return { folded: 'execution roles of drawn functions and services' };
    }
    const actions = roleStatements(context.assembly, resource)
      .filter((s) => s.Effect === 'Allow')
      .map(
        (s) =>
          `${actionsOf(s).join(', ')} ${asArray(s.Resource)
            .map((r) => objectPattern(r) ?? '')
            .join(', ')}`,
      );
    return {
      ...box,
      kind: 'role',
      details: actions.map((a) => shorten(a, 48)),
      marks: [],
      clusterId: context.groupCluster(resource),
    };
  },
};

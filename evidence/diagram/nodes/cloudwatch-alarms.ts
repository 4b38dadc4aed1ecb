/**
 * CloudWatch alarms are gathered into one box per cluster ("Alarms ×5"), one line per alarm: a
 * construct typically has several and a box each would crowd the drawing.
 */
import { dotId, type DiagramNode } from '../model.ts';
import type { NodeDrawer } from '../node-drawer.ts';

export const cloudWatchAlarms: NodeDrawer = {
  draw(resource, box, context) {
    const clusterId = context.groupCluster(resource);
    const id = dotId(`alarms_${clusterId}`);
    const group: DiagramNode = context.node(id) ?? {
      id,
      kind: 'alarms',
      title: 'Alarms',
      service: 'CloudWatch alarms',
      details: [],
      marks: [],
      logicalIds: [],
      clusterId,
    };
    group.details.push(box.title.replace(/Alarm$/, ''));
    group.logicalIds.push(resource.logicalId);
    group.title = `Alarms ×${group.logicalIds.length}`;
    return group;
  },
};

/** An EventBridge rule or schedule: its schedule expression, or that it matches an event pattern. */
import type { NodeDrawer } from '../node-drawer.ts';

export function schedule(service: string): NodeDrawer {
  return {
    service,
    draw(resource, box, context) {
      const p = resource.properties;
      return {
        ...box,
        kind: 'schedule',
        details:
          typeof p.ScheduleExpression === 'string'
            ? [p.ScheduleExpression]
            : p.EventPattern
              ? ['event pattern']
              : [],
        clusterId: context.groupCluster(resource),
      };
    },
  };
}

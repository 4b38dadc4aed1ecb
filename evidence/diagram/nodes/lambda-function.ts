/**
 * A Lambda function: runtime, memory, timeout, the pinned-certificate layer, side grants that would
 * be long arrows (cache invalidation, reads of another stack's bucket) and its log group. A function
 * a distribution runs at the edge is drawn in its Lambda@Edge stack inside the edge network.
 */
import { layerKeysOf } from '../../app-topology.ts';
import type { AssemblyResource, CloudAssembly } from '../../cloud-assembly.ts';
import {
  asArray,
  bucketReferenced,
  grantsAny,
  isCdkHelper,
  isRecord,
  objectPattern,
  referencedLogicalIds,
  refTarget,
  roleOfFunction,
  roleStatements,
} from '../../template-query.ts';
import { shorten, type NodeDrawer } from '../node-drawer.ts';

function functionDetails(
  assembly: CloudAssembly,
  fn: AssemblyResource,
  trustLayers: ReadonlySet<string>,
): string[] {
  const p = fn.properties;
  const details = [
    `${String(p.Runtime ?? '?')} · ${String(p.MemorySize ?? 128)} MB · ${String(p.Timeout ?? 3)} s`,
  ];
  const description = typeof p.Description === 'string' ? p.Description.replace(/^ca-repo /, '') : '';
  if (description) details.unshift(shorten(description, 52));
  for (const layer of layerKeysOf(fn)) {
    if (trustLayers.has(layer)) details.push('layer: pinned CA certificates');
  }
  // Side grants that would be long arrows across the drawing are listed on the box instead.
  const role = roleOfFunction(assembly, fn);
  for (const statement of role ? roleStatements(assembly, role) : []) {
    if (grantsAny(statement, ['cloudfront:CreateInvalidation']))
      details.push('may invalidate the CloudFront cache');
    if (!grantsAny(statement, ['s3:GetObject']) || grantsAny(statement, ['s3:PutObject'])) continue;
    const buckets = asArray(statement.Resource)
      .map((r) => ({ bucket: bucketReferenced(assembly, fn.stack, r), pattern: objectPattern(r) }))
      .filter((b) => b.bucket && !isCdkHelper(b.bucket));
    if (buckets.length > 0 && role?.stack !== buckets[0]!.bucket!.stack) {
      details.push(
        `reads ${buckets[0]!.pattern ?? '*'} of ${buckets.map((b) => b.bucket!.logicalId.replace(/[0-9A-F]{8}$/, '')).join(', ')}`,
      );
    }
  }
  const logging = isRecord(p.LoggingConfig) ? refTarget(p.LoggingConfig.LogGroup) : undefined;
  const logGroup =
    (logging && assembly.find(fn.stack, logging)) ??
    assembly
      .ofType('AWS::Logs::LogGroup')
      .find((g) => g.stack === fn.stack && referencedLogicalIds(g.properties.LogGroupName).has(fn.logicalId));
  if (logGroup) {
    const retention = logGroup.properties.RetentionInDays;
    details.push(`logs: ${retention === undefined ? 'kept' : `${String(retention)} d`} [encrypted]`);
  }
  return details;
}

export const lambdaFunction: NodeDrawer = {
  service: 'Lambda function',
  draw(resource, box, context) {
    const edge = context.lambdaEdgeFunctions.has(resource.key);
    return {
      ...box,
      service: edge ? 'Lambda@Edge function' : box.service,
      kind: edge ? 'edge-function' : 'function',
      details: functionDetails(context.assembly, resource, context.trustLayers),
      clusterId: edge ? context.edgeStackCluster(resource) : context.groupCluster(resource),
    };
  },
};

/**
 * The seam between the diagram and the CloudFormation types it knows: one drawer per kind of box
 * (nodes/), registered by type in nodes/index.ts, as cdk-nag keeps one rule per file. A drawer turns
 * one template resource into a box, or says which drawn box it is folded into; the arrows between
 * boxes come from wiring.ts.
 */
import type { AssemblyResource, CloudAssembly } from '../cloud-assembly.ts';
import type { DiagramNode, NodeKind } from './model.ts';

/** What a drawer may ask about the app around the resource it draws. */
export interface DrawContext {
  readonly assembly: CloudAssembly;
  /** Keys (`stack/LogicalId`) of the buckets a distribution reads. */
  readonly originBuckets: ReadonlySet<string>;
  /** Keys of the functions a distribution runs as Lambda@Edge. */
  readonly lambdaEdgeFunctions: ReadonlySet<string>;
  /** Keys of the Lambda layers that carry the pinned CA certificates. */
  readonly trustLayers: ReadonlySet<string>;
  /** Keys of the roles assumed from outside AWS (the on-prem uploader's). */
  readonly externalRoles: ReadonlySet<string>;
  /** The cluster of the resource's concern inside its Region. */
  groupCluster(resource: AssemblyResource): string;
  /** The Lambda@Edge cluster of the resource's stack, inside the edge network. */
  edgeStackCluster(resource: AssemblyResource): string;
  /** A box drawn already (a box that gathers several resources grows with each). */
  node(id: string): DiagramNode | undefined;
}

/** Every box starts as the resource's ID, display name, service line and logical ID. */
export type BoxStart = Omit<DiagramNode, 'kind' | 'clusterId'>;

/** Not drawn: counted under its type, with the drawn box it belongs to. */
export interface Folded {
  folded: string;
}

export interface NodeDrawer {
  /** The service line of the box ("S3 bucket"); the CloudFormation type when absent. */
  readonly service?: string;
  draw(resource: AssemblyResource, box: BoxStart, context: DrawContext): DiagramNode | Folded;
}

/** Configuration of a drawn box rather than a thing of its own: counted, not drawn. */
export function foldedInto(reason: string): NodeDrawer {
  return { draw: () => ({ folded: reason }) };
}

/** A box with nothing but its name, in the cluster of its concern. */
export function plainBox(service?: string, kind: NodeKind = 'resource'): NodeDrawer {
  return {
    ...(service === undefined ? {} : { service }),
    draw: (resource, box, context) => ({ ...box, kind, clusterId: context.groupCluster(resource) }),
  };
}

/** Cuts a detail line to fit the box. */
export function shorten(text: string, max = 44): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

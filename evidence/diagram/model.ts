/**
 * The architecture diagram as data: clusters (Regions, constructs, the edge network, on-premises),
 * boxes and arrows. build-diagram.ts derives it from the cloud assembly; render-dot.ts draws it and
 * the evidence inventory says, for every template resource, which box holds it.
 */
import type { AssemblyResource } from '../cloud-assembly.ts';

export type NodeKind =
  | 'origin-bucket'
  | 'bucket'
  | 'function'
  | 'edge-function'
  | 'cloudfront-function'
  | 'distribution'
  | 'queue'
  | 'topic'
  | 'alarms'
  | 'role'
  | 'schedule'
  | 'dashboard'
  | 'resource'
  | 'on-prem'
  | 'people';

export type ClusterKind = 'on-prem' | 'aws' | 'region' | 'edge' | 'edge-stack' | 'group' | 'internet';

export type EdgeKind =
  | 'upload'
  | 'event'
  | 'data'
  | 'serve'
  | 'origin'
  | 'replication'
  | 'log'
  | 'alarm'
  | 'notify'
  | 'watch'
  | 'control';

export interface DiagramCluster {
  id: string;
  kind: ClusterKind;
  label: string;
  /** Smaller second line (stack, construct path). */
  sublabel?: string;
  parentId?: string;
}

export interface DiagramNode {
  id: string;
  kind: NodeKind;
  /** The resource's name in the app (construct ID), or the role of an on-prem box. */
  title: string;
  /** AWS service and resource kind, e.g. "S3 bucket". */
  service: string;
  details: string[];
  /** Encryption and access marks, e.g. "[encrypted] SSE-S3", "[TLS only]". */
  marks: string[];
  /** Template logical IDs drawn in small text, so a node can be matched to its template. */
  logicalIds: string[];
  clusterId: string;
  /** An origin bucket: drawn across the Availability Zones of its Region. */
  availabilityZones?: { region: string; storageClass: string };
}

export interface DiagramEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label: string;
  /** Protected in transit (TLS, SigV4 over TLS) or at rest. */
  encrypted?: boolean;
  /** The arrow points against the drawing order (a request drawn along the data flow). */
  reverse?: boolean;
  /** False: the arrow does not push its head to the right of its tail (side links such as logs). */
  ranks?: boolean;
}

export interface OmittedResources {
  type: string;
  reason: string;
  logicalIds: string[];
}

export interface DiagramModel {
  title: string;
  subtitle: string;
  clusters: DiagramCluster[];
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  omitted: OmittedResources[];
  regions: string[];
}

export interface DiagramOptions {
  /** The Lambda layers that carry the pinned CA certificates (named in the functions' details). */
  trustLayers?: readonly AssemblyResource[];
  title?: string;
}

/** The boxes that are in no template: the on-premises side and the people. */
export const ON_PREM = {
  cluster: 'onprem',
  hsm: 'onprem_hsm',
  ca: 'onprem_ca',
  uploader: 'onprem_uploader',
} as const;
export const PEOPLE = {
  cluster: 'internet',
  relyingParties: 'relying_parties',
  operatorsCluster: 'operations',
  operators: 'operators',
} as const;

/** A Graphviz-safe identifier. */
export function dotId(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, '_');
}

/** The ID of the box a template resource gets when it is drawn on its own. */
export function nodeIdOf(resource: AssemblyResource): string {
  return dotId(`n_${resource.stack.artifactId}_${resource.logicalId}`);
}

/** The alarms box that holds an alarm: alarms are drawn one box per cluster, not one each. */
export function alarmsBoxHolding(nodes: Iterable<DiagramNode>, logicalId: string): DiagramNode | undefined {
  for (const node of nodes) if (node.kind === 'alarms' && node.logicalIds.includes(logicalId)) return node;
  return undefined;
}

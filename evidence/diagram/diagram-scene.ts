/**
 * The diagram while it is being drawn: clusters, boxes and arrows in the order they were added (the
 * order the DOT file lists them in), the resources counted instead of drawn, and the clusters of
 * Regions, Lambda@Edge stacks and concerns, each made the first time a box needs it.
 */
import { servingStack } from '../app-topology.ts';
import type { AssemblyResource, CloudAssembly, StackArtifact } from '../cloud-assembly.ts';
import {
  dotId,
  type DiagramCluster,
  type DiagramEdge,
  type DiagramModel,
  type DiagramNode,
  type OmittedResources,
} from './model.ts';

/** The fixed clusters of the AWS side: the account and CloudFront's edge network. */
export const AWS_CLUSTERS = { account: 'aws', edge: 'edge' } as const;

function regionClusterId(region: string): string {
  return dotId(`region_${region}`);
}

export class DiagramScene {
  readonly clusters = new Map<string, DiagramCluster>();
  readonly nodes = new Map<string, DiagramNode>();
  readonly edges: DiagramEdge[] = [];
  /** The stack that serves the repository: its Region is the primary one. */
  readonly serving: StackArtifact;
  private readonly omitted = new Map<string, OmittedResources>();
  private readonly replicaRegions: ReadonlySet<string>;

  constructor(
    readonly assembly: CloudAssembly,
    origins: readonly AssemblyResource[],
  ) {
    this.serving = servingStack(assembly);
    this.replicaRegions = new Set(
      origins.filter((b) => b.stack.region !== this.serving.region).map((b) => b.stack.region),
    );
  }

  addCluster(cluster: DiagramCluster): void {
    this.clusters.set(cluster.id, cluster);
  }

  /** Adds a box, or puts a box already added (a group that grew) back in its place. */
  addNode(node: DiagramNode): void {
    this.nodes.set(node.id, node);
  }

  /** Adds an arrow between two drawn boxes; a second arrow of the same kind adds its label to the first. */
  addEdge(edge: DiagramEdge): void {
    if (!this.nodes.has(edge.from) || !this.nodes.has(edge.to)) return;
    const same = this.edges.find((e) => e.from === edge.from && e.to === edge.to && e.kind === edge.kind);
    if (same) {
      if (!same.label.includes(edge.label)) same.label = `${same.label}; ${edge.label}`;
      return;
    }
    this.edges.push(edge);
  }

  /** Counts a resource that is not drawn; the first reason given for its type is the type's reason. */
  omit(resource: AssemblyResource, reason: string): void {
    const entry = this.omitted.get(resource.type) ?? { type: resource.type, reason, logicalIds: [] };
    entry.logicalIds.push(resource.logicalId);
    this.omitted.set(resource.type, entry);
  }

  regionCluster(region: string): string {
    const id = regionClusterId(region);
    if (!this.clusters.has(id)) {
      const role =
        region === this.serving.region ? 'primary' : this.replicaRegions.has(region) ? 'replica' : '';
      const stacks = this.assembly.stacks.filter((s) => s.region === region).map((s) => s.stackName);
      this.addCluster({
        id,
        kind: 'region',
        label: `AWS Region ${region}${role ? ` (${role})` : ''}`,
        sublabel: `stack ${stacks.join(', ')}`,
        parentId: AWS_CLUSTERS.account,
      });
    }
    return id;
  }

  /** The us-east-1 stack a Lambda@Edge function is deployed from, drawn inside the edge network. */
  edgeStackCluster(resource: AssemblyResource): string {
    const id = dotId(`edgestack_${resource.stack.artifactId}`);
    if (!this.clusters.has(id)) {
      this.addCluster({
        id,
        kind: 'edge-stack',
        label: 'Lambda@Edge',
        sublabel: `stack ${resource.stack.stackName}, deployed in ${resource.stack.region}`,
        parentId: AWS_CLUSTERS.edge,
      });
    }
    return id;
  }

  /** The cluster of the resource's concern inside its Region (the Region itself when it has none). */
  groupCluster(resource: AssemblyResource, concern: readonly string[]): string {
    const parent = this.regionCluster(resource.stack.region);
    if (concern.length === 0) return parent;
    const id = dotId(`group_${resource.stack.artifactId}_${concern.join('_')}`);
    if (!this.clusters.has(id)) {
      this.addCluster({
        id,
        kind: 'group',
        label: concern.at(-1)!,
        sublabel: `${resource.stack.artifactId}/${concern.join('/')}`,
        parentId: parent,
      });
    }
    return id;
  }

  /** The finished model: only the clusters that hold a box, omissions sorted by type. */
  model(title: string, subtitle: string): DiagramModel {
    const usedClusters = new Set<string>();
    for (const node of this.nodes.values()) {
      for (let id: string | undefined = node.clusterId; id; id = this.clusters.get(id)?.parentId)
        usedClusters.add(id);
    }
    const regions = [...new Set(this.assembly.stacks.map((s) => s.region))];
    return {
      title,
      subtitle,
      clusters: [...this.clusters.values()].filter((c) => usedClusters.has(c.id)),
      nodes: [...this.nodes.values()],
      edges: this.edges,
      omitted: [...this.omitted.values()].sort((a, b) => a.type.localeCompare(b.type)),
      regions: regions.filter((r) => usedClusters.has(regionClusterId(r))),
    };
  }
}

/**
 * The architecture diagram, derived from the cloud assembly: every resource an investigator would
 * ask about becomes a box in the cluster of its Region and construct (drawn as nodes/index.ts says
 * for its type), and the arrows come from what the templates wire together (wiring.ts). Plumbing
 * (policies, permissions, versions, CDK's own custom-resource handlers) is counted instead of drawn,
 * so nothing is silently missing. Only the on-premises side and the people are fixed: they are not
 * in any template.
 */
import { externallyAssumedRoles, lambdaEdgeFunctions, originBuckets } from '../app-topology.ts';
import type { CloudAssembly } from '../cloud-assembly.ts';
import { isCdkHelper } from '../template-query.ts';
import { concernOf, displayName } from './concerns.ts';
import { AWS_CLUSTERS, DiagramScene } from './diagram-scene.ts';
import { drawOnPremises, drawOperators, drawRelyingParties, wireOnPremises } from './fixed-parts.ts';
import { nodeIdOf, type DiagramModel, type DiagramOptions } from './model.ts';
import type { DrawContext } from './node-drawer.ts';
import { nodeDrawerFor } from './nodes/index.ts';
import { wireTemplates } from './wiring.ts';

export function buildDiagramModel(assembly: CloudAssembly, options: DiagramOptions = {}): DiagramModel {
  const origins = originBuckets(assembly);
  const scene = new DiagramScene(assembly, origins);
  const keys = (resources: readonly { key: string }[]) => new Set(resources.map((r) => r.key));
  const context: DrawContext = {
    assembly,
    originBuckets: keys(origins),
    lambdaEdgeFunctions: keys(lambdaEdgeFunctions(assembly)),
    trustLayers: keys(options.trustLayers ?? []),
    externalRoles: keys(externallyAssumedRoles(assembly)),
    groupCluster: (resource) => scene.groupCluster(resource, concernOf(assembly, resource)),
    edgeStackCluster: (resource) => scene.edgeStackCluster(resource),
    node: (id) => scene.nodes.get(id),
  };

  drawOnPremises(scene);
  drawRelyingParties(scene);
  scene.addCluster({
    id: AWS_CLUSTERS.account,
    kind: 'aws',
    label: `AWS account ${scene.serving.account}`,
  });
  scene.addCluster({
    id: AWS_CLUSTERS.edge,
    kind: 'edge',
    label: 'CloudFront (global edge network)',
    sublabel: 'edge locations incl. Japan; caches, functions',
    parentId: AWS_CLUSTERS.account,
  });

  for (const resource of assembly.resources()) {
    if (isCdkHelper(resource)) {
      scene.omit(resource, 'CDK deployment helpers (custom-resource handlers)');
      continue;
    }
    const drawer = nodeDrawerFor(resource.type);
    const drawn = drawer.draw(
      resource,
      {
        id: nodeIdOf(resource),
        title: displayName(resource, concernOf(assembly, resource)),
        service: drawer.service ?? resource.type,
        details: [],
        marks: [],
        logicalIds: [resource.logicalId],
      },
      context,
    );
    if ('folded' in drawn) scene.omit(resource, drawn.folded);
    else scene.addNode(drawn);
  }

  wireOnPremises(scene);
  wireTemplates(scene);
  drawOperators(scene);

  return scene.model(
    options.title ?? `${scene.serving.stackName}: architecture as synthesized`,
    `Generated from the cloud assembly (${assembly.stacks.length} stacks, ${assembly.resources().length} resources); every AWS box is a template resource with its logical ID.`,
  );
}

/**
 * Where a resource sits in the app and what its box is called, from the construct tree: the concern
 * (the construct of "one construct per concern" that holds it) becomes its cluster, and the rest of
 * its construct path its title.
 */
import { pathInStack } from '../app-topology.ts';
import type { AssemblyResource, CloudAssembly } from '../cloud-assembly.ts';

/** Construct IDs L2 constructs give their main resource: dropped from display names. */
const GENERIC_IDS = new Set([
  'Resource',
  'Default',
  'Bucket',
  'Function',
  'Topic',
  'Role',
  'Distribution',
  'Queue',
  'Table',
]);

function isUserConstruct(assembly: CloudAssembly, path: string, hasMore: boolean): boolean {
  const fqn = assembly.treeNode(path)?.constructInfo?.fqn;
  if (fqn === undefined) return hasMore && assembly.tree === undefined;
  return fqn === 'constructs.Construct' || !fqn.startsWith('aws-cdk-lib.');
}

/**
 * The concern a resource belongs to: the construct of "one construct per concern" that holds it
 * (`CaRepo/Publisher`), found from the construct tree: the outermost plain constructs above the
 * resource, one level inside a composite construct such as `CaRepository`.
 */
export function concernOf(assembly: CloudAssembly, resource: AssemblyResource): string[] {
  const segments = pathInStack(resource).split('/');
  const chain: string[] = [];
  for (let i = 0; i < segments.length - 1; i++) {
    const path = [resource.stack.artifactId, ...segments.slice(0, i + 1)].join('/');
    if (!isUserConstruct(assembly, path, i < segments.length - 1)) break;
    chain.push(segments[i]!);
  }
  if (chain.length === 0) return [];
  const root = assembly.treeNode(`${resource.stack.artifactId}/${chain[0]}`);
  const userChildren = Object.values(root?.children ?? {}).filter((c) => {
    const fqn = c.constructInfo?.fqn ?? '';
    return fqn === 'constructs.Construct' || (!fqn.startsWith('aws-cdk-lib.') && fqn !== '');
  });
  const composite = userChildren.length >= 2;
  return composite && chain.length >= 2 ? chain.slice(0, 2) : chain.slice(0, 1);
}

/** The resource's name inside its concern, without the IDs L2 constructs give their main resource. */
export function displayName(resource: AssemblyResource, concern: readonly string[]): string {
  const segments = pathInStack(resource).split('/').slice(concern.length);
  while (segments.length > 0 && GENERIC_IDS.has(segments.at(-1)!)) segments.pop();
  if (segments.length === 0) return concern.at(-1) ?? resource.logicalId;
  return segments.join(' / ');
}

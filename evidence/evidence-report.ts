/**
 * Everything the evidence documents show, gathered once so the Markdown and HTML renderings say the
 * same thing: the requirement rows, the shell variables their commands use, the pinned CA
 * certificates' fingerprints, the availability summary, and an inventory of every resource.
 */
import type { AvailabilitySummary } from './availability-summary.ts';
import type { CloudAssembly } from './cloud-assembly.ts';
import { alarmsBoxHolding, nodeIdOf, type DiagramModel } from './diagram/model.ts';
import type { ShellVariable } from './investigator-shell.ts';
import type { CaStatus } from './ca-statuses.ts';
import type { PinnedCertificate } from './pinned-certificates.ts';
import type { RevocationRule } from './revocation-rules.ts';
import type { RequirementResult, RequirementStatus } from './requirement.ts';

export interface InventoryEntry {
  stack: string;
  region: string;
  logicalId: string;
  type: string;
  path: string;
  /** Where it is in the diagram: a box of its own, or what it is folded into. */
  diagram: string;
}

export interface EvidenceReport {
  title: string;
  generatedAt: string;
  /** `assembly` when read from a directory; absent when synthesized in-process from `config`. */
  sources: { assembly?: string; config?: string; ledger?: string };
  stacks: {
    name: string;
    account: string;
    region: string;
    templateFile: string;
    resources: number;
    terminationProtection: boolean;
  }[];
  results: RequirementResult[];
  counts: Record<RequirementStatus, number>;
  shellVariables: ShellVariable[];
  certificates: PinnedCertificate[];
  /** Each pinned CA active or retired, with its lint profile and CRL scope (BR §4.9.7). */
  caStatuses: CaStatus[];
  /** The BR and CCADB rules enforced, from the code's lint and deadline tables. */
  revocationRules: RevocationRule[];
  availability?: AvailabilitySummary;
  inventory: InventoryEntry[];
  files: { svg: string; dot: string; html: string; markdown: string };
}

export const STATUS_TEXT: Record<RequirementStatus, string> = {
  met: 'met',
  'not-met': 'not met',
  'not-applicable': 'not applicable',
};

export function buildInventory(assembly: CloudAssembly, diagram: DiagramModel): InventoryEntry[] {
  const drawn = new Map<string, string>();
  for (const node of diagram.nodes) {
    for (const id of node.logicalIds) drawn.set(`${node.id}|${id}`, node.title);
  }
  const omittedReason = new Map<string, string>();
  for (const group of diagram.omitted) {
    for (const id of group.logicalIds) omittedReason.set(`${group.type}|${id}`, group.reason);
  }
  return assembly.resources().map((resource) => {
    const own = drawn.get(`${nodeIdOf(resource)}|${resource.logicalId}`);
    const grouped = alarmsBoxHolding(diagram.nodes, resource.logicalId);
    const diagramText = own
      ? `box "${own}"`
      : grouped
        ? `in box "${grouped.title}"`
        : `not drawn: ${omittedReason.get(`${resource.type}|${resource.logicalId}`) ?? 'configuration'}`;
    return {
      stack: resource.stack.stackName,
      region: resource.stack.region,
      logicalId: resource.logicalId,
      type: resource.type,
      path: resource.cdkPath || '(no construct path)',
      diagram: diagramText,
    };
  });
}

export function countStatuses(results: readonly RequirementResult[]): Record<RequirementStatus, number> {
  const counts: Record<RequirementStatus, number> = { met: 0, 'not-met': 0, 'not-applicable': 0 };
  for (const result of results) counts[result.status]++;
  return counts;
}

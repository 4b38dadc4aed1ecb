/**
 * The investigator pack from a cloud assembly: architecture.dot and architecture.svg, evidence.md
 * and evidence.html. `collectEvidence` computes (tests use it on an edited assembly);
 * `writeEvidencePack` renders and writes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { servingStack } from './app-topology.ts';
import { buildDiagramModel } from './diagram/build-diagram.ts';
import type { DiagramModel } from './diagram/model.ts';
import type { AvailabilitySummary } from './availability-summary.ts';
import type { CloudAssembly } from './cloud-assembly.ts';
import { evaluateRequirements } from './evaluate-requirements.ts';
import { buildInventory, countStatuses, type EvidenceReport } from './evidence-report.ts';
import { InvestigatorShell } from './investigator-shell.ts';
import { readCaStatuses } from './ca-statuses.ts';
import { loadPinnedCertificates } from './pinned-certificates.ts';
import { revocationRules } from './revocation-rules.ts';
import { renderDot } from './render-dot.ts';
import { renderEvidenceHtml } from './render-html.ts';
import { renderEvidenceMarkdown } from './render-markdown.ts';
import { renderSvg } from './render-svg.ts';

export const EVIDENCE_FILES = {
  svg: 'architecture.svg',
  dot: 'architecture.dot',
  html: 'evidence.html',
  markdown: 'evidence.md',
} as const;

export interface CollectOptions {
  /** DER of the configuration's pinned certificates, cross-checked with the assembly's trust layer. */
  configuredCertificates?: readonly Uint8Array[];
  availability?: AvailabilitySummary;
  /** How the sources are named in the documents (relative paths read better than temp dirs). */
  sources: EvidenceReport['sources'];
  generatedAt: Date;
}

export interface CollectedEvidence {
  report: EvidenceReport;
  diagram: DiagramModel;
  dot: string;
}

export async function collectEvidence(
  assembly: CloudAssembly,
  options: CollectOptions,
): Promise<CollectedEvidence> {
  const pinned = await loadPinnedCertificates(assembly, options.configuredCertificates);
  const shell = new InvestigatorShell(assembly);
  const results = evaluateRequirements({ assembly, shell, pinned, availability: options.availability });
  const diagram = buildDiagramModel(assembly, { trustLayers: pinned.layers });
  const serving = servingStack(assembly);
  const report: EvidenceReport = {
    title: `${serving.stackName}: evidence pack for investigators`,
    generatedAt: options.generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    sources: options.sources,
    stacks: assembly.stacks.map((s) => ({
      name: s.stackName,
      account: s.account,
      region: s.region,
      templateFile: s.templateFile,
      resources: Object.keys(s.template.Resources).length,
      terminationProtection: s.terminationProtection,
    })),
    results,
    counts: countStatuses(results),
    shellVariables: shell.definitions(),
    certificates: pinned.certificates,
    caStatuses: readCaStatuses(assembly, pinned).cas,
    revocationRules: revocationRules(),
    ...(options.availability ? { availability: options.availability } : {}),
    inventory: buildInventory(assembly, diagram),
    files: { ...EVIDENCE_FILES },
  };
  return { report, diagram, dot: renderDot(diagram) };
}

export interface WrittenEvidence {
  report: EvidenceReport;
  files: { svg: string; dot: string; html: string; markdown: string };
}

export async function writeEvidencePack(
  assembly: CloudAssembly,
  outDir: string,
  options: CollectOptions,
): Promise<WrittenEvidence> {
  const { report, dot } = await collectEvidence(assembly, options);
  const svg = await renderSvg(dot);
  await mkdir(outDir, { recursive: true });
  const files = {
    svg: join(outDir, EVIDENCE_FILES.svg),
    dot: join(outDir, EVIDENCE_FILES.dot),
    html: join(outDir, EVIDENCE_FILES.html),
    markdown: join(outDir, EVIDENCE_FILES.markdown),
  };
  await writeFile(files.dot, dot);
  await writeFile(files.svg, svg);
  await writeFile(files.markdown, renderEvidenceMarkdown(report));
  await writeFile(files.html, renderEvidenceHtml(report));
  return { report, files };
}

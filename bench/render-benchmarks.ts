/** Writes docs/BENCHMARKS.md from the phases' results, with the cost model's tables. */
import {
  DEFAULT_ASSUMPTIONS,
  PRICE_SOURCES,
  DEFAULT_UNIT_PRICES,
  estimateCosts,
  type CostInputs,
} from '../reporting/cost-model.ts';
import { formatCostLinesMarkdown, formatCostScenariosMarkdown } from '../cli/cost-command.ts';
import { markdownTable, tidyCommand, type PhaseResult } from './bench-context.ts';
import { costSummaryFigure, renderCostAnalysis } from './render-cost-analysis.ts';
import type { ToolStatus } from './bench-tools.ts';

const COST_SCENARIOS: CostInputs[] = [
  { certificates: 10_000, requestsPerMonth: 10_000_000, postShare: 0.5 },
  // Issue 14's goal: ca-repo ≤ the EC2 pair at this size.
  { certificates: 100_000, requestsPerMonth: 50_000_000, postShare: 0.5 },
  { certificates: 100_000, requestsPerMonth: 100_000_000, postShare: 0.5 },
  { certificates: 100_000, requestsPerMonth: 100_000_000, postShare: 0.1 },
  { certificates: 1_000_000, requestsPerMonth: 100_000_000, postShare: 0.5 },
  { certificates: 1_000_000, requestsPerMonth: 1_000_000_000, postShare: 0.5 },
];

export function renderBenchmarks(input: {
  results: PhaseResult[];
  machine: string[];
  durationSeconds: number;
  partial: boolean;
  tools: ToolStatus;
}): string {
  const { results } = input;
  const figures = [
    ...results.flatMap((r) => r.figures),
    costSummaryFigure(estimateCosts(COST_SCENARIOS[1]!)),
  ];
  const failures = [...new Set(results.flatMap((r) => r.failures.map((f) => `- ${r.title}: ${f}`)))];
  const summary = markdownTable(
    ['figure', 'ca-repo', 'reference (same run, same machine)', 'ratio', 'command'],
    figures.map((f) => [
      f.name,
      f.value,
      f.reference,
      f.ratio,
      f.commands.map((c) => `\`${tidyCommand(c)}\``).join('<br>'),
    ]),
  );
  return `# Benchmarks

${input.partial ? '> **Partial or quick run: not the recorded figures.**\n\n' : ''}Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}; the run took
${(input.durationSeconds / 60).toFixed(1)} minutes. Every figure is a ratio against a reference measured in the same run on this
machine; each names the command that produced it. Servers listen on 127.0.0.1 only, loads are bounded in time or
count, and the load generators (wrk, ab) run as separate processes.

Machine: ${input.machine.map((m) => `\n- ${m}`).join('')}
${input.tools.notes.length > 0 ? `\nTool notes:\n${input.tools.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}
## Summary

${summary}

${failures.length > 0 ? `## Failed checks\n\n${failures.join('\n')}\n\n` : 'Every check of the run passed (answers verified before loading, zero load errors, no fuzz violation).\n\n'}${results
    .map((r) => `## ${r.title}\n\n${r.markdown}\n`)
    .join('\n')}
${renderCostSection()}`;
}

/** The cost model section of docs/BENCHMARKS.md: pure, so it can be rendered without a bench run. */
export function renderCostSection(): string {
  const costs = COST_SCENARIOS.map((scenario) => estimateCosts(scenario));
  const detailed = costs[1]!;
  const assumptions = Object.entries(DEFAULT_ASSUMPTIONS)
    .map(([name, value]) => `\`${name}\` = ${String(value)}`)
    .join(', ');
  const sources = Object.entries(PRICE_SOURCES)
    .map(
      ([name, source]) =>
        `| \`${name}\` | ${DEFAULT_UNIT_PRICES[name as keyof typeof PRICE_SOURCES]} | ${source} |`,
    )
    .join('\n');

  return `## Cost model

\`ca-repo cost --certs N --requests-per-month M [--post-share X] [--price-file F]\` (reporting/cost-model.ts,
cli/cost-command.ts). Monthly USD with the always-free tiers applied, Tokyo primary and Osaka replica. Totals:

${formatCostScenariosMarkdown(costs)}

Line items for ${detailed.inputs.certificates.toLocaleString('en-US')} certificates and ${detailed.inputs.requestsPerMonth.toLocaleString('en-US')} requests a month
(\`ca-repo cost --certs ${detailed.inputs.certificates} --requests-per-month ${detailed.inputs.requestsPerMonth}\`):

${formatCostLinesMarkdown(detailed)}

${detailed.options.flatMap((o) => o.notes.map((n) => `- ${o.name}: ${n}`)).join('\n')}

Reading the table: ca-repo's cost is CloudFront requests plus Lambda@Edge, which runs (origin-request only, on the
OCSP behaviour) for every POST and for every GET that misses the edge cache. The CDN keeps an OCSP answer until that
response's BR §4.9.10 refresh deadline (\`s-maxage\`; relying parties still get \`max-age\` ≤ 3,600 s), so a GET misses
about once per refresh per edge cache (the model's \`expectedGetMisses\`); a POST always runs the function. The web ACL
of the abuse limits inspects every request; the EC2 pair is priced without one, so the last column compares like with
like. At 10,000 certificates and 10 M requests ca-repo is the cheapest option; at 100,000 certificates and 50 M
requests half of them POST, the EC2 pair costs less in dollars, but it is two servers to patch and operate in one
Region, with no edge cache and no second Region. AWS Private CA charges per certificate queried and needs the CA itself
(and its key) in AWS, which the study group's use case A does not call for.

${renderCostAnalysis(costs[1]!)}

Assumptions (override in the price file's \`assumptions\`): ${assumptions}.

| unit price | USD | source |
| --- | --- | --- |
${sources}
`;
}

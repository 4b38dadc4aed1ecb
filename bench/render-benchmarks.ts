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
  const figures = results.flatMap((r) => r.figures);
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
OCSP behaviour) for every POST and for every GET that misses the edge cache; with many certificates each asked for
rarely, most GETs miss (the model's \`expectedGetMisses\`). A GET miss is one invocation that reads the store itself
(no origin-response function on the OCSP behaviour), so it costs about what a POST costs. The web ACL of the abuse
limits inspects every request; the EC2 pair is priced without one, so the last column compares like with like. At
10,000 certificates and 10 M requests ca-repo is the cheapest option; at 100,000 certificates and 50 M requests or
more the EC2 pair costs less in dollars, with or without the web ACL, but it is two servers to patch and operate in
one Region, with no edge cache and no second Region. AWS Private CA charges per certificate queried and needs the CA itself (and its key)
in AWS, which the study group's use case A does not call for.

${goalSentence(costs[1]!)}

Assumptions (override in the price file's \`assumptions\`): ${assumptions}.

| unit price | USD | source |
| --- | --- | --- |
${sources}
`;
}

/** Issue 14 item 5: ca-repo at most the EC2 pair at 100,000 certificates and 50 M requests. */
function goalSentence(estimate: ReturnType<typeof estimateCosts>): string {
  const [ours, , ec2] = estimate.options;
  if (!ours || !ec2) return '';
  const withoutWaf = ours.variants?.[0]?.totalUsd ?? ours.totalUsd;
  const met = (usd: number) => (usd <= ec2.totalUsd ? 'met' : 'not met');
  const money = (usd: number) => `$${usd.toFixed(2)}`;
  return `Goal ca-repo ≤ the EC2 pair at ${estimate.inputs.certificates.toLocaleString('en-US')} certificates and ${estimate.inputs.requestsPerMonth.toLocaleString('en-US')} requests: ${money(ours.totalUsd)} with the web ACL (${(ours.totalUsd / ec2.totalUsd).toFixed(2)}×, ${met(ours.totalUsd)}), ${money(withoutWaf)} without it (${(withoutWaf / ec2.totalUsd).toFixed(2)}×, ${met(withoutWaf)}) against ${money(ec2.totalUsd)}. Removing origin-response from the OCSP behaviour took one Lambda@Edge invocation off every GET miss; what remains is CloudFront's per-request price, one origin-request invocation per POST and per GET miss (most GETs miss at max-age 3,600 s with rarely asked certificates) and the S3 read behind each.`;
}

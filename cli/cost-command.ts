/**
 * `ca-repo cost --certs N --requests-per-month M [--post-share X] [--price-file F]`: the monthly
 * AWS cost of serving OCSP with ca-repo, beside AWS Private CA and a pair of EC2 responders
 * (reporting/cost-model.ts holds the model, its unit prices and their sources).
 */
import { readFile } from 'node:fs/promises';
import { CostModelError, applyOverrides, estimateCosts, type CostEstimate } from '../reporting/cost-model.ts';
import { CliError } from '../lambda/core/contract/cli-error.ts';

export interface CostOptions {
  certs: string | undefined;
  requestsPerMonth: string | undefined;
  postShare: string;
  priceFile?: string;
}

function parseCount(flag: string, value: string | undefined): number {
  if (value === undefined) throw new CliError(`cost needs --${flag}`);
  // Accept 1000000, 1_000_000, 1,000,000 and 1e6.
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new CliError(`--${flag} ${value} is not a non-negative number`);
  return n;
}

export async function estimateFromOptions(options: CostOptions): Promise<CostEstimate> {
  const certificates = parseCount('certs', options.certs);
  const requestsPerMonth = parseCount('requests-per-month', options.requestsPerMonth);
  const postShare = Number(options.postShare);
  if (!(postShare >= 0 && postShare <= 1))
    throw new CliError(`--post-share ${options.postShare} must be between 0 and 1`);
  let overrides: unknown;
  if (options.priceFile) {
    let text: string;
    try {
      text = await readFile(options.priceFile, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read --price-file ${options.priceFile}: ${(error as Error).message}`);
    }
    try {
      overrides = JSON.parse(text);
    } catch (error) {
      throw new CliError(`--price-file ${options.priceFile} is not JSON: ${(error as Error).message}`);
    }
  }
  try {
    const { prices, assumptions } = applyOverrides(overrides);
    return estimateCosts({ certificates, requestsPerMonth, postShare }, prices, assumptions);
  } catch (error) {
    if (error instanceof CostModelError) throw new CliError(error.message);
    throw error;
  }
}

export async function runCost(options: CostOptions): Promise<number> {
  process.stdout.write(formatCostText(await estimateFromOptions(options)));
  return 0;
}

export function usd(value: number): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Quantities longer than this (requested - free tier = billable) get a line of their own. */
const INLINE_QUANTITY = 32;

/** A plain-text table per option, then the totals side by side. */
export function formatCostText(estimate: CostEstimate): string {
  const { inputs } = estimate;
  const out: string[] = [
    `Monthly AWS cost for ${inputs.certificates.toLocaleString('en-US')} certificates, ${inputs.requestsPerMonth.toLocaleString('en-US')} OCSP requests/month, ${(inputs.postShare * 100).toFixed(0)} % POST`,
    '',
  ];
  for (const option of estimate.options) {
    out.push(option.name);
    const itemWidth = Math.max(...option.lines.map((l) => l.item.length));
    const inline = (quantity: string) => quantity.length <= INLINE_QUANTITY;
    const quantityWidth = Math.max(
      0,
      ...option.lines.filter((l) => inline(l.quantity)).map((l) => l.quantity.length),
    );
    for (const line of option.lines) {
      // A quantity with its free-tier deduction is too long for the column: it goes below the item.
      const shown = inline(line.quantity) ? line.quantity : '';
      out.push(
        `  ${line.item.padEnd(itemWidth)}  ${shown.padStart(quantityWidth)}  ${usd(line.usd).padStart(12)}`,
      );
      if (!shown) out.push(`      ${line.quantity}`);
    }
    out.push(
      `  ${'total'.padEnd(itemWidth)}  ${''.padStart(quantityWidth)}  ${usd(option.totalUsd).padStart(12)}`,
    );
    for (const note of option.notes) out.push(`  note: ${note}`);
    out.push('');
  }
  out.push('Totals');
  for (const option of estimate.options) {
    out.push(`  ${option.name.padEnd(32)} ${usd(option.totalUsd).padStart(12)}`);
    for (const variant of option.variants ?? []) out.push(`    ${variant.name}: ${usd(variant.totalUsd)}`);
  }
  out.push(
    '',
    'Unit prices, sources and assumptions: reporting/cost-model.ts and cost-prices.ts; override with --price-file.',
    '',
  );
  return out.join('\n');
}

/** Totals of several scenarios as one Markdown table (docs/BENCHMARKS.md). */
export function formatCostScenariosMarkdown(estimates: CostEstimate[]): string {
  const names = estimates[0]?.options.map((o) => o.name) ?? [];
  const header = `| certificates | OCSP requests/month | POST share | ${names.join(' | ')} | ca-repo ÷ Private CA | ca-repo ÷ EC2 | ca-repo without web ACL ÷ EC2 |`;
  const rule = `| ${['---', '---', '---', ...names.map(() => '---'), '---', '---', '---'].join(' | ')} |`;
  const rows = estimates.map((e) => {
    const totals = e.options.map((o) => o.totalUsd);
    const [ours = 0, privateCa = 0, ec2 = 0] = totals;
    // The EC2 pair has no web ACL: the like-for-like figure leaves ca-repo's out too.
    const withoutWaf = e.options[0]?.variants?.[0]?.totalUsd ?? ours;
    return `| ${e.inputs.certificates.toLocaleString('en-US')} | ${e.inputs.requestsPerMonth.toLocaleString('en-US')} | ${(e.inputs.postShare * 100).toFixed(0)} % | ${totals
      .map(usd)
      .join(
        ' | ',
      )} | ${(ours / privateCa).toFixed(3)}× | ${(ours / ec2).toFixed(2)}× | ${(withoutWaf / ec2).toFixed(2)}× |`;
  });
  return [header, rule, ...rows].join('\n');
}

/** One scenario's lines, for the detailed table. */
export function formatCostLinesMarkdown(estimate: CostEstimate): string {
  const rows = estimate.options.flatMap((o) => [
    ...o.lines.map((l) => `| ${o.name} | ${l.item} | ${l.quantity} | ${usd(l.usd)} |`),
    `| ${o.name} | **total** | | **${usd(o.totalUsd)}** |`,
    ...(o.variants ?? []).map((v) => `| ${o.name} | total: ${v.name} | | ${usd(v.totalUsd)} |`),
  ]);
  return ['| option | item | quantity | monthly |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/**
 * `ca-repo report`: verifies the ledger's hash chain from its first record and writes the
 * availability report for a window as report.html (inline SVG charts, no script), report.json (the
 * model) and report.csv (the availability table). Given several ledgers (one per Region's health
 * checker), it reports each in its own directory and sets them side by side.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { verifyLedger, type LedgerLink } from '../lambda/core/health/ledger.ts';
import { buildHealthReport, MixedRepositoriesError, type HealthReport } from '../reporting/report.ts';
import { renderReportCsv } from '../reporting/report-csv.ts';
import { renderReportHtml } from '../reporting/report-html.ts';
import {
  buildRegionsReport,
  regionLabels,
  renderRegionsHtml,
  type RegionColumn,
  type RegionsReport,
} from '../reporting/report-regions.ts';
import { HealthLedger } from '../lambda/services/health/health-ledger.ts';
import type { ObjectStore } from '../lambda/services/ports.ts';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { openLedgerStore } from './health-command.ts';

export interface ReportOptions {
  /** One ledger, or one per Region's health checker (reported side by side). */
  ledger: string[];
  out: string;
  from?: string;
  to?: string;
  slo: string;
  /** `SEQUENCE:SHA256` of a record whose hash was kept elsewhere (the checker's log). */
  anchor?: string;
  crlMarginHours?: string;
  /** Report only the runs against this base URL. */
  repository?: string;
}

export interface WrittenReport {
  report: HealthReport;
  files: { html: string; json: string; csv: string };
}

/** Reads and verifies the whole ledger, then writes the three report files into `outDir`. */
export async function writeHealthReport(options: {
  store: ObjectStore;
  ledgerLocation: string;
  outDir: string;
  sloPercent: number;
  from?: Date;
  to?: Date;
  anchor?: LedgerLink;
  crlMarginHours?: number;
  repository?: string;
  now: Date;
}): Promise<WrittenReport> {
  const entries = await new HealthLedger({ store: options.store }).readEntries();
  const verification = await verifyLedger(entries, { anchor: options.anchor });
  let report: HealthReport;
  try {
    report = buildHealthReport(verification, {
      repository: options.repository,
      from: options.from,
      to: options.to,
      sloPercent: options.sloPercent,
      generatedAt: options.now,
      ledgerLocation: options.ledgerLocation,
      crlMarginHours: options.crlMarginHours,
    });
  } catch (error) {
    if (!(error instanceof MixedRepositoriesError)) throw error;
    const first = error.repositories[0]!.split(' ')[0];
    throw new CliError(
      `${error.message}: report one at a time with --repository URL (e.g. --repository ${first})`,
    );
  }
  await mkdir(options.outDir, { recursive: true });
  const files = {
    html: join(options.outDir, 'report.html'),
    json: join(options.outDir, 'report.json'),
    csv: join(options.outDir, 'report.csv'),
  };
  await writeFile(files.html, renderReportHtml(report));
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files.csv, renderReportCsv(report));
  return { report, files };
}

function parseTime(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new CliError(`--${name} ${value} is not an ISO 8601 time`);
  return time;
}

function parseNumber(name: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= min || number > max) {
    throw new CliError(`--${name} ${value} must be a number above ${min} and at most ${max}`);
  }
  return number;
}

function parseAnchor(value: string | undefined): LedgerLink | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+):([0-9a-f]{64})$/i.exec(value);
  if (!match) throw new CliError(`--anchor ${value}: expected SEQUENCE:SHA256 (64 hex digits)`);
  return { sequence: Number(match[1]), hash: match[2]!.toLowerCase() };
}

function checkLedger(ledger: string): void {
  if (!ledger.startsWith('s3://') && !existsSync(ledger)) {
    throw new CliError(
      `--ledger ${ledger} does not exist: give the directory health --ledger wrote, or s3://BUCKET`,
    );
  }
}

export async function runReport(options: ReportOptions): Promise<number> {
  const ledgers = options.ledger;
  if (ledgers.length === 0) throw new CliError('give at least one --ledger');
  for (const ledger of ledgers) checkLedger(ledger);
  const from = parseTime('from', options.from);
  const to = parseTime('to', options.to);
  if (from && to && from >= to) throw new CliError('--from must be before --to');
  const now = new Date();
  const write = (ledger: string, outDir: string) =>
    writeHealthReport({
      store: openLedgerStore(ledger),
      ledgerLocation: ledger.startsWith('s3://') ? ledger : resolve(ledger),
      outDir,
      sloPercent: parseNumber('slo', options.slo, 0, 100),
      from,
      to,
      anchor: parseAnchor(options.anchor),
      crlMarginHours:
        options.crlMarginHours === undefined
          ? undefined
          : parseNumber('crl-margin-hours', options.crlMarginHours, 0, 24 * 366),
      repository: options.repository,
      now,
    });
  if (ledgers.length === 1) {
    const { report, files } = await write(ledgers[0]!, options.out);
    printSummary(report);
    console.log(
      `report: ${resolve(files.html)}\n        ${resolve(files.json)}\n        ${resolve(files.csv)}`,
    );
    return report.chain.intact ? 0 : 1;
  }
  if (options.anchor !== undefined) {
    throw new CliError('--anchor names a record of one ledger: give a single --ledger with it');
  }
  const { regions, files } = await writeRegionsReport(ledgers, options.out, now, write);
  console.log(`report: ${resolve(files.html)}\n        ${resolve(files.json)}`);
  return regions.chainsIntact ? 0 : 1;
}

function printSummary(report: HealthReport, label?: string): void {
  const { slo, runs, chain, incidents } = report;
  const prefix = label ? `${label}: ` : '';
  console.log(
    `${prefix}availability ${slo.overallPercent} % over ${runs.count} run(s) against SLO ${slo.targetPercent} %: ${slo.met ? 'met' : 'MISSED'}`,
  );
  console.log(`${prefix}incidents: ${incidents.length}`);
  console.log(`${prefix}ledger chain: ${chain.summary}`);
}

/**
 * One ledger per Region: each verified and reported on its own in OUT/<label>/, then set side by
 * side in OUT/report.html and OUT/report.json (reporting/report-regions.ts).
 */
export async function writeRegionsReport(
  ledgers: readonly string[],
  outDir: string,
  now: Date,
  write: (ledger: string, outDir: string) => Promise<WrittenReport>,
): Promise<{ regions: RegionsReport; files: { html: string; json: string } }> {
  // Report each into a scratch name first: the label (its Region) is known once its runs are read.
  const written: WrittenReport[] = [];
  for (const [i, ledger] of ledgers.entries())
    written.push(await write(ledger, join(outDir, `ledger-${i + 1}`)));
  const labels = regionLabels(written.map((w) => w.report));
  const columns: RegionColumn[] = [];
  for (const [i, { report }] of written.entries()) {
    const label = labels[i]!;
    const directory = label.replace(/[^A-Za-z0-9._+#-]/g, '_');
    await rm(join(outDir, directory), { recursive: true, force: true });
    await rename(join(outDir, `ledger-${i + 1}`), join(outDir, directory));
    columns.push({ label, reportPath: `${directory}/report.html`, report });
    printSummary(report, label);
  }
  const regions = buildRegionsReport(columns, now);
  const files = { html: join(outDir, 'report.html'), json: join(outDir, 'report.json') };
  await writeFile(files.html, renderRegionsHtml(columns, now));
  await writeFile(files.json, `${JSON.stringify(regions, null, 2)}\n`);
  return { regions, files };
}

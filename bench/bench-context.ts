/** What every benchmark phase receives, and the shape of what it gives back for the report. */
import * as pkijs from 'pkijs';
import { parseBasicOcspResponse } from '../lambda/core/ocsp/ocsp-response-fields.ts';
import { serialHexOf } from '../lambda/core/pki/x509.ts';
import type { BenchCa } from './bench-pki.ts';
import type { ToolStatus } from './bench-tools.ts';

export interface BenchContext {
  /** Scratch directory for this run (data dirs, configs, bundles); removed at the end. */
  workDir: string;
  tools: ToolStatus;
  /** The EC P-256 bench CA (openssl CLI). */
  ec: BenchCa;
  /** Smaller counts and durations, for trying the bench out; never for recorded figures. */
  quick: boolean;
  /** `--duration SECONDS`: the soak's length instead of its default 10 minutes (for trying it out). */
  durationSeconds?: number;
  log(line: string): void;
}

/** One figure as BENCHMARKS.md prints it: the measurement, its reference, the ratio, the commands. */
export interface Figure {
  name: string;
  value: string;
  reference: string;
  ratio: string;
  commands: string[];
}

export interface PhaseResult {
  title: string;
  /** Markdown: tables and notes, figures with their commands. */
  markdown: string;
  /** One-line figures for the summary table at the top. */
  figures: Figure[];
  /** Problems seen (failed checks, missing tools); any failure makes `npm run bench` exit non-zero. */
  failures: string[];
}

/** Status of the first SingleResponse of an OCSP answer, or the responseStatus when unsuccessful. */
export function describeOcspAnswer(der: Uint8Array): { status: string; serialHex?: string } {
  if (der.length === 5 && der[0] === 0x30 && der[2] === 0x0a) {
    const names = ['successful', 'malformedRequest', 'internalError', 'tryLater', '4', 'sigRequired'];
    return { status: der[4] === 6 ? 'unauthorized' : (names[der[4] ?? 0] ?? String(der[4])) };
  }
  const basic = parseBasicOcspResponse(der);
  const single = basic.tbsResponseData.responses[0] as pkijs.SingleResponse;
  const tag = single.certStatus?.idBlock?.tagNumber;
  return {
    status: tag === 0 ? 'good' : tag === 1 ? 'revoked' : tag === 2 ? 'unknown' : `tag ${tag}`,
    serialHex: serialHexOf(single.certID.serialNumber),
  };
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(numerator: number, denominator: number, digits = 2): string {
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return 'n/a';
  return `${formatNumber(numerator / denominator, digits)}×`;
}

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A command as BENCHMARKS.md shows it: scratch paths by file name, ports and OCSP requests by placeholders. */
export function tidyCommand(command: string): string {
  return command
    .replace(/\/tmp\/ca-repo-bench-[^/\s]+\/(?:[^/\s]+\/)*([^/\s]+)/g, '$1')
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, 'http://127.0.0.1:PORT')
    .replace(/\/(MF[A-Za-z0-9%+/_=-]{40,})/g, '/REQUEST');
}

/**
 * `ca-repo evidence`: the investigator pack (architecture diagram and requirement evidence) from a
 * cloud assembly: an existing `cdk.out` with --assembly, or one synthesized here from the
 * configuration, exactly as `cdk synth` builds it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type CaRepoConfig } from '../lib/config.ts';
import { loadAvailabilitySummary } from './ledger-directory.ts';
import { CloudAssemblyError, readCloudAssembly } from '../evidence/cloud-assembly.ts';
import { STATUS_TEXT } from '../evidence/evidence-report.ts';
import { writeEvidencePack } from '../evidence/generate-evidence.ts';
import { synthesizeAssembly } from '../evidence/synthesize-assembly.ts';
import { CliError } from '../lambda/core/contract/cli-error.ts';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../ca-repo.config.example.json', import.meta.url));

export interface EvidenceOptions {
  /** Configuration file; default the example. With --assembly only its certificates are used. */
  config?: string;
  /** An existing cloud assembly directory (cdk.out). */
  assembly?: string;
  /** A health ledger directory (`ca-repo health --ledger DIR`). */
  ledger?: string;
  out: string;
  /** Availability objective for the ledger summary, percent. */
  slo?: string;
  /** Exit 1 when a requirement is not met. */
  strict?: boolean;
}

/** A path as the documents show it: relative to the working directory when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(path);
}

async function readConfig(file: string): Promise<CaRepoConfig> {
  try {
    return await loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`configuration error: ${error.message}`);
    throw error;
  }
}

function parseSlo(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const slo = Number(value);
  if (!Number.isFinite(slo) || slo <= 0 || slo > 100)
    throw new CliError(`--slo ${value} must be a percentage above 0 and at most 100`);
  return slo;
}

export async function runEvidence(options: EvidenceOptions): Promise<number> {
  const now = new Date();
  const slo = parseSlo(options.slo);
  const configFile = options.config ?? (options.assembly ? undefined : EXAMPLE_CONFIG);
  const config = configFile ? await readConfig(configFile) : undefined;
  let scratch: string | undefined;
  try {
    let assemblyDir = options.assembly;
    if (!assemblyDir) {
      scratch = await mkdtemp(join(tmpdir(), 'ca-repo-evidence-'));
      assemblyDir = synthesizeAssembly(config!, {
        outdir: join(scratch, 'cdk.out'),
        buildDirectory: join(scratch, 'build'),
      });
    }
    const assembly = await readCloudAssembly(assemblyDir);
    const availability = options.ledger
      ? await loadAvailabilitySummary(options.ledger, { now, sloPercent: slo })
      : undefined;
    const { report, files } = await writeEvidencePack(assembly, options.out, {
      configuredCertificates: config?.trustCertificates,
      ...(availability ? { availability } : {}),
      sources: {
        ...(options.assembly ? { assembly: shown(options.assembly) } : {}),
        ...(configFile ? { config: shown(configFile) } : {}),
        ...(options.ledger ? { ledger: shown(options.ledger) } : {}),
      },
      generatedAt: now,
    });
    const width = Math.max(...report.results.map((r) => r.title.length));
    for (const result of report.results) {
      const status = STATUS_TEXT[result.status];
      console.log(
        `${(result.status === 'not-met' ? 'NOT MET' : status).padEnd(14)} ${result.title.padEnd(width)}`,
      );
      if (result.status === 'not-met')
        for (const problem of result.problems) console.log(`${' '.repeat(15)}- ${problem}`);
    }
    const { counts } = report;
    console.log(
      `\n${counts.met} met, ${counts['not-met']} not met, ${counts['not-applicable']} not applicable`,
    );
    console.log(`evidence: ${resolve(files.html)}\n          ${resolve(files.markdown)}`);
    console.log(`diagram:  ${resolve(files.svg)}\n          ${resolve(files.dot)}`);
    return options.strict && counts['not-met'] > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof CloudAssemblyError) throw new CliError(error.message);
    throw error;
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Reads a health ledger kept in a directory (`ca-repo health --ledger DIR`, the demo's data) for
 * the evidence pack's availability row.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { HealthLedger } from '../lambda/services/health/health-ledger.ts';
import { DirectoryObjectStore } from '../lambda/storage/directory-object-store.ts';
import { summarizeAvailability, type AvailabilitySummary } from '../evidence/availability-summary.ts';

export async function loadAvailabilitySummary(
  directory: string,
  options: { now: Date; sloPercent?: number },
): Promise<AvailabilitySummary> {
  const root = resolve(directory);
  if (!existsSync(root)) throw new CliError(`--ledger ${directory} does not exist`);
  const entries = await new HealthLedger({ store: new DirectoryObjectStore(root) }).readEntries();
  if (entries.length === 0) {
    throw new CliError(`--ledger ${directory} holds no ledger records (expected ledger/YYYY/MM/DD/*.json)`);
  }
  return summarizeAvailability(entries, { ...options, ledgerLocation: root });
}

/**
 * The pre-flight on the CA's machine (core/publish/preflight.ts over the bundle directory): run by
 * `ca-repo publish` before anything leaves the machine, and alone by `--dry-run`. It reads the
 * bundle part by part, as the packer will send it, so memory stays bounded for 2,000,000 files
 * and a detached signature is judged with its PDF, as at the gate.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../lambda/core/contract/exit-codes.ts';
import { DEFAULT_POLICY } from '../lambda/core/policy.ts';
import type { TrustStore } from '../lambda/core/pki/trust-store.ts';
import { preflightOutcome, preflightPart, type PreflightVerdict } from '../lambda/core/publish/preflight.ts';
import type { BundlePlan } from './bundle-packer.ts';
import type { KeyMaterialVerdict } from './key-material.ts';

export interface PreflightReport {
  /** One per file of the bundle (links and special files included), sorted by path. */
  verdicts: PreflightVerdict[];
  /** How many pinned CAs signatures were checked against (0: not checked, no --trust). */
  pinnedCas: number;
}

export async function runPreflight(
  bundleDir: string,
  plan: BundlePlan,
  options: { now: Date; trust?: TrustStore },
): Promise<PreflightReport> {
  const verdicts: PreflightVerdict[] = plan.refused.map((r) => ({
    file: r.path,
    outcome: 'rejected',
    reason: r.reason,
  }));
  for (const part of plan.parts) {
    const files = [];
    for (const { path } of part) {
      files.push({ path, bytes: new Uint8Array(await readFile(join(bundleDir, ...path.split('/')))) });
    }
    verdicts.push(
      ...(await preflightPart(files, { now: options.now, policy: DEFAULT_POLICY, trust: options.trust })),
    );
  }
  verdicts.sort((a, b) => a.file.localeCompare(b.file));
  return { verdicts, pinnedCas: options.trust?.cas.length ?? 0 };
}

export function keyMaterialIn(report: PreflightReport): KeyMaterialVerdict[] {
  return report.verdicts.filter((v): v is KeyMaterialVerdict => v.outcome === 'key-material');
}

/** `--dry-run`'s exit code: 3 for key material, 1 for a refusal, else 0. */
export function preflightExitCode(report: PreflightReport): number {
  const outcome = preflightOutcome(report.verdicts);
  return outcome === 'key-material' ? EXIT.keyMaterial : outcome === 'rejected' ? EXIT.rejected : EXIT.ok;
}

/** `--dry-run` as text: one line per file, then the count and what was not checked. */
export function formatPreflight(report: PreflightReport): string {
  const lines = report.verdicts.map((v) =>
    v.outcome === 'ok'
      ? `ok        ${v.file}  ${v.kind}`
      : v.outcome === 'rejected'
        ? `REJECTED  ${v.file}  ${v.reason}`
        : `KEY       ${v.file}  private key material (${v.form}): keys never leave the CA`,
  );
  const count = (outcome: PreflightVerdict['outcome']) =>
    report.verdicts.filter((v) => v.outcome === outcome).length;
  lines.push(
    `pre-flight: ${count('ok')} ok, ${count('rejected')} rejected, ${count('key-material')} holding key material; ${
      report.pinnedCas > 0
        ? `signatures checked against ${report.pinnedCas} pinned CA${report.pinnedCas === 1 ? '' : 's'}`
        : 'signatures not checked (give --trust CA_CERT to check them)'
    }; what is served (CRL numbers, revocations, OCSP thisUpdate order) is checked by the gate; nothing was sent`,
  );
  return `${lines.join('\n')}\n`;
}

/** `--dry-run --json`. */
export function preflightJson(report: PreflightReport): string {
  const pick = <T extends PreflightVerdict['outcome']>(outcome: T) =>
    report.verdicts
      .filter((v): v is Extract<PreflightVerdict, { outcome: T }> => v.outcome === outcome)
      .map(({ outcome: _, ...rest }) => rest);
  return `${JSON.stringify({
    ok: pick('ok'),
    rejected: pick('rejected'),
    keyMaterial: pick('key-material'),
    signaturesChecked: report.pinnedCas > 0,
  })}\n`;
}

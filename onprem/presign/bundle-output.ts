/**
 * Crash-safe output of the pre-signer. A run writes its bundle into a sibling directory
 * (`OUT.partial`) and only then swaps it for `OUT`: rename OUT → OUT.previous, rename OUT.partial →
 * OUT, remove OUT.previous. A run killed at any point leaves OUT as the previous bundle or the
 * complete new one; the one instant between the two renames (OUT missing, OUT.previous present)
 * is undone by the next run before it starts (`recoverOutput`), which then resumes OUT.partial when
 * it was made of the same inputs (resume.ts). The state (`--state DIR`, presign-state.ts) is
 * committed after the swap, so a run killed between the two signs the same responses again.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';

export const PARTIAL_SUFFIX = '.partial';
export const PREVIOUS_SUFFIX = '.previous';

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/**
 * Puts back the previous bundle when a run stopped between its two renames. A partial one is left
 * for the run to resume (resume.ts) or to start afresh (`startPartial`).
 */
export async function recoverOutput(out: string): Promise<void> {
  if (!(await exists(out)) && (await exists(out + PREVIOUS_SUFFIX))) await rename(out + PREVIOUS_SUFFIX, out);
  await rm(out + PREVIOUS_SUFFIX, { recursive: true, force: true });
}

/** A fresh, empty OUT.partial to write the new bundle into. */
export async function startPartial(out: string): Promise<string> {
  const partial = out + PARTIAL_SUFFIX;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  return partial;
}

/** Makes the complete OUT.partial the bundle at OUT (see above). */
export async function commitOutput(out: string): Promise<void> {
  if (await exists(out)) await rename(out, out + PREVIOUS_SUFFIX);
  await rename(out + PARTIAL_SUFFIX, out);
  await rm(out + PREVIOUS_SUFFIX, { recursive: true, force: true });
}

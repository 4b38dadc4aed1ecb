/**
 * Crash-safe output of the pre-signer. A run writes its bundle into a sibling directory
 * (`OUT.partial`) and only then swaps it for `OUT`: rename OUT → OUT.previous, rename OUT.partial →
 * OUT, remove OUT.previous. A run killed at any point leaves OUT as the previous bundle or the
 * complete new one; the one instant between the two renames (OUT missing, OUT.previous present)
 * is undone by the next run before it starts (`recoverOutput`). The state (`--state DIR`) is
 * committed after the swap, so a run killed between the two signs the same responses again.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PARTIAL_SUFFIX = '.partial';
export const PREVIOUS_SUFFIX = '.previous';

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** Puts back the previous bundle when a run stopped between its two renames; drops a partial one. */
export async function recoverOutput(out: string): Promise<void> {
  if (!(await exists(out)) && (await exists(out + PREVIOUS_SUFFIX))) await rename(out + PREVIOUS_SUFFIX, out);
  await rm(out + PREVIOUS_SUFFIX, { recursive: true, force: true });
  await rm(out + PARTIAL_SUFFIX, { recursive: true, force: true });
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

/** What `--state DIR` remembers between runs (state.json, versioned). */
export interface PresignState {
  format: typeof PRESIGN_STATE_FORMAT;
  /** The last cRLNumber written at each bundle path (RFC 5280 §5.2.3: strictly increasing). */
  crls: Record<string, { crlNumber: string; thisUpdate: string }>;
  /** Per serial: the status last signed and when that response must be replaced. */
  responses: Record<string, { status: string; thisUpdate: string; refreshAt: string }>;
}

export const PRESIGN_STATE_FORMAT = 'ca-repo-presign-state/1';
const STATE_FILE = 'state.json';

export async function readState(dir: string): Promise<PresignState> {
  const text = await readFile(join(dir, STATE_FILE), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return { format: PRESIGN_STATE_FORMAT, crls: {}, responses: {} };
  const state = JSON.parse(text) as PresignState;
  if (state.format !== PRESIGN_STATE_FORMAT)
    throw new Error(
      `${join(dir, STATE_FILE)} is ${JSON.stringify(state.format)}, not ${PRESIGN_STATE_FORMAT}`,
    );
  return state;
}

/** Writes the state beside itself and renames it into place: the old or the new one, never half. */
export async function writeState(dir: string, state: PresignState): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `${STATE_FILE}.${randomUUID()}.tmp`);
  await writeFile(temporary, `${JSON.stringify(state)}\n`);
  await rename(temporary, join(dir, STATE_FILE));
}

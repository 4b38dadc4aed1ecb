/**
 * Resuming a killed pre-signer run from the responses it completed in `OUT.partial`, rather than
 * signing them all again.
 *
 * A run writes `OUT.partial/.presign-run.json` before its first response: what it was made of (the
 * CA, the responder and its key's certificate chain, a SHA-256 of the status source's content,
 * the validity, the CRL settings, the state it started from) and its thisUpdate. A later run that
 * finds that file with the same inputs, before the responses already signed are due for refresh
 * (BR §4.9.9), takes the killed run's thisUpdate as its own, keeps every complete response, and
 * signs the rest: the bundle is the one the killed run would have written. Any difference starts
 * over. The file is removed before the bundle is swapped in, so it is never published.
 *
 * A response is complete when its file holds the whole DER SEQUENCE its header announces: a run
 * killed in a write leaves a shorter file, which is removed and signed again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, opendir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResponderIdentity, CaIdentity } from './signing-identity.ts';
import type { StatusSource } from './status-source.ts';

export const RUN_FILE = '.presign-run.json';
const RUN_FORMAT = 'ca-repo-presign-run/1';

/** What a run's responses depend on, besides its thisUpdate. */
export interface RunInputs {
  format: typeof RUN_FORMAT;
  ca: string;
  responder: string;
  source: string;
  validityMs: number;
  crlPath: string;
  crlValidityMs: number;
  certsDir: string | null;
  /** The state generation the run started from (--state), or null. */
  state: string | null;
}

export interface RunRecord extends RunInputs {
  thisUpdate: string;
  refreshAt: string;
}

function sha256(parts: readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(Buffer.from(String(part.byteLength)));
    hash.update(part);
  }
  return hash.digest('hex');
}

/** SHA-256 of the status source's bytes, streamed. */
export async function sourceDigest(source: StatusSource): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream('index' in source ? source.index : source.csv))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function runInputs(input: {
  ca: CaIdentity;
  responder: ResponderIdentity;
  sourceDigest: string;
  validityMs: number;
  crlPath: string;
  crlValidityMs: number;
  certsDir: string | undefined;
  state: string | undefined;
}): RunInputs {
  const { ca, responder } = input;
  return {
    format: RUN_FORMAT,
    ca: sha256([ca.subjectDer, ca.publicKeyBits, ca.signatureAlgorithm]),
    responder: sha256([responder.responderId, responder.signatureAlgorithm, ...responder.certs]),
    source: input.sourceDigest,
    validityMs: input.validityMs,
    crlPath: input.crlPath,
    crlValidityMs: input.crlValidityMs,
    certsDir: input.certsDir ?? null,
    state: input.state ?? null,
  };
}

function sameInputs(a: RunInputs, b: RunInputs): boolean {
  return (Object.keys(b) as (keyof RunInputs)[]).every((key) => a[key] === b[key]);
}

/**
 * The killed run this one may resume in `partial`: same inputs, and its responses not yet due
 * for refresh at `now`. Undefined otherwise (the caller starts over).
 */
export async function resumableRun(
  partial: string,
  inputs: RunInputs,
  now: Date,
): Promise<RunRecord | undefined> {
  const text = await readFile(join(partial, RUN_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let run: RunRecord;
  try {
    run = JSON.parse(text) as RunRecord;
  } catch {
    return undefined;
  }
  if (!sameInputs(run, inputs)) return undefined;
  const thisUpdate = new Date(run.thisUpdate);
  if (!(thisUpdate <= now && now < new Date(run.refreshAt))) return undefined;
  return run;
}

export async function writeRunRecord(partial: string, run: RunRecord): Promise<void> {
  await writeFile(join(partial, RUN_FILE), `${JSON.stringify(run)}\n`);
}

export async function removeRunRecord(partial: string): Promise<void> {
  await rm(join(partial, RUN_FILE), { force: true });
}

/** Whether a file holds one whole DER SEQUENCE (definite length, X.690 §8.1.3), nothing cut off. */
async function isWholeDer(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    if (bytesRead < 2 || head[0] !== 0x30) return false;
    const first = head[1] as number;
    if (first < 0x80) return size === 2 + first;
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4 || bytesRead < 2 + octets) return false;
    let length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (head[2 + i] as number);
    return size === 2 + octets + length;
  } finally {
    await handle.close();
  }
}

/**
 * Readies a killed run's partial bundle for resuming: keeps its whole responses (in `ocspDir`)
 * and the run record, removes the rest (cut-off responses, CRLs, evidence: signed again).
 * Answers how many responses it kept.
 */
export async function keepCompleteResponses(partial: string, ocspDir: string): Promise<number> {
  for (const name of await readdir(partial))
    if (name !== ocspDir && name !== RUN_FILE)
      await rm(join(partial, name), { recursive: true, force: true });
  let kept = 0;
  const dir = join(partial, ocspDir);
  // Streamed: a million names are not held at once.
  const entries = await opendir(dir).catch(() => undefined);
  for await (const entry of entries ?? []) {
    const path = join(dir, entry.name);
    if (entry.isFile() && (await isWholeDer(path))) kept++;
    else await rm(path, { recursive: true, force: true });
  }
  return kept;
}

/** Which of `names` a resumed run already holds complete in `dir`. */
export async function alreadyWritten(dir: string, names: readonly string[]): Promise<boolean[]> {
  return Promise.all(
    names.map((name) =>
      stat(join(dir, name)).then(
        () => true,
        () => false,
      ),
    ),
  );
}

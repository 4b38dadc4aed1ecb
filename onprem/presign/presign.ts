/**
 * `ca-repo presign`: every OCSP response and CRL a CA's repository serves, signed on the CA's
 * machine into a bundle for `ca-repo publish`.
 *
 * - One response per certificate the status source lists, with a SHA-1 and a SHA-256 CertID (RFC
 *   9919 §2.2), no nonce, good or revoked (time, and reason unless unspecified); validity and
 *   refresh as CA/B Forum BR §4.9.9-§4.9.10 set them (presign-schedule.ts). A serial the source
 *   does not list gets no response at all, never "good" (BR §4.9.9); an expired certificate that
 *   was not revoked gets none either (its last response ages out at the repository).
 * - The full CRL at `crlPath` (and, with `certsDir`, one partition per CRL Distribution Point URL,
 *   partition-crls.ts); every revoked certificate stays listed until it has expired and appeared
 *   on a CRL issued after its notAfter, then leaves with its certificate beside the CRL as the
 *   gate's evidence (expired-entries.ts; RFC 5280 §3.3, BR §4.10.1).
 * - cRLNumber: with `stateDir`, one more than the last one written and never below the number
 *   derived from the run's start; without, derived from it: nanoseconds since 1970, as Boulder
 *   derives it from thisUpdate. That is far above the small sequential numbers of `openssl ca`, so a
 *   CA moving from `openssl ca -gencrl` keeps its numbers increasing at the same URL.
 * - With `stateDir`, only responses that are due or whose status changed are signed and OUT holds
 *   just those (plus what an unpublished previous OUT held); the CRL is signed every run, so a
 *   revocation reaches its response and the CRL together.
 *
 * Memory: the certificates stream through (status-source.ts) and are written in batches; what is
 * kept is the revoked entries (for the CRL) and, with `stateDir`, one shard of the state at a time
 * (presign-state.ts).
 * - A killed run leaves OUT.partial; the next run resumes it when made of the same inputs
 *   (resume.ts), keeping the responses it completed.
 */
import { link, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { evidencePath } from '../../lambda/core/contract/bundle-evidence.ts';
import { concatBytes } from '../../lambda/core/encoding/bytes.ts';
import {
  certIdPrefixes,
  encodeOcspResponse,
  responseDataEncoder,
  responseFrameParts,
} from '../../lambda/core/ocsp/ocsp-response-encoder.ts';
import { ocspNextUpdate, ocspResignAt } from '../../lambda/core/ocsp/presign-schedule.ts';
import { commitOutput, PARTIAL_SUFFIX, recoverOutput, startPartial } from './bundle-output.ts';
import { PresignStateStore, type StateJoin } from './presign-state.ts';
import {
  alreadyWritten,
  keepCompleteResponses,
  removeRunRecord,
  resumableRun,
  runInputs,
  sourceDigest,
  writeRunRecord,
} from './resume.ts';
import { signCrls, type CrlEntryRecord } from './partition-crls.ts';
import {
  DuplicateResponseError,
  responseWriterOf,
  type ResponseFrameParts,
  type ResponseWriter,
} from './signer.ts';
import type { CaIdentity, ResponderIdentity } from './signing-identity.ts';
import { readStatusSource, type StatusRecord, type StatusSource } from './status-source.ts';

export interface PresignInput {
  ca: CaIdentity;
  responder: ResponderIdentity;
  source: StatusSource;
  out: string;
  validityMs: number;
  /** The full CRL's path in the bundle. */
  crlPath: string;
  crlValidityMs: number;
  certsDir?: string;
  stateDir?: string;
  now: Date;
  /** One line per thing the operator should know (an expired entry that cannot leave the CRL). */
  warn?: (message: string) => void;
}

export interface PresignSummary {
  out: string;
  /** Responses signed in this run, by status. */
  signed: { good: number; revoked: number };
  /** Responses a killed run had completed in OUT.partial, kept rather than signed again. */
  resumed: number;
  /** Certificates listed whose response was not due (with --state). */
  notDue: number;
  /** Expired certificates not revoked: no response. */
  expired: number;
  /** Responses of an unpublished previous bundle kept in OUT (with --state). */
  carriedOver: number;
  crls: {
    path: string;
    crlNumber: string;
    entries: number;
    /** Expired entries this CRL no longer lists, their certificates beside it as evidence. */
    droppedExpired?: string[];
  }[];
  thisUpdate: string;
  nextUpdate: string;
}

/** Where a certificate's response goes in the bundle (the gate keys it by CertID, not by path). */
export const OCSP_DIR = 'ocsp';
const BATCH = 256;

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function statusKey(record: StatusRecord): string {
  return record.status === 'revoked'
    ? `revoked:${record.reason ?? ''}:${record.revokedAt?.toISOString()}`
    : 'good';
}

export async function presign(input: PresignInput): Promise<PresignSummary> {
  const { ca, responder, out } = input;
  const certIds = certIdPrefixes(ca, ['sha1', 'sha256']);
  const state = input.stateDir ? await PresignStateStore.open(input.stateDir) : undefined;

  await recoverOutput(out);
  // A resumed run takes the killed run's thisUpdate, and decides everything at that instant.
  const { partial, thisUpdate, resumable } = await openPartial(input, state);
  const now = thisUpdate;
  const nextUpdate = ocspNextUpdate(thisUpdate, input.validityMs);
  const refreshAt = ocspResignAt(thisUpdate, input.validityMs).toISOString();
  await mkdir(join(partial, OCSP_DIR), { recursive: true });

  const summary: PresignSummary = {
    out,
    signed: { good: 0, revoked: 0 },
    resumed: 0,
    notDue: 0,
    expired: 0,
    carriedOver: 0,
    crls: [],
    thisUpdate: thisUpdate.toISOString(),
    nextUpdate: nextUpdate.toISOString(),
  };
  const revoked: CrlEntryRecord[] = [];
  const inFlight: Promise<void>[] = [];
  const signer = responder.signer;
  const window = Math.max(2, 2 * ((signer as { parallelism?: number }).parallelism ?? 1));
  const encodeTbs = responseDataEncoder({
    responderId: responder.responderId,
    producedAt: thisUpdate,
    certIds,
    thisUpdate,
    nextUpdate,
  });
  const dir = join(partial, OCSP_DIR);
  const parts = responseFrameParts(responder);
  const onWorkers = responseWriterOf(signer);
  let batch: { tbs: Uint8Array[]; names: string[]; revoked: boolean[] } = { tbs: [], names: [], revoked: [] };

  const flush = async () => {
    if (batch.names.length === 0) return;
    let { tbs, names, revoked: isRevoked } = batch;
    batch = { tbs: [], names: [], revoked: [] };
    if (resumable) {
      // Responses the killed run completed are kept, not signed again.
      const done = await alreadyWritten(dir, names);
      summary.resumed += done.filter(Boolean).length;
      [tbs, names, isRevoked] = [tbs, names, isRevoked].map((list) =>
        (list as unknown[]).filter((_, i) => !done[i]),
      ) as [Uint8Array[], string[], boolean[]];
      if (names.length === 0) return;
    }
    for (const wasRevoked of isRevoked) summary.signed[wasRevoked ? 'revoked' : 'good']++;
    inFlight.push(
      (onWorkers
        ? writeOnWorkers(onWorkers, dir, tbs, names, parts)
        : signAndWrite(responder, dir, tbs, names)
      ).catch((error: Error) => {
        if (error instanceof DuplicateResponseError)
          throw new Error(
            `serial ${error.fileName.replace(/\.ocsp$/, '')} is listed twice in the status source`,
          );
        throw error;
      }),
    );
    if (inFlight.length >= window) await inFlight.shift();
  };

  const records = state ? state.join(readStatusSource(input.source)) : withoutState(input.source);
  for await (const { record, previous } of records) {
    const isRevoked = record.status === 'revoked';
    if (isRevoked)
      revoked.push({
        serialHex: record.serialHex,
        revokedAt: record.revokedAt as Date,
        reason: record.reason,
        ...(record.notAfter ? { notAfter: record.notAfter } : {}),
      });
    if (!isRevoked && (record.status === 'expired' || (record.notAfter && record.notAfter <= now))) {
      summary.expired++;
      continue;
    }
    const key = statusKey(record);
    if (state && previous && previous.status === key && new Date(previous.refreshAt) > now) {
      state.remember(record.serialHex, previous);
      summary.notDue++;
      continue;
    }
    state?.remember(record.serialHex, { status: key, thisUpdate: thisUpdate.toISOString(), refreshAt });
    batch.tbs.push(
      encodeTbs(
        isRevoked
          ? {
              serialHex: record.serialHex,
              status: 'revoked',
              revokedAt: record.revokedAt,
              reason: record.reason,
            }
          : { serialHex: record.serialHex, status: 'good' },
      ),
    );
    batch.names.push(`${record.serialHex}.ocsp`);
    batch.revoked.push(isRevoked);
    if (batch.names.length >= BATCH) await flush();
  }
  await flush();
  await Promise.all(inFlight);

  const crls = await signCrls({
    ca,
    entries: revoked,
    fullPath: input.crlPath,
    certsDir: input.certsDir,
    thisUpdate,
    nextUpdate: new Date(thisUpdate.getTime() + input.crlValidityMs),
    now,
    previous: state?.crls ?? {},
    warn: input.warn ?? (() => undefined),
  });
  for (const crl of crls) {
    const path = join(partial, crl.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, crl.der);
    for (const evidence of crl.evidence) {
      const evidenceFile = join(partial, evidencePath(crl.path, evidence.serialHex));
      await mkdir(dirname(evidenceFile), { recursive: true });
      await writeFile(evidenceFile, evidence.bytes);
    }
    summary.crls.push({
      path: crl.path,
      crlNumber: crl.crlNumber.toString(),
      entries: crl.entries,
      ...(crl.evidence.length > 0 ? { droppedExpired: crl.evidence.map((e) => e.serialHex) } : {}),
    });
  }

  if (state) summary.carriedOver = await carryOver(out, partial);
  await removeRunRecord(partial);
  await commitOutput(out);
  if (state) {
    await state.commit({
      ...state.crls,
      ...Object.fromEntries(
        crls.map((crl) => [
          crl.path,
          { crlNumber: crl.crlNumber.toString(), thisUpdate: thisUpdate.toISOString() },
        ]),
      ),
    });
  }
  return summary;
}

async function* withoutState(source: StatusSource): AsyncGenerator<StateJoin> {
  for await (const record of readStatusSource(source)) yield { record, previous: undefined };
}

/**
 * OUT.partial for this run: the killed run's, resumed when it was made of the same inputs
 * (resume.ts), or a fresh one recording this run's.
 */
async function openPartial(
  input: PresignInput,
  state: PresignStateStore | undefined,
): Promise<{ partial: string; thisUpdate: Date; resumable: boolean }> {
  const inputs = runInputs({
    ...input,
    sourceDigest: await sourceDigest(input.source),
    certsDir: input.certsDir,
    state: state?.generation,
  });
  const partial = input.out + PARTIAL_SUFFIX;
  const run = await resumableRun(partial, inputs, input.now);
  if (run && (await keepCompleteResponses(partial, OCSP_DIR)) > 0)
    return { partial, thisUpdate: new Date(run.thisUpdate), resumable: true };
  await startPartial(input.out);
  const thisUpdate = wholeSeconds(input.now);
  await writeRunRecord(partial, {
    ...inputs,
    thisUpdate: thisUpdate.toISOString(),
    refreshAt: ocspResignAt(thisUpdate, input.validityMs).toISOString(),
  });
  return { partial, thisUpdate, resumable: false };
}

/** One batch signed, framed and written on a worker thread: one message each way. */
function writeOnWorkers(
  signer: ResponseWriter,
  dir: string,
  tbs: Uint8Array[],
  names: string[],
  parts: ResponseFrameParts,
): Promise<void> {
  const ends = new Uint32Array(tbs.length);
  let end = 0;
  tbs.forEach((bytes, i) => (ends[i] = end += bytes.byteLength));
  return signer.writeResponses({ dir, tbs: concatBytes(tbs), ends, names }, parts);
}

/** One batch signed by the signer (a PKCS#11 token), framed and written here. */
async function signAndWrite(responder: ResponderIdentity, dir: string, tbs: Uint8Array[], names: string[]) {
  const signatures = await responder.signer.sign(tbs);
  await Promise.all(
    names.map((name, i) =>
      writeFile(
        join(dir, name),
        encodeOcspResponse({
          tbs: tbs[i] as Uint8Array,
          signatureAlgorithm: responder.signatureAlgorithm,
          signature: signatures[i] as Uint8Array,
          certs: responder.certs,
        }),
        // A serial the source lists twice: refused rather than letting the last line win.
        { flag: 'wx' },
      ).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') throw new DuplicateResponseError(name);
        throw error;
      }),
    ),
  );
}

/**
 * Responses of a previous OUT not yet published (`ca-repo refresh` removes OUT once published),
 * kept where this run did not sign the same certificate again: with --state, a run signs only what
 * is due, and the repository must still receive what the previous run signed.
 */
async function carryOver(out: string, partial: string): Promise<number> {
  const names = await readdir(join(out, OCSP_DIR)).catch(() => [] as string[]);
  let carried = 0;
  for (const name of names) {
    try {
      await link(join(out, OCSP_DIR, name), join(partial, OCSP_DIR, name));
      carried++;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return carried;
}

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
 *   partition-crls.ts); every revoked certificate stays listed, expired or not.
 * - cRLNumber: with `stateDir`, one more than the last one written and never below the number
 *   derived from the run's start; without, derived from it: nanoseconds since 1970, as Boulder
 *   derives it from thisUpdate. That is far above the small sequential numbers of `openssl ca`, so a
 *   CA moving from `openssl ca -gencrl` keeps its numbers increasing at the same URL.
 * - With `stateDir`, only responses that are due or whose status changed are signed and OUT holds
 *   just those (plus what an unpublished previous OUT held); the CRL is signed every run, so a
 *   revocation reaches its response and the CRL together.
 *
 * Memory: the certificates stream through (status-source.ts) and are written in batches; what is
 * kept is the revoked entries (for the CRL) and, with `stateDir`, the state.
 */
import { link, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { concatBytes } from '../../lambda/core/encoding/bytes.ts';
import {
  certIdPrefixes,
  encodeOcspResponse,
  responseDataEncoder,
  responseFrameParts,
} from '../../lambda/core/ocsp/ocsp-response-encoder.ts';
import { ocspNextUpdate, ocspRefreshDue } from '../../lambda/core/ocsp/presign-schedule.ts';
import {
  commitOutput,
  readState,
  recoverOutput,
  startPartial,
  writeState,
  type PresignState,
} from './bundle-output.ts';
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
}

export interface PresignSummary {
  out: string;
  /** Responses signed in this run, by status. */
  signed: { good: number; revoked: number };
  /** Certificates listed whose response was not due (with --state). */
  notDue: number;
  /** Expired certificates not revoked: no response. */
  expired: number;
  /** Responses of an unpublished previous bundle kept in OUT (with --state). */
  carriedOver: number;
  crls: { path: string; crlNumber: string; entries: number }[];
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
  const { ca, responder, now, out } = input;
  const thisUpdate = wholeSeconds(now);
  const nextUpdate = ocspNextUpdate(thisUpdate, input.validityMs);
  const refreshAt = ocspRefreshDue(thisUpdate, input.validityMs).toISOString();
  const certIds = certIdPrefixes(ca, ['sha1', 'sha256']);
  const state: PresignState | undefined = input.stateDir ? await readState(input.stateDir) : undefined;
  const nextResponses: PresignState['responses'] = {};

  await recoverOutput(out);
  const partial = await startPartial(out);
  await mkdir(join(partial, OCSP_DIR), { recursive: true });

  const summary: PresignSummary = {
    out,
    signed: { good: 0, revoked: 0 },
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
  let batch: { tbs: Uint8Array[]; names: string[] } = { tbs: [], names: [] };

  const flush = async () => {
    if (batch.names.length === 0) return;
    const { tbs, names } = batch;
    batch = { tbs: [], names: [] };
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

  for await (const record of readStatusSource(input.source)) {
    const isRevoked = record.status === 'revoked';
    if (isRevoked)
      revoked.push({
        serialHex: record.serialHex,
        revokedAt: record.revokedAt as Date,
        reason: record.reason,
      });
    if (!isRevoked && (record.status === 'expired' || (record.notAfter && record.notAfter <= now))) {
      summary.expired++;
      continue;
    }
    const key = statusKey(record);
    const previous = state?.responses[record.serialHex];
    if (state && previous && previous.status === key && new Date(previous.refreshAt) > now) {
      nextResponses[record.serialHex] = previous;
      summary.notDue++;
      continue;
    }
    if (state)
      nextResponses[record.serialHex] = { status: key, thisUpdate: thisUpdate.toISOString(), refreshAt };
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
    summary.signed[isRevoked ? 'revoked' : 'good']++;
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
  });
  for (const crl of crls) {
    const path = join(partial, crl.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, crl.der);
    summary.crls.push({ path: crl.path, crlNumber: crl.crlNumber.toString(), entries: crl.entries });
  }

  if (state) summary.carriedOver = await carryOver(out, partial);
  await commitOutput(out);
  if (state && input.stateDir) {
    await writeState(input.stateDir, {
      ...state,
      crls: {
        ...state.crls,
        ...Object.fromEntries(
          crls.map((crl) => [
            crl.path,
            { crlNumber: crl.crlNumber.toString(), thisUpdate: thisUpdate.toISOString() },
          ]),
        ),
      },
      responses: nextResponses,
    });
  }
  return summary;
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

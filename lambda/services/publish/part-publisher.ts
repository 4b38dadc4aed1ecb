/**
 * One part of a bundle: its archive checked against the manifest (size, SHA-256) and read, each
 * listed file checked against its entry, the files judged and written in parallel
 * (file-publisher.ts), then what they revoked recorded and the OCSP shard states merged: each only
 * after the objects it describes are written.
 */
import { digest, toHex } from '../../core/encoding/bytes.ts';
import { readTar, type TarEntry } from '../../core/encoding/tar-archive.ts';
import type { BundleFile, BundleManifest } from '../../core/publish/bundle.ts';
import type { CandidateFile } from '../../core/publish/kinds/artifact-kind-module.ts';
import { candidateFile, companionsOf } from '../../core/publish/kinds/registry.ts';
import {
  applyRevocationUpdate,
  readRevocationHistory,
  revocationHistoryKey,
  serialiseRevocationHistory,
} from '../../core/publish/revocation-history.ts';
import { RejectedError } from '../../core/rejection.ts';
import { forEachWithConcurrency } from '../concurrency.ts';
import type { ObjectStore } from '../ports.ts';
import { filesOfPart } from './bundle-source.ts';
import { updateConditionally } from './conditional-update.ts';
import { publishFile, type PublishGate } from './file-publisher.ts';
import { OcspStateBook } from './ocsp-state-book.ts';
import type { PublishRun } from './publish-run.ts';

/** The gate, and how many files of a part are validated and written in parallel. */
export interface PartGate extends PublishGate {
  concurrency: number;
}

/** Publishes part `part` of the bundle into `run`: every file listed gets a verdict there. */
export async function publishPart(
  gate: PartGate,
  manifest: BundleManifest,
  part: number,
  run: PublishRun,
): Promise<void> {
  const { ingest } = gate;
  const partInfo = manifest.parts[part];
  if (!partInfo) return;
  let listed: BundleFile[];
  try {
    listed = await filesOfPart(ingest, manifest, part);
  } catch (error) {
    // Without its list nothing of the part can be named: the archive is refused as a whole.
    if (!(error instanceof RejectedError)) throw error;
    return run.reject(partInfo.key, error.message);
  }
  const refuseAll = (reason: string) => {
    for (const f of listed) run.reject(f.path, reason);
  };
  const head = await ingest.head(partInfo.key);
  if (!head) return refuseAll(`archive ${partInfo.key} is missing from the ingest store`);
  // Checked before reading: the manifest was checked against MAX_PART_BYTES.
  if (head.size !== partInfo.size) {
    return refuseAll(`archive ${partInfo.key} is ${head.size} bytes, the manifest says ${partInfo.size}`);
  }
  const archive = await ingest.get(partInfo.key);
  if (!archive) return refuseAll(`archive ${partInfo.key} is missing from the ingest store`);
  if (archive.body.byteLength !== partInfo.size) {
    return refuseAll(`archive ${partInfo.key} changed while it was read`);
  }
  if (toHex(await digest('sha256', archive.body)) !== partInfo.sha256) {
    for (const f of listed)
      run.reject(f.path, `archive ${partInfo.key} was damaged in transit (SHA-256 mismatch)`);
    return;
  }
  const entries = new Map<string, TarEntry>();
  for (const entry of await readTar(archive.body)) entries.set(entry.path, entry);
  const files = await collectPartFiles(listed, entries, run, gate.settings.ocspUrl);
  await deleteKeyMaterial(ingest, partInfo.key, files, run);
  const listedPaths = new Set(listed.map((f) => f.path));
  for (const path of entries.keys()) {
    if (!listedPaths.has(path)) run.reject(path, 'in the archive but not listed in the manifest');
  }

  const byPath = new Map(files.map((f) => [f.path, f]));
  // A companion (a PDF's detached signature) is judged together with the file that claims it.
  const judgedWithAnother = new Set(files.flatMap((f) => companionsOf(f, byPath).map((c) => c.path)));
  const alone = files.filter((f) => !judgedWithAnother.has(f.path));
  const book = new OcspStateBook(gate.repository);
  await forEachWithConcurrency(alone, gate.concurrency, (file) =>
    publishFile(gate, file, byPath, manifest.bundleId, run, book),
  );
  await recordRevocations(gate.repository, run);
  // Last: a state never describes an object before it is written (ocsp-shard-state.ts).
  await book.flush(gate.concurrency);
}

/**
 * An uploader without the pre-flight (an old or modified one) sent key material: the archive
 * holding it is deleted from the ingest store at once rather than kept for the retention period
 * (the ingest bucket is not versioned, so the delete leaves no copy behind; the bytes read are
 * in this process's memory only). The part's other files are judged from memory as usual; a
 * retried delivery finds the archive gone and refuses them with that reason.
 */
async function deleteKeyMaterial(
  ingest: ObjectStore,
  key: string,
  files: CandidateFile[],
  run: PublishRun,
): Promise<void> {
  const keyMaterial = files.filter((f) => f.content.type === 'private-key').map((f) => f.path);
  if (keyMaterial.length === 0) return;
  await ingest.delete(key);
  run.deletedPart({ key, keyMaterial });
}

/**
 * Remembers what this part's accepted files revoked, after they are written: a crash in between
 * leaves the revocation served, where the next publish still finds it (revocation-finality.ts).
 */
async function recordRevocations(repository: ObjectStore, run: PublishRun): Promise<void> {
  for (const update of run.takeRevocations()) {
    await updateConditionally(repository, revocationHistoryKey(update.ca), (current) => {
      const history = readRevocationHistory(current?.body, update.issuer);
      return {
        body: Buffer.from(serialiseRevocationHistory(applyRevocationUpdate(history, update))),
        options: { contentType: 'application/json', cacheControl: 'no-store' },
      };
    });
  }
}

/** Checks each listed file against its archive entry; returns the ones fit to be judged. */
async function collectPartFiles(
  listed: BundleFile[],
  entries: Map<string, TarEntry>,
  run: PublishRun,
  ocspUrl: string,
): Promise<CandidateFile[]> {
  const files: CandidateFile[] = [];
  for (const f of listed) {
    const entry = entries.get(f.path);
    if (!entry) {
      run.reject(f.path, 'listed in the manifest but missing from the archive');
    } else if (entry.type === 'link') {
      run.reject(f.path, 'links are never published: upload the file itself');
    } else if (entry.type === 'too-large') {
      run.reject(f.path, 'larger than the 512 MiB a single artifact may be');
    } else if (entry.type !== 'file') {
      run.reject(f.path, 'not a regular file');
    } else if (entry.bytes.byteLength !== f.size) {
      run.reject(f.path, `${entry.bytes.byteLength} bytes in the archive, the manifest says ${f.size}`);
    } else if (toHex(await digest('sha256', entry.bytes)) !== f.sha256) {
      run.reject(f.path, 'content does not match the SHA-256 in the manifest');
    } else {
      try {
        files.push(candidateFile(f.path, entry.bytes, ocspUrl));
      } catch (error) {
        if (!(error instanceof RejectedError)) throw error;
        run.reject(f.path, error.message);
      }
    }
  }
  return files;
}

/**
 * The kinds of artifact the publish gate publishes, asked in order which one claims a file.
 *
 * Adding a kind is one new file beside these and one line in KINDS. A partitioned CRL, say:
 *
 *   // kinds/partitioned-crl.ts: its own rules, the same interface
 *   export const partitionedCrlKind: ArtifactKindModule = {
 *     claims: (file) => file.content.type === 'crl' && hasIssuingDistributionPoint(file),
 *     async assess(file, context) { ... return { accepted, writes, unchanged, changes }; },
 *   };
 *   // below: listed before crlKind, so it claims its CRLs first
 *   partitionedCrlKind,
 *
 * (A kind serving a new media type also adds its name to ArtifactKind; the compiler then asks for
 * its Content-Type in serving/cache-policy.ts, the contract the edge shares.)
 */
import { RejectedError } from '../../rejection.ts';
import { classifyContent } from '../classify-content.ts';
import { validateBundlePath } from '../validate-bundle-path.ts';
import type {
  ArtifactKindModule,
  AssessContext,
  CandidateFile,
  PrecheckContext,
  Verdict,
} from './artifact-kind-module.ts';
import { caCertificateKind } from './ca-certificate.ts';
import { crlKind } from './crl.ts';
import { documentKind } from './document.ts';
import { evidenceCertificateKind } from './evidence-certificate.ts';
import { ocspResponseKind } from './ocsp-response.ts';

// An end-entity certificate is evidence (never served); any other certificate must be a pinned CA.
const KINDS: readonly ArtifactKindModule[] = [
  evidenceCertificateKind,
  caCertificateKind,
  crlKind,
  ocspResponseKind,
  documentKind,
];

/** The kind that publishes the file; content that is no artifact is refused with its reason. */
function kindOf(file: CandidateFile): ArtifactKindModule {
  const content = file.content;
  if (content.type === 'private-key') {
    throw new RejectedError(
      `private key material (${content.form}): the whole file is refused and the ingest part holding it deleted (deletedParts); keys never leave the CA`,
    );
  }
  if (content.type === 'unrecognised') throw new RejectedError(`unrecognised content: ${content.reason}`);
  const kind = KINDS.find((candidate) => candidate.claims(file));
  if (!kind) throw new RejectedError(`unrecognised content: no artifact kind publishes a ${content.type}`);
  return kind;
}

/** A file's verdict: the kind's assessment, or the reason it is refused. */
export async function judge(file: CandidateFile, context: AssessContext): Promise<Verdict> {
  try {
    return await kindOf(file).assess(file, context);
  } catch (error) {
    if (error instanceof RejectedError) return { rejected: error.message };
    throw error;
  }
}

/**
 * The pre-flight's verdict on a file without pinned CAs or served state (`precheck`): undefined
 * when every such check passes, else the reason, worded as the gate words it.
 */
export async function precheck(file: CandidateFile, context: PrecheckContext): Promise<string | undefined> {
  try {
    await kindOf(file).precheck?.(file, context);
    return undefined;
  } catch (error) {
    if (error instanceof RejectedError) return error.message;
    throw error;
  }
}

/**
 * A file's bytes classified and its path checked, as the gate does before judging it (and the
 * uploader's pre-flight before sending it). Key material is classified whatever the path, so it
 * is always named as such. `ocspPrefix` undefined skips the OCSP endpoint check (the uploader does
 * not know the deployment's OCSP path). A bad path is thrown as a RejectedError.
 */
export function candidateFile(
  path: string,
  bytes: Uint8Array,
  ocspPrefix: string | undefined,
): CandidateFile {
  const content = classifyContent(bytes);
  if (content.type === 'private-key') return { path, bytes, content };
  // OCSP responses are served by CertID, not at their path; what is refused anyway keeps its reason.
  const atItsPath = !['ocsp-response', 'unrecognised'].includes(content.type);
  try {
    validateBundlePath(path, atItsPath ? ocspPrefix : undefined);
  } catch (error) {
    if (error instanceof RejectedError) throw new RejectedError(`bad path: ${error.message}`);
    throw error;
  }
  return { path, bytes, content };
}

/** Files judged together with `file` (and refused with it): a PDF's detached signature. */
export function companionsOf(file: CandidateFile, part: ReadonlyMap<string, CandidateFile>): CandidateFile[] {
  return KINDS.find((kind) => kind.claims(file))?.companions?.(file, part) ?? [];
}

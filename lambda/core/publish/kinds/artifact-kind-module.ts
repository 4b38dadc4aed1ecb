/**
 * The seam between the publish gate and each kind of artifact it publishes. A kind judges one file
 * of a bundle against what the repository serves and answers with a verdict and a write plan; the
 * publish service (lambda/services/publish) reads the store for it, performs the writes in order
 * and keeps the books. A kind does no I/O: it reads what is served through the ServedView it is
 * given, so its decisions run the same over S3 or a Map.
 */
import type { CaPolicies } from '../ca-policy.ts';
import type { PinnedCa, TrustStore } from '../../pki/trust-store.ts';
import type { ValidationPolicy } from '../../policy.ts';
import type { CacheCaps } from '../../serving/cache-policy.ts';
import type { ContentClass } from '../classify-content.ts';
import type { AcceptedFile } from '../receipt.ts';
import type { IndexChanges } from '../repository-index.ts';
import type { RevocationHistory, RevocationUpdate } from '../revocation-history.ts';
import { servesSameBytes, type ServedBytes, type ServedHead } from '../served-object.ts';
import { planWrite, type ObjectWrite, type PlannedObject, type WriteContext } from '../write-plan.ts';

/** A file of a bundle part that passed the manifest checks, classified from its bytes. */
export interface CandidateFile {
  /** Path in the bundle: the key it is served under, except OCSP responses (keyed by CertID). */
  path: string;
  bytes: Uint8Array;
  content: ContentClass;
}

/** What the repository serves now; each key is read at most once per run. */
export interface ServedView {
  head(key: string): Promise<ServedHead | undefined>;
  /** With the bytes, for a kind that compares with its predecessor (CRL numbers). */
  get(key: string): Promise<ServedBytes | undefined>;
  /** A CA's revocation history as stored (read and parsed once per run: OCSP parts hold thousands of files). */
  revocations(ca: PinnedCa): Promise<RevocationHistory>;
}

/** The publisher's settings, the same for every file. */
export interface PublishSettings {
  trust: TrustStore;
  policy: ValidationPolicy;
  caps: CacheCaps;
  /** Path of the OCSP endpoint as relying parties see it (an OCSP response's URL). */
  ocspUrl: string;
  /** The repository's public base URLs, the primary first (core/publish/public-urls.ts); undefined on
   * the CA's machine (the pre-flight), where a partition's URL is left to the gate. */
  publicBaseUrls: readonly string[] | undefined;
  /** Each pinned CA's lint profile, CRL scope and retirement, by CA SHA-256 (core/publish/ca-policy.ts). */
  caPolicies: CaPolicies;
}

export interface AssessContext extends PublishSettings, WriteContext {
  served: ServedView;
  /** Every candidate file of the same part, by path (a document finds its detached signature). */
  part: ReadonlyMap<string, CandidateFile>;
  /**
   * Claims a key for a file of this bundle, across all its parts; answers the file holding it when
   * that is another.
   */
  claim(key: string, file: string): Promise<string | undefined> | string | undefined;
}

/** A file's verdict when accepted: what the receipt says, what to write, what the index gains. */
export interface Assessment {
  /** The file (and any companion judged with it), `unchanged` when the bytes are already served. */
  accepted: AcceptedFile[];
  /** In order: a write may rely on the ones before it (a signature before its document). */
  writes: ObjectWrite[];
  /** Keys already serving these bytes: nothing to write, but a stopped run may owe their invalidation. */
  unchanged: { key: string; served: ServedHead }[];
  changes: Partial<IndexChanges>;
  /** What the CA's revocation history learns once the writes are done (revocation-history.ts). */
  revocations?: RevocationUpdate[];
}

/** A refusal, with the reason the operator reads in the receipt. */
export interface Rejection {
  rejected: string;
}

export type Verdict = Assessment | Rejection;

/** What the uploader's pre-flight knows without pinned CAs (no `--trust`) and without served state. */
export interface PrecheckContext {
  now: Date;
  policy: ValidationPolicy;
}

export interface ArtifactKindModule {
  /** Whether this kind judges the file, from its content (the registry asks kinds in order). */
  claims(file: CandidateFile): boolean;
  /**
   * The part of `assess` that needs neither pinned CAs nor what is served (validity windows,
   * nonces), run by the uploader before anything is sent; `assess` runs the same checks again.
   * A refusal is thrown as a RejectedError.
   */
  precheck?(file: CandidateFile, context: PrecheckContext): void | Promise<void>;
  /** Files of the part judged together with `file`, never alone, and refused with it. */
  companions?(file: CandidateFile, part: ReadonlyMap<string, CandidateFile>): CandidateFile[];
  /** Judges the file; a refusal is thrown as a RejectedError carrying the reason. */
  assess(file: CandidateFile, context: AssessContext): Promise<Assessment>;
}

/** The file's content, narrowed to the class its kind claimed. */
export function contentOf<T extends ContentClass['type']>(
  file: CandidateFile,
  type: T,
): Extract<ContentClass, { type: T }> {
  if (file.content.type !== type) throw new Error(`${file.path} is ${file.content.type}, not ${type}`);
  return file.content as Extract<ContentClass, { type: T }>;
}

/**
 * Adds one object to an assessment: left as it is when the key serves these bytes already, else
 * planned for writing (first: before the writes already planned). Answers whether it was unchanged.
 */
export function placeObject(
  assessment: Assessment,
  object: PlannedObject,
  context: WriteContext,
  order: 'first' | 'last' = 'last',
): boolean {
  const { served } = object;
  if (served && servesSameBytes(served, object.kind, object.sha256)) {
    assessment.unchanged.push({ key: object.key, served });
    return true;
  }
  const write = planWrite(object, context);
  if (order === 'first') assessment.writes.unshift(write);
  else assessment.writes.push(write);
  return false;
}

export function emptyAssessment(): Assessment {
  return { accepted: [], writes: [], unchanged: [], changes: {} };
}

/**
 * The uploader's pre-flight: every check of the publish gate that needs no served state, run on
 * the CA's machine before a single byte is sent. It is the gate's own code, not a second copy of
 * its rules: the same classification (key material first), the same path rule, and then
 *
 * - with pinned CAs (`--trust`): each kind's full `assess` against an empty repository, so
 *   signatures, CertIDs, validity windows, nonces and evidence are judged exactly as the gate
 *   judges a first publish (what depends on what is served, CRL numbers, revocation finality,
 *   thisUpdate order, is left to the gate);
 * - without: each kind's `precheck`, the checks that need no pinned CA (validity windows, nonces).
 *
 * A file holding key material is its own outcome: the uploader then sends nothing at all.
 */
import { readRevocationHistory } from './revocation-history.ts';
import type { AssessContext, CandidateFile, PrecheckContext } from './kinds/artifact-kind-module.ts';
import { candidateFile, companionsOf, judge, precheck } from './kinds/registry.ts';
import type { TrustStore } from '../pki/trust-store.ts';
import type { ValidationPolicy } from '../policy.ts';
import { RejectedError } from '../rejection.ts';
import { DEFAULT_CACHE_CAPS } from '../serving/cache-policy.ts';

export type PreflightVerdict =
  /** Passes every check the pre-flight ran; `kind` as the receipt names it, or the content type without --trust. */
  | { file: string; outcome: 'ok'; kind: string }
  | { file: string; outcome: 'rejected'; reason: string }
  /** Private key material: `form` names what was found (PEM "EC PRIVATE KEY" block, PKCS#12 PFX, ...). */
  | { file: string; outcome: 'key-material'; form: string };

export interface PreflightOptions {
  now: Date;
  policy: ValidationPolicy;
  /** The pinned CA certificates (`--trust`): signatures are checked only with them. */
  trust?: TrustStore;
}

/** What the receipt says of a file refused with its companion (the gate's words). */
function refusedWith(file: string): string {
  return `detached signature of ${file}, which was refused`;
}

/**
 * Verdicts on the files of one bundle part (a PDF and its detached signature always share one),
 * in the order given. Claims of OCSP CertIDs are per part, as in the gate's fan-out.
 */
export async function preflightPart(
  files: readonly { path: string; bytes: Uint8Array }[],
  options: PreflightOptions,
): Promise<PreflightVerdict[]> {
  const verdicts = new Map<string, PreflightVerdict>();
  const candidates: CandidateFile[] = [];
  for (const { path, bytes } of files) {
    try {
      const candidate = candidateFile(path, bytes, undefined);
      if (candidate.content.type === 'private-key') {
        verdicts.set(path, { file: path, outcome: 'key-material', form: candidate.content.form });
      } else {
        candidates.push(candidate);
      }
    } catch (error) {
      if (!(error instanceof RejectedError)) throw error;
      verdicts.set(path, { file: path, outcome: 'rejected', reason: error.message });
    }
  }
  const part = new Map(candidates.map((f) => [f.path, f]));
  const judgedWithAnother = new Set(candidates.flatMap((f) => companionsOf(f, part).map((c) => c.path)));
  const claims = new Map<string, string>();
  for (const file of candidates.filter((f) => !judgedWithAnother.has(f.path))) {
    const companions = companionsOf(file, part);
    const reason = options.trust
      ? await fullCheck(file, part, claims, { ...options, trust: options.trust })
      : await precheck(file, options satisfies PrecheckContext);
    if (typeof reason === 'string') {
      verdicts.set(file.path, { file: file.path, outcome: 'rejected', reason });
      for (const c of companions)
        verdicts.set(c.path, { file: c.path, outcome: 'rejected', reason: refusedWith(file.path) });
    } else if (reason) {
      for (const accepted of reason)
        verdicts.set(accepted.file, { file: accepted.file, outcome: 'ok', kind: accepted.kind });
    } else {
      for (const f of [file, ...companions]) {
        verdicts.set(f.path, { file: f.path, outcome: 'ok', kind: f.content.type });
      }
    }
  }
  return files.map(({ path }) => verdicts.get(path)!);
}

/** The kind's whole judgement against an empty repository: the accepted files, or the reason. */
async function fullCheck(
  file: CandidateFile,
  part: ReadonlyMap<string, CandidateFile>,
  claims: Map<string, string>,
  options: PreflightOptions & { trust: TrustStore },
): Promise<string | { file: string; kind: string }[]> {
  const context: AssessContext = {
    trust: options.trust,
    policy: options.policy,
    caps: DEFAULT_CACHE_CAPS,
    // Only the receipt's URL of an OCSP response uses it; the pre-flight reports no URLs.
    ocspUrl: '/ocsp',
    // The repository's URLs and per-CA lint profiles are its configuration, not known here: the
    // pre-flight applies the default profile and leaves a partition's URL to the gate.
    publicBaseUrls: undefined,
    caPolicies: {},
    now: options.now,
    bundleId: 'pre-flight',
    part,
    served: {
      head: async () => undefined,
      get: async () => undefined,
      revocations: async (ca) => readRevocationHistory(undefined, ca.subject),
    },
    claim: (key, owner) => {
      const held = claims.get(key);
      if (held && held !== owner) return held;
      claims.set(key, owner);
      return undefined;
    },
  };
  const verdict = await judge(file, context);
  return 'rejected' in verdict ? verdict.rejected : verdict.accepted;
}

/** The process exit code's ground: key material outranks a refusal. */
export function preflightOutcome(verdicts: readonly PreflightVerdict[]): 'ok' | 'rejected' | 'key-material' {
  if (verdicts.some((v) => v.outcome === 'key-material')) return 'key-material';
  return verdicts.some((v) => v.outcome === 'rejected') ? 'rejected' : 'ok';
}

/**
 * What the repository serves for every CertID key of one OCSP shard, kept in one object per shard
 * so that a refresh judges each response without a HEAD per object: the served response's
 * thisUpdate (RFC 5280 §3.3 / RFC 6960 §4.2.1: never rolled back), its certStatus (a revocation
 * is final, revocation-finality.ts), the SHA-256 of its bytes (a re-publish of the same bytes is a
 * no-op) and the ETag the store gave the write.
 *
 * The state is a hint, never an authority: a verdict made from it is written with If-Match on the
 * recorded ETag (S3 conditional write), so when the served object is not the one the state
 * describes (a crash between an object's write and the state's, a concurrent publish, an object
 * written before states existed) the write fails with 412 and the file is judged again against a
 * HEAD of the served object, as without the state. The facts are all functions of the served
 * bytes (an ETag names one body), so an entry whose ETag matches cannot describe another response.
 *
 *   _ocsp-state/<shard>.json   {"format":"ca-repo-ocsp-state/1","entries":{"<key>":{"e","t","s","h"}}}
 *
 * The key holds no bundle path (validate-bundle-path.ts: segments start with a letter or digit), and
 * its facts are public (the responses themselves are served). Bump the format with
 * OBJECT_METADATA_VERSION: the synthesized head below claims that layout.
 */
import { META, OBJECT_METADATA_VERSION } from '../serving/cache-policy.ts';
import { OCSP_STORE_PREFIX } from '../ocsp/ocsp-object-key.ts';
import type { ServedHead } from './served-object.ts';

export const OCSP_SHARD_STATE_FORMAT = 'ca-repo-ocsp-state/1';
export const OCSP_SHARD_STATE_PREFIX = '_ocsp-state/';

/** What the repository serves at one CertID key, as recorded when it was written. */
export interface OcspServedFacts {
  /** The store's ETag of the served object (unquoted). */
  etag: string;
  /** thisUpdate of the SingleResponse for this CertID, ISO 8601. */
  thisUpdate: string;
  /** `good`, `revoked` or `unknown` (RFC 6960 §4.2.1 CertStatus). */
  status: string;
  /** SHA-256 (hex) of the served bytes. */
  sha256: string;
}

/**
 * Above this many entries a shard keeps no state (`full`) and its keys are judged by HEAD as
 * before: a worker reads every shard its part touches, so a state must stay small against the
 * HEADs it saves (2,048 entries ≈ 600 KB; 256 shards × 2,048 ≈ 524,000 responses).
 */
export const MAX_OCSP_SHARD_STATE_ENTRIES = 2_048;

export interface OcspShardState {
  entries: Map<string, OcspServedFacts>;
  /** Over MAX_OCSP_SHARD_STATE_ENTRIES: no entries are kept, every key is judged by HEAD. */
  full: boolean;
}

interface StoredEntry {
  e: string;
  t: string;
  s: string;
  h: string;
}

/** The shard of an OCSP object key (`_ocsp/<shard>/…`), or undefined for any other key. */
export function ocspShardOfKey(key: string): string | undefined {
  if (!key.startsWith(OCSP_STORE_PREFIX)) return undefined;
  const shard = key.slice(OCSP_STORE_PREFIX.length, key.indexOf('/', OCSP_STORE_PREFIX.length));
  return /^[0-9a-f]{2}$/.test(shard) ? shard : undefined;
}

export function ocspShardStateKey(shard: string): string {
  return `${OCSP_SHARD_STATE_PREFIX}${shard}.json`;
}

/**
 * Reads a stored state. One this code cannot read (damaged, another format) is taken as empty:
 * every key of the shard is then judged against a HEAD, which is what the state only saves.
 */
export function parseOcspShardState(body: Uint8Array | undefined): OcspShardState {
  const state: OcspShardState = { entries: new Map(), full: false };
  if (!body) return state;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return state;
  }
  const { format, entries, full } = (parsed ?? {}) as { format?: unknown; entries?: unknown; full?: unknown };
  if (format !== OCSP_SHARD_STATE_FORMAT) return state;
  if (full === true) return { entries: new Map(), full: true };
  if (typeof entries !== 'object' || entries === null) return state;
  for (const [key, value] of Object.entries(entries as Record<string, Partial<StoredEntry>>)) {
    const { e, t, s, h } = value ?? {};
    if (typeof e === 'string' && typeof t === 'string' && typeof s === 'string' && typeof h === 'string') {
      state.entries.set(key, { etag: e, thisUpdate: t, status: s, sha256: h });
    }
  }
  return state;
}

/**
 * The state with `updates` applied (a key's latest write wins; undefined: the key's facts are not
 * known, its entry goes), keys in order for stable bytes; `full` past the cap.
 */
export function serialiseOcspShardState(
  current: OcspShardState,
  updates: ReadonlyMap<string, OcspServedFacts | undefined>,
): string {
  const merged = new Map(current.entries);
  for (const [key, facts] of updates) {
    if (facts) merged.set(key, facts);
    else merged.delete(key);
  }
  if (current.full || merged.size > MAX_OCSP_SHARD_STATE_ENTRIES) {
    return JSON.stringify({ format: OCSP_SHARD_STATE_FORMAT, full: true, entries: {} });
  }
  const entries: Record<string, StoredEntry> = {};
  for (const key of [...merged.keys()].sort()) {
    const { etag, thisUpdate, status, sha256 } = merged.get(key)!;
    entries[key] = { e: etag, t: thisUpdate, s: status, h: sha256 };
  }
  return JSON.stringify({ format: OCSP_SHARD_STATE_FORMAT, entries });
}

/**
 * The served object as the publish gate's rules read it (served-object.ts), from the state alone.
 * Only what those rules consult is there: no bundle, run or invalidation mark, so a verdict that
 * finds the same bytes served (left-invalidation.ts needs those) is made again from a real HEAD.
 */
export function servedHeadFromFacts(facts: OcspServedFacts): ServedHead {
  return {
    etag: facts.etag,
    // Unknown without a HEAD; consulted only for an unchanged object, which a HEAD re-judges.
    lastModified: new Date(0),
    metadata: {
      [META.version]: OBJECT_METADATA_VERSION,
      [META.kind]: 'ocsp-response',
      [META.sha256]: facts.sha256,
      [META.thisUpdate]: facts.thisUpdate,
      [META.certStatus]: facts.status,
    },
  };
}

/** The facts of an OCSP object from its head (a HEAD, or the write just made), when it has them all. */
export function factsFromServedHead(
  etag: string,
  metadata: Readonly<Record<string, string>>,
): OcspServedFacts | undefined {
  if ((metadata[META.version] ?? '1') !== OBJECT_METADATA_VERSION) return undefined;
  if (metadata[META.kind] !== 'ocsp-response') return undefined;
  const thisUpdate = metadata[META.thisUpdate];
  const status = metadata[META.certStatus];
  const sha256 = metadata[META.sha256];
  if (!etag || !thisUpdate || !status || !sha256) return undefined;
  return { etag, thisUpdate, status, sha256 };
}

/**
 * One part's use of the OCSP shard states (core/publish/ocsp-shard-state.ts): each shard's state is
 * read once, when the part first judges a key of that shard, and answers what is served at each of
 * its keys without a HEAD; what the part writes is recorded and merged into the states once the
 * part's objects are written (objects first: a crash in between leaves a state that is behind,
 * which the If-Match of the next verdict made from it detects).
 */
import {
  OCSP_SHARD_STATE_PREFIX,
  factsFromServedHead,
  ocspShardOfKey,
  ocspShardStateKey,
  parseOcspShardState,
  serialiseOcspShardState,
  servedHeadFromFacts,
  type OcspServedFacts,
  type OcspShardState,
} from '../../core/publish/ocsp-shard-state.ts';
import type { ServedHead } from '../../core/publish/served-object.ts';
import { PreconditionFailedError, type ObjectStore, type PutObjectOptions } from '../ports.ts';
import { forEachWithConcurrency } from '../concurrency.ts';
import { updateConditionally } from './conditional-update.ts';

/** A shard's state as this part read it, with the ETag its first merge is conditional on. */
interface ReadState {
  state: OcspShardState;
  etag: string | undefined;
}

const STATE_OPTIONS: PutObjectOptions = { contentType: 'application/json', cacheControl: 'no-store' };

export class OcspStateBook {
  /** The shards that have a state, from one listing: a new repository costs no GET per shard. */
  private stored: Promise<Set<string>> | undefined;
  private readonly shards = new Map<string, Promise<ReadState>>();
  /** By shard: the facts this part leaves at each key it wrote (undefined: not known). */
  private readonly updates = new Map<string, Map<string, OcspServedFacts | undefined>>();
  /** Keys whose recorded facts proved wrong (a conditional write failed): judged by HEAD from now on. */
  private readonly distrusted = new Set<string>();

  constructor(private readonly repository: ObjectStore) {}

  /**
   * What the shard's state records as served at `key`, or undefined when it records nothing there.
   * Nothing recorded is not proof of absence (a state behind a crash, an object older than
   * states): the caller then guesses as create-first.ts does, or HEADs.
   */
  async recorded(key: string): Promise<ServedHead | undefined> {
    const shard = ocspShardOfKey(key);
    if (!shard || this.distrusted.has(key)) return undefined;
    const facts = (await this.shardOnce(shard)).state.entries.get(key);
    return facts && servedHeadFromFacts(facts);
  }

  /** The recorded facts of `key` were not what is served: HEAD it from now on. */
  distrust(key: string): void {
    this.distrusted.add(key);
  }

  /** The part wrote `key` (an OCSP object) with this metadata; the store answered `etag`. */
  wrote(key: string, etag: string | undefined, metadata: Readonly<Record<string, string>>): void {
    this.note(key, etag ? factsFromServedHead(etag, metadata) : undefined);
  }

  /** A HEAD showed what is served at `key`: the state learns it (objects written before states). */
  observed(key: string, served: ServedHead | undefined): void {
    if (!served) return;
    const facts = factsFromServedHead(served.etag, served.metadata);
    if (facts) this.note(key, facts);
  }

  /**
   * Merges what the part learnt into each shard's state: one conditional PUT on the version this
   * part read (If-Match, or If-None-Match: * where it read none), read and merged again when another
   * part wrote the state in between. The state is only a hint: a merge that keeps losing leaves it
   * behind, which costs the next publish HEADs, not correctness.
   */
  async flush(concurrency: number): Promise<void> {
    await forEachWithConcurrency([...this.updates], concurrency, ([shard, updates]) =>
      this.merge(shard, updates),
    );
    this.updates.clear();
  }

  private async merge(
    shard: string,
    updates: ReadonlyMap<string, OcspServedFacts | undefined>,
  ): Promise<void> {
    const key = ocspShardStateKey(shard);
    const read = await this.shardOnce(shard);
    // A store that answers no ETag (a directory) learns nothing: no state to start or change.
    const known = [...updates.values()].some((facts) => facts !== undefined);
    if (!known && ![...updates.keys()].some((written) => read.state.entries.has(written))) return;
    try {
      const condition = read.etag ? { ifMatch: read.etag } : { ifNoneMatch: '*' as const };
      const body = Buffer.from(serialiseOcspShardState(read.state, updates));
      await this.repository.put(key, body, { ...STATE_OPTIONS, ...condition });
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
    try {
      await updateConditionally(this.repository, key, (current) => ({
        body: Buffer.from(serialiseOcspShardState(parseOcspShardState(current?.body), updates)),
        options: STATE_OPTIONS,
      }));
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }

  private note(key: string, facts: OcspServedFacts | undefined): void {
    const shard = ocspShardOfKey(key);
    if (!shard) return;
    let updates = this.updates.get(shard);
    if (!updates) {
      updates = new Map();
      this.updates.set(shard, updates);
    }
    updates.set(key, facts);
  }

  private shardOnce(shard: string): Promise<ReadState> {
    let read = this.shards.get(shard);
    if (!read) {
      read = this.readShard(shard);
      this.shards.set(shard, read);
    }
    return read;
  }

  private async readShard(shard: string): Promise<ReadState> {
    this.stored ??= (async () => {
      const shards = new Set<string>();
      for await (const key of this.repository.list(OCSP_SHARD_STATE_PREFIX)) shards.add(key);
      return shards;
    })();
    const key = ocspShardStateKey(shard);
    const stored = (await this.stored).has(key) ? await this.repository.get(key) : undefined;
    return { state: parseOcspShardState(stored?.body), etag: stored?.etag };
  }
}

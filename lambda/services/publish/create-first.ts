/**
 * Publishing at the store's PUT rate: an OCSP key that is new needs no HEAD. The response is judged
 * as if nothing were served at its key and written with If-None-Match: * (S3 conditional write);
 * the write succeeding proves nothing was served, so every rule that consults the served object
 * (no rollback of thisUpdate, one status per thisUpdate, a served revocation stays final; RFC 5280
 * §3.3, revocation-finality.ts) held vacuously. The CA's revocation history, which makes revocation
 * final across replaced objects, is still read for every response. A 412 means the key exists: the
 * file is judged again against what a HEAD shows, as before. One request per new object instead of two.
 *
 * A refresh of existing keys would pay a failed PUT before each HEAD, so a part stops guessing
 * once most of its guesses were wrong (a refresh part learns that within its first few files).
 */
import { OCSP_STORE_PREFIX } from '../../core/ocsp/ocsp-object-key.ts';

/** Guesses made before the conflict rate decides. */
const WARM_UP = 16;

export class CreateFirstPolicy {
  private guesses = 0;
  private conflicts = 0;

  /** Whether the next OCSP file of this part is judged as new (one conditional PUT, no HEAD). */
  shouldGuess(): boolean {
    return this.guesses < WARM_UP || this.conflicts * 2 < this.guesses;
  }

  /** The guess was written (false) or the key already held an object (true). */
  record(conflict: boolean): void {
    this.guesses++;
    if (conflict) this.conflicts++;
  }

  /** Keys a guess may take as empty: OCSP responses only, which are never read back by other kinds. */
  static covers(key: string): boolean {
    return key.startsWith(OCSP_STORE_PREFIX);
  }
}

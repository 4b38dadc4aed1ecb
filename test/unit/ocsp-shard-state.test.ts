/** The OCSP shard state's format: read back as written, merged by key, capped, unreadable = empty. */
import { describe, expect, it } from 'vitest';
import {
  MAX_OCSP_SHARD_STATE_ENTRIES,
  factsFromServedHead,
  ocspShardOfKey,
  ocspShardStateKey,
  parseOcspShardState,
  serialiseOcspShardState,
  servedHeadFromFacts,
  type OcspServedFacts,
} from '../../lambda/core/publish/ocsp-shard-state.ts';
import { readServedMetadata } from '../../lambda/core/publish/served-object.ts';

const key = (serial: string) => `_ocsp/4c/sha1/${'a'.repeat(40)}/${'b'.repeat(40)}/${serial}`;
const facts = (etag: string, status = 'good'): OcspServedFacts => ({
  etag,
  thisUpdate: '2026-12-04T00:00:00.000Z',
  status,
  sha256: 'cd'.repeat(32),
});
const bytes = (text: string) => new TextEncoder().encode(text);

describe('OCSP shard state', () => {
  it('names the shard of an OCSP key and nothing else', () => {
    expect(ocspShardOfKey(key('01'))).toBe('4c');
    expect(ocspShardOfKey('crl/ca.crl')).toBeUndefined();
    expect(ocspShardStateKey('4c')).toBe('_ocsp-state/4c.json');
  });

  it('reads back what it wrote, merged by key; an unknown key drops its entry', () => {
    const empty = parseOcspShardState(undefined);
    const once = parseOcspShardState(
      bytes(
        serialiseOcspShardState(
          empty,
          new Map([
            [key('01'), facts('e1')],
            [key('02'), facts('e2')],
          ]),
        ),
      ),
    );
    const twice = parseOcspShardState(
      bytes(
        serialiseOcspShardState(
          once,
          new Map([
            [key('01'), facts('e3', 'revoked')],
            [key('02'), undefined],
          ]),
        ),
      ),
    );
    expect([...twice.entries]).toEqual([[key('01'), facts('e3', 'revoked')]]);
    const head = servedHeadFromFacts(facts('e3', 'revoked'));
    expect(head.etag).toBe('e3');
    expect(readServedMetadata(head.metadata)).toMatchObject({ kind: 'ocsp-response', certStatus: 'revoked' });
    expect(factsFromServedHead(head.etag, head.metadata)).toEqual(facts('e3', 'revoked'));
  });

  it('keeps no entries past the cap, and takes an unreadable state as empty', () => {
    const many = new Map(
      Array.from({ length: MAX_OCSP_SHARD_STATE_ENTRIES + 1 }, (_, i) => [
        key(i.toString(16)),
        facts(`e${i}`),
      ]),
    );
    const full = parseOcspShardState(bytes(serialiseOcspShardState(parseOcspShardState(undefined), many)));
    expect(full).toEqual({ entries: new Map(), full: true });
    expect(
      parseOcspShardState(bytes(serialiseOcspShardState(full, new Map([[key('01'), facts('e')]])))),
    ).toEqual(full);
    expect(parseOcspShardState(bytes('{"format":"ca-repo-ocsp-state/9","entries":{}}')).entries.size).toBe(0);
    expect(parseOcspShardState(bytes('not json')).entries.size).toBe(0);
  });
});

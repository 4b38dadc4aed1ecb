import { describe, expect, it } from 'vitest';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { planInvalidation } from '../../lambda/core/publish/invalidation.ts';

/** The shard of a serial's key: two hex digits of FNV-1a of the serial. */
const shardOf = (serialHex: string) =>
  ocspObjectKey({ hashAlgorithm: 'sha1', issuerNameHashHex: 'ab', issuerKeyHashHex: 'cd', serialHex }).split(
    '/',
  )[1];

describe('ocspObjectKey', () => {
  it('keys by shard, hash algorithm, issuer hashes and serial, lowercased', () => {
    expect(
      ocspObjectKey({
        hashAlgorithm: 'sha1',
        issuerNameHashHex: 'AB',
        issuerKeyHashHex: 'CD',
        serialHex: '0F',
      }),
    ).toMatch(/^_ocsp\/[0-9a-f]{2}\/sha1\/ab\/cd\/0f$/);
  });

  it('matches FNV-1a 32 (reference values) and spreads sequential serials over many prefixes', () => {
    // FNV-1a("a") = 0xe40c292c, FNV-1a("foobar") = 0xbf9cf968 (published test vectors).
    expect(shardOf('a')).toBe('2c');
    expect(shardOf('foobar')).toBe('68');
    const shards = new Set(Array.from({ length: 10_000 }, (_, i) => shardOf((i + 1).toString(16))));
    expect(shards.size).toBe(256);
  });
});

describe('planInvalidation', () => {
  it('keeps exact paths while few, deduplicated and sorted', () => {
    expect(planInvalidation(['/b.crl', '/a.crl', '/b.crl'])).toEqual(['/a.crl', '/b.crl']);
  });

  it('falls back to one wildcard over the longest common prefix when too many', () => {
    const paths = Array.from({ length: 40 }, (_, i) => `/_ocsp/0${i % 10}/sha1/x/y/${i}`);
    expect(planInvalidation(paths, 30)).toEqual(['/_ocsp/0*']);
    expect(planInvalidation(['/crl/a', '/ca/b', '/x'], 2)).toEqual(['/*']);
  });

  it('keeps one wildcard per top-level folder and the root files exact, so the index does not flush everything', () => {
    const ocsp = Array.from({ length: 40 }, (_, i) => `/_ocsp/0${i % 10}/sha1/x/y/${i}`);
    const index = ['/', '/index.html', '/index.json'];
    expect(planInvalidation([...ocsp, ...index, '/crl/root.crl'], 30)).toEqual([
      '/',
      '/_ocsp/0*',
      '/crl/root.crl',
      '/index.html',
      '/index.json',
    ]);
  });
});

/**
 * Partitioned CRLs and their CCADB disclosure: the Issuing Distribution Point as openssl writes
 * it, the placement rule (a partition only at the URL its IDP names, the same IDP on replacement),
 * the crl-urls files derived from the index, the reserved names, the public base URLs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuingDistributionPointOf } from '../../lambda/core/crl/issuing-distribution-point.ts';
import { placeCrl } from '../../lambda/core/crl/crl-partition.ts';
import { parseCrl } from '../../lambda/core/crl/validate-crl.ts';
import { crlDisclosureFiles, crlDisclosureLinks } from '../../lambda/core/publish/crl-disclosure.ts';
import { parsePublicBaseUrl, parsePublicBaseUrls } from '../../lambda/core/publish/public-urls.ts';
import {
  emptyIndex,
  mergeIndex,
  noIndexChanges,
  type CrlEntry,
} from '../../lambda/core/publish/repository-index.ts';
import { validateBundlePath } from '../../lambda/core/publish/validate-bundle-path.ts';
import { RejectedError } from '../../lambda/core/rejection.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

const BASE = 'http://repo.example.jp';
let pki: TestPki;
const crls: Record<string, Uint8Array> = {};

beforeAll(async () => {
  pki = await createTestPki();
  const idp = (uris: string[], extra: object = {}) => ({ issuingDistributionPoint: { uris, ...extra } });
  crls.p1 = await pki.ca.generateCrl(idp([`${BASE}/crl/1.crl`]));
  crls.p1b = await pki.ca.generateCrl(idp([`${BASE}/crl/1.crl`]));
  crls.p2 = await pki.ca.generateCrl(idp(['http://other.example/crl/2.crl', `${BASE}/crl/2.crl`]));
  crls.nonCritical = await pki.ca.generateCrl(idp([`${BASE}/crl/1.crl`], { critical: false }));
  crls.indirect = await pki.ca.generateCrl(idp([`${BASE}/crl/1.crl`], { indirect: true }));
  crls.full = await pki.ca.generateCrl();
}, 120_000);
afterAll(() => pki?.cleanup());

const idpOf = (name: string) => issuingDistributionPointOf(parseCrl(crls[name]!));

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof RejectedError) return error.message;
    throw error;
  }
  throw new Error('not refused');
}

describe('Issuing Distribution Point (RFC 5280 §5.2.5)', () => {
  it('reads the fullName URIs and flags openssl writes', () => {
    expect(idpOf('p2')).toMatchObject({
      critical: true,
      fullNameUris: ['http://other.example/crl/2.crl', `${BASE}/crl/2.crl`],
      indirectCrl: false,
    });
    expect(idpOf('indirect')?.indirectCrl).toBe(true);
    expect(idpOf('nonCritical')?.critical).toBe(false);
    expect(idpOf('full')).toBeUndefined();
  });
});

describe('where a CRL may be published', () => {
  const place = (name: string, path: string, previous?: string | null) =>
    placeCrl({
      idp: idpOf(name),
      path,
      publicBaseUrls: [BASE],
      ...(previous === undefined
        ? {}
        : { previousIdp: previous === null ? null : (idpOf(previous) ?? null) }),
    });

  it('accepts a partition at the URL its IDP names, with that URI as its public URL', () => {
    expect(place('p1', 'crl/1.crl')).toEqual({ scope: 'partition', publicUrl: `${BASE}/crl/1.crl` });
    expect(place('p2', 'crl/2.crl')).toEqual({ scope: 'partition', publicUrl: `${BASE}/crl/2.crl` });
  });

  it('refuses a partition at another URL, naming both', () => {
    expect(refusal(() => place('p1', 'crl/2.crl'))).toMatch(
      /wrong URL.*http:\/\/repo\.example\.jp\/crl\/1\.crl.*http:\/\/repo\.example\.jp\/crl\/2\.crl/,
    );
    // Byte for byte: a trailing slash, another case or another scheme is another URL.
    expect(() => place('p1', 'crl/1.CRL')).toThrow(RejectedError);
    expect(() =>
      placeCrl({ idp: idpOf('p1'), path: 'crl/1.crl', publicBaseUrls: ['https://repo.example.jp'] }),
    ).toThrow(/wrong URL/);
  });

  it('refuses a non-critical IDP and an indirect CRL (BR §7.2.2.1)', () => {
    expect(refusal(() => place('nonCritical', 'crl/1.crl'))).toMatch(/not critical/);
    expect(refusal(() => place('indirect', 'crl/1.crl'))).toMatch(/indirect CRL/);
  });

  it('refuses a partition when no public base URL is known', () => {
    expect(() => placeCrl({ idp: idpOf('p1'), path: 'crl/1.crl', publicBaseUrls: [] })).toThrow(
      /publicBaseUrls/,
    );
  });

  it('keeps a path a partition or a full CRL, with the same IDP', () => {
    expect(place('p1b', 'crl/1.crl', 'p1').scope).toBe('partition');
    expect(refusal(() => place('p1', 'crl/1.crl', null))).toMatch(/serves a full CRL/);
    expect(refusal(() => place('full', 'crl/1.crl', 'p1'))).toMatch(/serves a partition/);
    expect(refusal(() => place('p2', 'crl/2.crl', 'p1'))).toMatch(/keeps the same IDP/);
  });

  it('gives a full CRL the primary base URL', () => {
    expect(place('full', 'crl/root.crl')).toEqual({ scope: 'full', publicUrl: `${BASE}/crl/root.crl` });
  });
});

describe('CCADB disclosure files, derived from the index', () => {
  const ca = 'a'.repeat(64);
  const other = 'b'.repeat(64);
  const entry = (url: string, more: Partial<CrlEntry>): CrlEntry => ({
    url,
    issuer: 'CN=x',
    crlNumber: '1',
    thisUpdate: '2026-01-01T00:00:00.000Z',
    nextUpdate: '2026-01-08T00:00:00.000Z',
    revokedCount: 0,
    delta: false,
    ca,
    ...more,
  });
  const index = mergeIndex(
    emptyIndex('/ocsp', new Date()),
    {
      ...noIndexChanges(),
      crls: [
        entry('/crl/1.crl', { scope: 'partition', publicUrl: `${BASE}/crl/1.crl` }),
        entry('/crl/2.crl', { scope: 'partition', publicUrl: `${BASE}/crl/2.crl` }),
        entry('/crl/full.crl', { scope: 'full' }),
        entry('/crl/delta.crl', { delta: true }),
      ],
    },
    new Date(),
  );

  it('lists every CRL of a CA, its full CRLs apart, every CRL of all CAs, never a delta', () => {
    const files = Object.fromEntries(
      crlDisclosureFiles(index, [ca, other], [BASE]).map((f) => [f.key, f.urls]),
    );
    expect(files).toEqual({
      'crl-urls.json': [`${BASE}/crl/1.crl`, `${BASE}/crl/2.crl`, `${BASE}/crl/full.crl`],
      [`crl-urls/${ca}.json`]: [`${BASE}/crl/1.crl`, `${BASE}/crl/2.crl`, `${BASE}/crl/full.crl`],
      [`crl-urls/${ca}-full.json`]: [`${BASE}/crl/full.crl`],
      [`crl-urls/${other}.json`]: [],
      [`crl-urls/${other}-full.json`]: [],
    });
  });

  it('follows the index: an entry gone from it is gone from the files', () => {
    const withdrawn = { ...index, crls: index.crls.filter((c) => c.url !== '/crl/2.crl') };
    const all = crlDisclosureFiles(withdrawn, [ca], [BASE]).find((f) => f.key === 'crl-urls.json');
    expect(all?.urls).not.toContain(`${BASE}/crl/2.crl`);
  });

  it('links them from index.json', () => {
    expect(crlDisclosureLinks(index, [ca])).toEqual({
      all: '/crl-urls.json',
      byCa: [{ ca, issuer: 'CN=x', all: `/crl-urls/${ca}.json`, full: `/crl-urls/${ca}-full.json` }],
    });
  });

  it('reserves their names', () => {
    for (const path of ['crl-urls.json', `crl-urls/${ca}.json`, 'crl-urls']) {
      expect(() => validateBundlePath(path), path).toThrow(/reserved/);
    }
    expect(validateBundlePath('crl/crl-urls.json')).toBe('crl/crl-urls.json');
  });
});

describe('public base URLs', () => {
  it('takes scheme and host, drops a trailing slash, refuses paths and upper case', () => {
    expect(parsePublicBaseUrl('http://repo.example.jp/')).toBe('http://repo.example.jp');
    expect(parsePublicBaseUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(parsePublicBaseUrls('http://a.example, https://a.example,http://a.example')).toEqual([
      'http://a.example',
      'https://a.example',
    ]);
    for (const bad of [
      'repo.example.jp',
      'http://repo.example.jp/crl',
      'HTTP://Repo.example.jp',
      'ftp://x.example',
    ]) {
      expect(() => parsePublicBaseUrl(bad), bad).toThrow(/public base URL/);
    }
  });
});

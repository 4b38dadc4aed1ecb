import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import {
  base64Value,
  ocspObjectKeyForGetPath,
  parseOcspRequest,
} from '../../lambda/core/ocsp/ocsp-request.ts';
import { normaliseSerialHex } from '../../lambda/core/pki/x509.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
const requests: Record<string, Uint8Array> = {};
beforeAll(async () => {
  pki = await createTestPki();
  for (const hash of ['sha1', 'sha256', 'sha384'] as const) {
    requests[hash] = await pki.ca.ocspRequest(pki.leaf, { hash });
    requests[`${hash}-nonce`] = await pki.ca.ocspRequest(pki.leaf, { hash, nonce: true });
  }
});
afterAll(() => pki?.cleanup());

function expectedKey(hash: 'sha1' | 'sha256' | 'sha384'): string {
  const ca = pki.trust.cas[0]!;
  return ocspObjectKey({
    hashAlgorithm: hash,
    issuerNameHashHex: ca.certIdHashes[hash].nameHash,
    issuerKeyHashHex: ca.certIdHashes[hash].keyHash,
    serialHex: normaliseSerialHex(pki.leaf.serialHex),
  });
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('parseOcspRequest (RFC 6960 §4.1.1) on requests made by openssl ocsp', () => {
  it.each(['sha1', 'sha256', 'sha384'] as const)(
    'extracts the %s CertID, with and without a nonce',
    (hash) => {
      const plain = parseOcspRequest(requests[hash]!);
      expect(plain && ocspObjectKey(plain)).toBe(expectedKey(hash));
      expect(parseOcspRequest(requests[`${hash}-nonce`]!)).toEqual(plain);
    },
  );

  it.each([
    ['empty', []],
    ['not a SEQUENCE', [0x04, 0x00]],
    ['truncated', 'truncate'],
    ['trailing garbage', 'trailing'],
    ['indefinite length (BER, not DER)', [0x30, 0x80, 0x00, 0x00]],
    ['overlong length', [0x30, 0x84, 0xff, 0xff, 0xff, 0xff]],
    ['non-minimal length', [0x30, 0x81, 0x03, 0x30, 0x01, 0x00]],
    ['empty requestList', [0x30, 0x04, 0x30, 0x02, 0x30, 0x00]],
    ['high tag number', [0x1f, 0x81, 0x00]],
    ['deeply nested SEQUENCEs', 'nested'],
    ['an OCSP response instead of a request', [0x30, 0x03, 0x0a, 0x01, 0x06]],
  ] as const)('returns null for %s', (_name, input) => {
    const sha1 = requests.sha1!;
    let bytes: Uint8Array;
    if (input === 'truncate') bytes = sha1.subarray(0, sha1.length - 3);
    else if (input === 'trailing') bytes = new Uint8Array([...sha1, 0x00]);
    else if (input === 'nested') {
      let inner = [0x05, 0x00];
      for (let i = 0; i < 60; i++) inner = [0x30, inner.length, ...inner].slice(0, 120);
      bytes = new Uint8Array(inner);
    } else bytes = new Uint8Array(input as readonly number[]);
    expect(parseOcspRequest(bytes)).toBeNull();
  });
});

describe('ocspObjectKeyForGetPath: lenient as clients and proxies really send it (RFC 6960 A.1, RFC 9919)', () => {
  const sha256 = () => b64(requests['sha256-nonce']!);
  it.each([
    ['plain base64', () => sha256()],
    ['percent-encoded (+ / =)', () => encodeURIComponent(sha256())],
    ['%2F only', () => sha256().replace(/\//g, '%2F')],
    ['+ arriving as a space', () => sha256().replace(/\+/g, ' ')],
    ['+ arriving as %20', () => sha256().replace(/\+/g, '%20')],
    ['missing padding', () => sha256().replace(/=+$/, '')],
    ['base64url', () => sha256().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')],
    ['leading slash', () => `/${sha256()}`],
    ['doubled leading slash', () => `//${sha256()}`],
    [
      'lower-case percent escapes',
      () => encodeURIComponent(sha256()).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    ],
  ])('decodes %s', (_name, path) => {
    expect(ocspObjectKeyForGetPath(path())).toBe(expectedKey('sha256'));
  });

  it.each([
    ['a non-ASCII escape', (t: string) => `${t.slice(0, 8)}%C3%A9${t.slice(8)}`],
    ['an escape that is not hex', (t: string) => `%G1${t}`],
    ['a truncated escape', (t: string) => `${t}%4`],
    ['padding inside', (t: string) => `${t.slice(0, 8)}=${t.slice(8)}`],
  ])('refuses a request with %s', (_name, spoil) => {
    expect(ocspObjectKeyForGetPath(spoil(sha256()))).toBeNull();
  });

  // A proxy merged or a client doubled a `/` inside the base64: each `//` reads as one `/`.
  it.each([
    ['a slash inside doubled', '//'],
    ['a slash inside doubled, escaped', '%2F%2F'],
    ['a slash inside doubled, one half escaped', '/%2F'],
  ])('decodes %s', (_name, doubled) => {
    const hash = (['sha1', 'sha256', 'sha384'] as const).find((h) => b64(requests[h]!).includes('/'));
    expect(hash).toBeDefined(); // three requests without a `/` in their base64: regenerate
    expect(ocspObjectKeyForGetPath(b64(requests[hash!]!).replace('/', doubled))).toBe(expectedKey(hash!));
  });

  it.each([
    ['empty', ''],
    ['not base64', '!!!!'],
    ['bad percent escape', '%E0%A4%A'],
    ['base64 of garbage', Buffer.from('hello world').toString('base64')],
    ['one stray character', 'A'],
  ])('refuses %s', (_name, path) => {
    expect(ocspObjectKeyForGetPath(path)).toBeNull();
  });
});

describe("base64Value: the GET decoder's alphabet", () => {
  it('gives every character code its value in the standard and URL-safe alphabets, -1 otherwise', () => {
    const standard = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let code = 0; code < 256; code++) {
      const char = String.fromCharCode(code);
      const expected = char === '-' ? 62 : char === '_' ? 63 : standard.indexOf(char);
      expect([code, base64Value(code)]).toEqual([code, expected]);
    }
  });
});

/**
 * classifyContent over artifacts made at test time by the openssl CLI, hand-built edge cases, and
 * a seeded mutation fuzz run: the classifier decides by content and never throws.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContentClass, classifyContent } from '../../lambda/core/publish/classify-content.ts';
import { bytesEqual, concatBytes, fromHex } from '../../lambda/core/encoding/bytes.ts';
import { parsePemBlocks } from '../../lambda/core/encoding/pem.ts';
import { toPem } from '../../testkit/pem.ts';

let dir: string;
const fixtures = new Map<string, Uint8Array>();
const encoder = new TextEncoder();
const text = (s: string): Uint8Array => encoder.encode(s);

function fixture(name: string): Uint8Array {
  const bytes = fixtures.get(name);
  if (!bytes) throw new Error(`fixture ${name} was not generated`);
  return bytes;
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

function keep(...names: string[]): void {
  for (const name of names) fixtures.set(name, new Uint8Array(readFileSync(join(dir, name))));
}

/** DER of one element with a definite length (X.690 §8.1.3), for hand-built structures. */
function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const body = concatBytes(contents);
  const n = body.byteLength;
  const length =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concatBytes([new Uint8Array([tag, ...length]), body]);
}

/** The same element re-encoded with an indefinite outer length (X.690 §8.1.3.6): BER, not DER. */
function withIndefiniteLength(der: Uint8Array): Uint8Array {
  const lengthOctet = der[1] ?? 0;
  const headerLength = lengthOctet < 0x80 ? 2 : 2 + (lengthOctet & 0x7f);
  return concatBytes([
    new Uint8Array([der[0] ?? 0, 0x80]),
    der.subarray(headerLength),
    new Uint8Array([0, 0]),
  ]);
}

/** A small but well-formed PDF (ISO 32000-1 §7.5) with one content stream. */
function buildPdf(stream: Uint8Array, filter = '/FlateDecode'): Uint8Array {
  const parts: Uint8Array[] = [text('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')];
  const offsets: number[] = [];
  const length = () => parts.reduce((n, p) => n + p.byteLength, 0);
  const object = (body: string | Uint8Array[]) => {
    offsets.push(length());
    parts.push(text(`${offsets.length} 0 obj\n`));
    if (typeof body === 'string') parts.push(text(body));
    else parts.push(...body);
    parts.push(text('\nendobj\n'));
  };
  object('<< /Type /Catalog /Pages 2 0 R >>');
  object('<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  object('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>');
  object([text(`<< /Length ${stream.byteLength} ${filter} >>\nstream\n`), stream, text('\nendstream')]);
  const xref = length();
  const entries = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  parts.push(text(`xref\n0 5\n0000000000 65535 f \n${entries}`));
  parts.push(text(`trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`));
  return concatBytes(parts);
}

function relabel(pem: Uint8Array, label: string): Uint8Array {
  const [block] = parsePemBlocks(new TextDecoder().decode(pem));
  if (!block) throw new Error('no PEM block to relabel');
  return text(toPem(label, block.der));
}

function generateFixtures(): void {
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key');
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'ca.key', '-outform', 'DER', '-out', 'ca.key.der');
  openssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=Test CA', '-days', '30', '-out', 'ca.pem');
  openssl('x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der');
  openssl('x509', '-in', 'ca.pem', '-addtrust', 'serverAuth', '-trustout', '-out', 'ca.trusted.pem');
  openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ee.key');
  openssl('req', '-new', '-key', 'ee.key', '-subj', '/CN=ee', '-out', 'ee.csr');
  openssl('req', '-in', 'ee.csr', '-outform', 'DER', '-out', 'ee.csr.der');
  openssl(
    'x509',
    '-req',
    '-in',
    'ee.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '0x1001',
    '-days',
    '5',
    '-out',
    'ee.pem',
  );

  writeFileSync(join(dir, 'index.txt'), 'R\t301231000000Z\t250101000000Z\t1001\tunknown\t/CN=ee\n');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\n',
  );
  openssl('ca', '-gencrl', '-config', 'ca.cnf', '-keyfile', 'ca.key', '-cert', 'ca.pem', '-out', 'crl.pem');
  openssl('crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der');
  openssl('ocsp', '-issuer', 'ca.pem', '-cert', 'ee.pem', '-no_nonce', '-reqout', 'ocsp-request.der');
  openssl(
    'ocsp',
    '-index',
    'index.txt',
    '-CA',
    'ca.pem',
    '-rsigner',
    'ca.pem',
    '-rkey',
    'ca.key',
    '-reqin',
    'ocsp-request.der',
    '-respout',
    'ocsp.der',
  );

  writeFileSync(join(dir, 'cps.txt'), 'Certification Practice Statement\n');
  const sign = ['cms', '-sign', '-binary', '-in', 'cps.txt', '-signer', 'ca.pem', '-inkey', 'ca.key'];
  openssl(...sign, '-outform', 'DER', '-out', 'cps.p7s');
  openssl(...sign, '-outform', 'PEM', '-out', 'cps.p7s.pem');
  openssl(...sign, '-stream', '-outform', 'DER', '-out', 'cps.p7s.ber');
  openssl(
    'cms',
    '-encrypt',
    '-binary',
    '-in',
    'cps.txt',
    '-recip',
    'ca.pem',
    '-outform',
    'DER',
    '-out',
    'cps.p7m',
  );
  openssl('pkcs12', '-export', '-in', 'ca.pem', '-inkey', 'ca.key', '-passout', 'pass:pw', '-out', 'ca.p12');
  keep(
    ...['ca.key', 'ca.key.der', 'ca.pem', 'ca.der', 'ca.trusted.pem', 'ee.csr', 'ee.csr.der', 'ee.pem'],
    ...['crl.pem', 'crl.der', 'ocsp-request.der', 'ocsp.der', 'cps.txt', 'cps.p7s', 'cps.p7s.pem'],
    ...['cps.p7s.ber', 'cps.p7m', 'ca.p12'],
  );

  const caDer = fixture('ca.der');
  const set = (name: string, bytes: Uint8Array) => fixtures.set(name, bytes);
  set('certificate then key.pem', concatBytes([fixture('ca.pem'), fixture('ca.key')]));
  set('two certificates.pem', concatBytes([fixture('ca.pem'), fixture('ee.pem')]));
  set('X509 CERTIFICATE label', relabel(fixture('ca.pem'), 'X509 CERTIFICATE'));
  set('PKCS7 label', relabel(fixture('cps.p7s.pem'), 'PKCS7'));
  set('CERTIFICATE label over CRL bytes', relabel(fixture('crl.pem'), 'CERTIFICATE'));
  set('X509 CRL label over certificate bytes', relabel(fixture('ca.pem'), 'X509 CRL'));
  set('CMS label over OCSP response bytes', text(toPem('CMS', fixture('ocsp.der'))));
  set(
    'certificate PEM without END',
    text(new TextDecoder().decode(fixture('ca.pem')).split('-----END')[0] ?? ''),
  );
  set(
    'certificate PEM with explanatory text',
    concatBytes([text('Subject: CN=Test CA\n\n'), fixture('ca.pem')]),
  );
  set(
    'CERTIFICATE PEM over garbage',
    text('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'),
  );
  set('certificate DER, truncated', caDer.subarray(0, caDer.byteLength - 10));
  set('certificate DER + trailing garbage', concatBytes([caDer, fromHex('0d0a')]));
  set('certificate in indefinite-length BER', withIndefiniteLength(caDer));
  set('certificate as bare base64', text(Buffer.from(caDer).toString('base64').replace(/.{64}/g, '$&\n')));
  set('document.pdf', buildPdf(deflateSync(text('BT /F1 12 Tf 72 712 Td (CPS) Tj ET'))));
  set(
    'PDF after 200 bytes of preamble',
    concatBytes([new Uint8Array(200).fill(0x20), fixture('document.pdf')]),
  );
  set('"%PDF-" only after 1 KiB', concatBytes([new Uint8Array(1100).fill(0x01), fixture('document.pdf')]));
  set('key in a PDF stream', buildPdf(fixture('ca.key'), ''));
  // RFC 6960 §4.2.1: a non-successful response is only the status.
  set('OCSP tryLater response', tlv(0x30, tlv(0x0a, fromHex('03'))));
  set('OCSP successful response without ResponseBytes', tlv(0x30, tlv(0x0a, fromHex('00'))));
  set('SEQUENCE { INTEGER 5 }', tlv(0x30, tlv(0x02, fromHex('05'))));
  let nested = tlv(0x05);
  for (let i = 0; i < 40; i++) nested = tlv(0x30, nested);
  set('SEQUENCE nested 40 deep', nested);
  set('empty file', new Uint8Array());
  set('whitespace only', text(' \n\t\r\n'));
  set('text file', text('\ufeffCertification Practice Statement, version 1.2\n'));
  set('HTML error page', text('<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head></html>\n'));
  set('binary garbage', fromHex('7f454c4602010100000000000000000003003e00'));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'classify-content-'));
  generateFixtures();
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The DER a PEM fixture's single block holds, to check that classification returns it. */
function pemDer(name: string): Uint8Array {
  const [block] = parsePemBlocks(new TextDecoder().decode(fixture(name)));
  if (!block) throw new Error(`${name} has no PEM block`);
  return block.der;
}

describe('classifyContent accepts artifacts by their content', () => {
  it.each<[string, ContentClass['type'], 'PEM' | 'DER' | undefined]>([
    ['ca.pem', 'certificate', 'PEM'],
    ['ca.der', 'certificate', 'DER'],
    ['ee.pem', 'certificate', 'PEM'],
    ['X509 CERTIFICATE label', 'certificate', 'PEM'],
    ['certificate PEM with explanatory text', 'certificate', 'PEM'],
    ['crl.pem', 'crl', 'PEM'],
    ['crl.der', 'crl', 'DER'],
    ['ocsp.der', 'ocsp-response', undefined],
    ['OCSP tryLater response', 'ocsp-response', undefined],
    ['cps.p7s', 'cms-signature', 'DER'],
    ['cps.p7s.pem', 'cms-signature', 'PEM'],
    ['PKCS7 label', 'cms-signature', 'PEM'],
    // RFC 5652 allows BER; cms.ts decodes it.
    ['cps.p7s.ber', 'cms-signature', 'DER'],
  ])('%s → %s', (name, type, encoding) => {
    const result = classifyContent(fixture(name));
    expect(result.type).toBe(type);
    if ('encoding' in result) expect(result.encoding).toBe(encoding);
    if ('der' in result) {
      const expected = encoding === 'PEM' ? pemDer(name) : fixture(name);
      expect(bytesEqual(result.der, expected)).toBe(true);
    }
  });

  it.each(['document.pdf', 'PDF after 200 bytes of preamble'])('%s → pdf', (name) => {
    expect(classifyContent(fixture(name))).toEqual({ type: 'pdf' });
  });
});

describe('classifyContent refuses private keys before anything else', () => {
  it.each([
    ['ca.key', 'PEM "PRIVATE KEY" block'],
    ['ca.key.der', 'PKCS#8 PrivateKeyInfo (DER)'],
    ['ca.p12', 'PKCS#12 PFX'],
    ['certificate then key.pem', 'PEM "PRIVATE KEY" block'],
    ['key in a PDF stream', 'PEM "PRIVATE KEY" block'],
  ])('%s → private-key (%s)', (name, form) => {
    expect(classifyContent(fixture(name))).toEqual({ type: 'private-key', form });
  });
});

describe('classifyContent says why anything else is unrecognised', () => {
  it.each<[string, string | RegExp]>([
    ['ca.trusted.pem', 'OpenSSL TRUSTED CERTIFICATE is not a plain certificate'],
    ['two certificates.pem', '2 PEM blocks: publish one artifact per file'],
    ['CERTIFICATE label over CRL bytes', 'PEM label "CERTIFICATE" but the content is a CRL'],
    ['X509 CRL label over certificate bytes', 'PEM label "X509 CRL" but the content is a certificate'],
    ['CMS label over OCSP response bytes', 'PEM label "CMS" but the content is an OCSP response'],
    ['certificate PEM without END', /without a matching "-----END" line/],
    ['CERTIFICATE PEM over garbage', /^PEM "CERTIFICATE" block: /],
    ['ee.csr', /^PEM label "CERTIFICATE REQUEST": not a certificate, CRL/],
    ['ee.csr.der', /certificate request\?/],
    ['ocsp-request.der', /^ASN\.1 but not a certificate, CRL, OCSP response, CMS signature or PDF/],
    ['cps.p7m', /CMS ContentInfo of type 1\.2\.840\.113549\.1\.7\.3, not id-signedData/],
    ['certificate DER, truncated', /^truncated DER/],
    ['certificate DER + trailing garbage', '2 trailing bytes after the DER element'],
    ['certificate in indefinite-length BER', 'a certificate in indefinite-length BER: it must be DER'],
    ['certificate as bare base64', /^base64 text without PEM/],
    ['OCSP successful response without ResponseBytes', 'malformed OCSP response'],
    ['SEQUENCE { INTEGER 5 }', /^ASN\.1 but not a certificate/],
    ['SEQUENCE nested 40 deep', /nested deeper than/],
    ['"%PDF-" only after 1 KiB', /not a certificate, CRL, OCSP response, CMS signature or PDF/],
    ['empty file', /^empty file/],
    ['whitespace only', /^only whitespace/],
    ['cps.txt', /^a text file/],
    ['text file', /^a text file/],
    ['HTML error page', /^an HTML page/],
    ['binary garbage', /^unknown binary format/],
  ])('%s', (name, reason) => {
    const result = classifyContent(fixture(name));
    expect(result.type).toBe('unrecognised');
    if (result.type !== 'unrecognised') return;
    if (typeof reason === 'string') expect(result.reason).toBe(reason);
    else expect(result.reason).toMatch(reason);
  });
});

/** mulberry32: a small seeded PRNG, so a failing fuzz input can be reproduced. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLASS_TYPES = [
  'certificate',
  'crl',
  'ocsp-response',
  'cms-signature',
  'pdf',
  'private-key',
  'unrecognised',
];

describe('classifyContent never throws', () => {
  it('on 5,000 seeded mutations of real artifacts and random bytes', () => {
    const random = seededRandom(0x5eed);
    const int = (n: number) => Math.floor(random() * n);
    const randomBytes = (n: number) => new Uint8Array(n).map(() => int(256));
    const seeds = [
      'ca.der',
      'crl.der',
      'ocsp.der',
      'cps.p7s',
      'cps.p7s.ber',
      'cps.p7m',
      'ca.pem',
      'crl.pem',
      'cps.p7s.pem',
      'ca.key.der',
      'ca.p12',
      'ee.csr.der',
      'document.pdf',
      'OCSP tryLater response',
    ].map(fixture);
    // Octets that steer a BER reader: constructed tags, long and indefinite lengths, end-of-contents.
    const interesting = [0x00, 0x30, 0x31, 0x80, 0x81, 0x82, 0x84, 0x85, 0xa0, 0xff, 0x1f, 0x0a, 0x06];

    const mutate = (input: Uint8Array): Uint8Array => {
      const bytes = new Uint8Array(input);
      const at = int(Math.max(bytes.byteLength, 1));
      switch (int(8)) {
        case 0: // flip a few bits
          for (let i = 1 + int(8); i > 0; i--) {
            const index = int(bytes.byteLength);
            bytes[index] = (bytes[index] ?? 0) ^ (1 << int(8));
          }
          return bytes;
        case 1: // overwrite with steering octets
          for (let i = 1 + int(4); i > 0; i--) {
            bytes[int(bytes.byteLength)] = interesting[int(interesting.length)] ?? 0;
          }
          return bytes;
        case 2: // truncate
          return bytes.subarray(0, at);
        case 3: // delete a range
          return concatBytes([bytes.subarray(0, at), bytes.subarray(at + 1 + int(64))]);
        case 4: // insert random bytes
          return concatBytes([bytes.subarray(0, at), randomBytes(1 + int(16)), bytes.subarray(at)]);
        case 5: // splice two artifacts
          return concatBytes([bytes.subarray(0, at), (seeds[int(seeds.length)] ?? bytes).subarray(int(64))]);
        case 6: // duplicate a range (repeated structures)
          return concatBytes([bytes.subarray(0, at), bytes.subarray(at, at + int(200)), bytes.subarray(at)]);
        default: // pure noise, sometimes behind a SEQUENCE header
          return random() < 0.5
            ? randomBytes(int(600))
            : concatBytes([fromHex('3082'), randomBytes(int(600))]);
      }
    };

    const counts = new Map<string, number>();
    for (let i = 0; i < 5_000; i++) {
      let input = seeds[i % seeds.length] ?? new Uint8Array();
      for (let rounds = 1 + int(3); rounds > 0; rounds--) input = mutate(input);
      let result: ContentClass | undefined;
      expect(() => (result = classifyContent(input)), `input #${i}`).not.toThrow();
      expect(CLASS_TYPES).toContain(result?.type);
      counts.set(result?.type ?? '', (counts.get(result?.type ?? '') ?? 0) + 1);
    }
    // The mutations must exercise more than the refusal path.
    expect(counts.get('unrecognised')).toBeGreaterThan(0);
    expect(counts.size).toBeGreaterThan(3);
  });

  it.each<[string, () => Uint8Array]>([
    ['4 MB of "-----BEGIN " on one line', () => text('-----BEGIN '.repeat(400_000))],
    [
      '4,000 distinct unterminated PEM labels',
      () =>
        text(
          Array.from({ length: 4_000 }, (_, i) => `-----BEGIN L${i}-----\nAAAA\n`)
            .join('')
            .repeat(10),
        ),
    ],
    [
      '4 MB of nested indefinite lengths',
      () => new Uint8Array(4_000_000).map((_, i) => (i % 2 ? 0x80 : 0x30)),
    ],
    [
      '2 million NULLs in one indefinite SEQUENCE',
      () => concatBytes([fromHex('3080'), new Uint8Array(4_000_000).map((_, i) => (i % 2 ? 0 : 5))]),
    ],
    [
      'a 4 MB SEQUENCE of empty SEQUENCEs',
      () =>
        tlv(
          0x30,
          new Uint8Array(4_000_000).map((_, i) => (i % 2 ? 0 : 0x30)),
        ),
    ],
  ])('and bounds its work on %s', (_name, build) => {
    const input = build();
    const started = performance.now();
    expect(classifyContent(input).type).toBe('unrecognised');
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

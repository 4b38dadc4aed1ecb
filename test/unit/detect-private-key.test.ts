/**
 * detectPrivateKey over real key files made at test time by the openssl CLI (and ssh-keygen and gpg
 * when installed), in every container form, plus the repository artifacts that must not trip it.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, fromHex } from '../../lambda/core/encoding/bytes.ts';
import { detectPrivateKey } from '../../lambda/core/publish/detect-private-key.ts';
import { toPem } from '../../testkit/pem.ts';

const hasTool = (tool: string): boolean => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const HAS_SSH_KEYGEN = hasTool('ssh-keygen');
const HAS_GPG = hasTool('gpg') && hasTool('gpgconf');

let dir: string;
const fixtures = new Map<string, Uint8Array>();
const encoder = new TextEncoder();
const text = (s: string): Uint8Array => encoder.encode(s);

function fixture(name: string): Uint8Array {
  const bytes = fixtures.get(name);
  if (!bytes) throw new Error(`fixture ${name} was not generated`);
  return bytes;
}

function run(tool: string, args: string[], env?: NodeJS.ProcessEnv): Uint8Array {
  return new Uint8Array(execFileSync(tool, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env }));
}
const openssl = (...args: string[]): Uint8Array => run('openssl', args);

/** Reads generated files into the fixture table under their own names. */
function keep(...names: string[]): void {
  for (const name of names) fixtures.set(name, new Uint8Array(readFileSync(join(dir, name))));
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

function generateOpensslFixtures(): void {
  // RSA, EC and Ed25519 keys in PKCS#8 (PEM, DER), traditional and encrypted forms.
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.p8.pem');
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'rsa.p8.pem', '-outform', 'DER', '-out', 'rsa.p8.der');
  openssl('genrsa', '-traditional', '-out', 'rsa.genrsa.pem', '2048');
  openssl('rsa', '-in', 'rsa.p8.pem', '-traditional', '-outform', 'DER', '-out', 'rsa.pkcs1.der');
  openssl(
    'rsa',
    '-in',
    'rsa.p8.pem',
    '-traditional',
    '-aes256',
    '-passout',
    'pass:pw',
    '-out',
    'rsa.legacy.pem',
  );
  openssl(
    'pkcs8',
    '-topk8',
    '-v2',
    'aes256',
    '-in',
    'rsa.p8.pem',
    '-passout',
    'pass:pw',
    '-out',
    'rsa.enc.pem',
  );
  openssl('pkey', '-in', 'rsa.p8.pem', '-pubout', '-out', 'rsa.pub.pem');
  openssl('pkey', '-in', 'rsa.p8.pem', '-pubout', '-outform', 'DER', '-out', 'rsa.pub.der');

  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.p8.pem');
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'ec.p8.pem', '-outform', 'DER', '-out', 'ec.p8.der');
  openssl('ec', '-in', 'ec.p8.pem', '-out', 'ec.sec1.pem');
  openssl('ec', '-in', 'ec.p8.pem', '-outform', 'DER', '-out', 'ec.sec1.der');
  openssl('ec', '-in', 'ec.p8.pem', '-param_out', '-out', 'ec.params.pem');
  openssl(
    'pkcs8',
    '-topk8',
    '-v2',
    'aes256',
    '-in',
    'ec.p8.pem',
    '-passout',
    'pass:pw',
    '-outform',
    'DER',
    '-out',
    'ec.enc.der',
  );

  openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ed25519.p8.pem');
  openssl(
    'pkcs8',
    '-topk8',
    '-nocrypt',
    '-in',
    'ed25519.p8.pem',
    '-outform',
    'DER',
    '-out',
    'ed25519.p8.der',
  );
  openssl(
    'pkcs8',
    '-topk8',
    '-v2',
    'aes256',
    '-in',
    'ed25519.p8.pem',
    '-passout',
    'pass:pw',
    '-out',
    'ed25519.enc.pem',
  );
  // PBES1 with a PKCS#12 PBE scheme (RFC 7292 Appendix C), as old tools still write.
  openssl(
    'pkcs8',
    '-topk8',
    '-v1',
    'PBE-SHA1-3DES',
    '-in',
    'ed25519.p8.pem',
    '-passout',
    'pass:pw',
    '-outform',
    'DER',
    '-out',
    'ed25519.pbes1.der',
  );

  openssl(
    'genpkey',
    '-genparam',
    '-algorithm',
    'DSA',
    '-pkeyopt',
    'dsa_paramgen_bits:1024',
    '-out',
    'dsa.params',
  );
  openssl('genpkey', '-paramfile', 'dsa.params', '-out', 'dsa.p8.pem');
  openssl('dsa', '-in', 'dsa.p8.pem', '-out', 'dsa.trad.pem');
  openssl('dsa', '-in', 'dsa.p8.pem', '-outform', 'DER', '-out', 'dsa.trad.der');

  // A CA with a certificate, a CRL, an OCSP response, a CMS signature and PKCS#12 files.
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ec.p8.pem',
    '-subj',
    '/CN=Test CA',
    '-days',
    '30',
    '-out',
    'ca.pem',
  );
  openssl('x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der');
  openssl('req', '-new', '-key', 'ed25519.p8.pem', '-subj', '/CN=ee', '-out', 'ee.csr');
  openssl('req', '-in', 'ee.csr', '-outform', 'DER', '-out', 'ee.csr.der');
  openssl(
    'x509',
    '-req',
    '-in',
    'ee.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ec.p8.pem',
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
  openssl(
    'ca',
    '-gencrl',
    '-config',
    'ca.cnf',
    '-keyfile',
    'ec.p8.pem',
    '-cert',
    'ca.pem',
    '-out',
    'crl.pem',
  );
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
    'ec.p8.pem',
    '-reqin',
    'ocsp-request.der',
    '-respout',
    'ocsp.der',
  );
  writeFileSync(join(dir, 'cps.txt'), 'Certification Practice Statement\n');
  const sign = ['cms', '-sign', '-binary', '-signer', 'ca.pem', '-inkey', 'ec.p8.pem'];
  openssl(...sign, '-in', 'cps.txt', '-outform', 'DER', '-out', 'cps.p7s');
  openssl(...sign, '-in', 'cps.txt', '-outform', 'PEM', '-out', 'cps.p7s.pem');
  openssl(...sign, '-stream', '-in', 'cps.txt', '-outform', 'DER', '-out', 'cps.p7s.ber');
  // An attached signature whose content is a key file: the key travels inside the CMS.
  openssl(...sign, '-nodetach', '-in', 'rsa.pkcs1.der', '-outform', 'DER', '-out', 'key-inside.p7m');
  openssl(
    'pkcs12',
    '-export',
    '-in',
    'ca.pem',
    '-inkey',
    'ec.p8.pem',
    '-passout',
    'pass:pw',
    '-out',
    'ca.p12',
  );
  openssl('pkcs12', '-export', '-nokeys', '-in', 'ca.pem', '-passout', 'pass:', '-out', 'certs-only.p12');

  keep(
    ...['rsa.p8.pem', 'rsa.p8.der', 'rsa.genrsa.pem', 'rsa.pkcs1.der', 'rsa.legacy.pem', 'rsa.enc.pem'],
    ...['rsa.pub.pem', 'rsa.pub.der', 'ec.p8.pem', 'ec.p8.der', 'ec.sec1.pem', 'ec.sec1.der'],
    ...['ec.params.pem', 'ec.enc.der', 'ed25519.p8.pem', 'ed25519.p8.der', 'ed25519.enc.pem'],
    ...['ed25519.pbes1.der', 'dsa.params', 'dsa.p8.pem', 'dsa.trad.pem', 'dsa.trad.der'],
    ...['ca.pem', 'ca.der', 'ee.csr', 'ee.csr.der', 'crl.pem', 'crl.der', 'ocsp-request.der', 'ocsp.der'],
    ...['cps.txt', 'cps.p7s', 'cps.p7s.pem', 'cps.p7s.ber', 'key-inside.p7m', 'ca.p12', 'certs-only.p12'],
  );

  // Files an operator might assemble by hand.
  // What `openssl ecparam -genkey` writes: the curve parameters, then the key.
  fixtures.set(
    'EC PARAMETERS then EC PRIVATE KEY.pem',
    concatBytes([fixture('ec.params.pem'), fixture('ec.sec1.pem')]),
  );
  fixtures.set('certificate then key.pem', concatBytes([fixture('ca.pem'), fixture('ec.p8.pem')]));
  fixtures.set(
    'document.pdf',
    buildPdf(deflateSync(text('BT /F1 12 Tf 72 712 Td (Certification Practice Statement) Tj ET'))),
  );
  fixtures.set('key in a PDF stream.pdf', buildPdf(fixture('rsa.genrsa.pem'), ''));
  fixtures.set('PKCS#8 DER labelled CERTIFICATE.pem', text(toPem('CERTIFICATE', fixture('ec.p8.der'))));
  const base64Lines = Buffer.from(fixture('rsa.p8.der')).toString('base64').replace(/.{64}/g, '$&\n');
  fixtures.set('PKCS#8 as bare base64.txt', text(base64Lines));
  const rsaDer = fixture('rsa.p8.der');
  fixtures.set('truncated PKCS#8 DER', rsaDer.subarray(0, Math.floor(rsaDer.byteLength / 2)));
  const pkcs1 = fixture('rsa.pkcs1.der');
  fixtures.set('truncated PKCS#1 DER', pkcs1.subarray(0, 600));
  fixtures.set('PKCS#8 DER with trailing bytes', concatBytes([fixture('ed25519.p8.der'), fromHex('00ff')]));
  // RFC 8017 §9.2 DigestInfo has the EncryptedPrivateKeyInfo shape but a hash algorithm.
  fixtures.set('DigestInfo (SHA-256)', fromHex(`3031300d060960864801650304020105000420${'ab'.repeat(32)}`));
}

function generateNodeFixtures(): void {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fixtures.set('JWK private key.json', text(JSON.stringify(privateKey.export({ format: 'jwk' }), null, 2)));
  fixtures.set('JWK public key.json', text(JSON.stringify(publicKey.export({ format: 'jwk' }))));
  fixtures.set(
    'PuTTY key.ppk',
    text(
      'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: test\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIO\n',
    ),
  );
  fixtures.set('Java KeyStore.jks', fromHex('feedfeed0000000200000001'));
  fixtures.set('Java JCEKS keystore', fromHex('cececece0000000200000001'));
  fixtures.set('Microsoft PVK', fromHex('1ef1b5b000000000020000000000000000000000'));
  fixtures.set(
    'SSH2 key file',
    text(
      '---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nP2/56wAAAi4AAAA3aWY=\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n',
    ),
  );
  fixtures.set('empty file', new Uint8Array());
  fixtures.set('text file', text('This is the repository of the Example CA.\nSee the CPS.\n'));
  fixtures.set(
    'HTML error page',
    text('<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n'),
  );
  // A deterministic pseudo-random binary (xorshift32), for "arbitrary bytes".
  let state = 0x9e3779b9;
  fixtures.set(
    'pseudo-random bytes',
    new Uint8Array(4096).map(() => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state & 0xff;
    }),
  );
}

function generateSshFixtures(): void {
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', 'id_ed25519']);
  run('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', 'secret', '-C', 'test', '-f', 'id_ecdsa']);
  keep('id_ed25519', 'id_ed25519.pub', 'id_ecdsa');
  // The binary form of the OpenSSH key (PROTOCOL.key), as found after base64 decoding.
  const body = new TextDecoder().decode(fixture('id_ed25519')).replace(/-----[^-]+-----/g, '');
  fixtures.set('OpenSSH key, binary', new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64')));
}

function generateGpgFixtures(): void {
  const home = join(dir, 'gnupg');
  mkdirSync(home);
  chmodSync(home, 0o700);
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = (...args: string[]) =>
    run('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], env);
  try {
    gpg('--quick-gen-key', 'Test CA Operator <ca@example.org>', 'future-default', 'default', 'never');
    const secret = gpg('--export-secret-keys');
    fixtures.set('PGP secret key, legacy packet format', secret);
    fixtures.set('PGP secret key, armoured', gpg('--armor', '--export-secret-keys'));
    fixtures.set('PGP secret subkeys', gpg('--export-secret-subkeys'));
    fixtures.set('PGP public key', gpg('--export'));
    // Re-frame the first packet in the OpenPGP packet format (RFC 9580 §4.2.1, §4.2.1.1, §4.2.1.2).
    const lengthType = (secret[0] ?? 0) & 0x03;
    const headerLength = [2, 3, 5][lengthType] ?? 2;
    const bodyLength = lengthType === 0 ? (secret[1] ?? 0) : ((secret[1] ?? 0) << 8) | (secret[2] ?? 0);
    const body = secret.subarray(headerLength, headerLength + bodyLength);
    const length =
      bodyLength < 192 ? [bodyLength] : [((bodyLength - 192) >> 8) + 192, (bodyLength - 192) & 0xff];
    fixtures.set(
      'PGP secret key, OpenPGP packet format',
      concatBytes([new Uint8Array([0xc5, ...length]), body]),
    );
  } finally {
    // Stop the agent gpg started for this home directory (and only that one).
    run('gpgconf', ['--kill', 'gpg-agent'], env);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'detect-private-key-'));
  generateOpensslFixtures();
  generateNodeFixtures();
  if (HAS_SSH_KEYGEN) generateSshFixtures();
  if (HAS_GPG) generateGpgFixtures();
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('detectPrivateKey finds key material', () => {
  it.each<[string, string | RegExp]>([
    ['rsa.p8.pem', 'PEM "PRIVATE KEY" block'],
    ['rsa.p8.der', 'PKCS#8 PrivateKeyInfo (DER)'],
    ['rsa.genrsa.pem', 'PEM "RSA PRIVATE KEY" block'],
    ['rsa.pkcs1.der', 'PKCS#1 RSAPrivateKey (DER)'],
    ['rsa.legacy.pem', 'PEM "RSA PRIVATE KEY" block'],
    ['rsa.enc.pem', 'PEM "ENCRYPTED PRIVATE KEY" block'],
    ['ec.p8.pem', 'PEM "PRIVATE KEY" block'],
    ['ec.p8.der', 'PKCS#8 PrivateKeyInfo (DER)'],
    ['ec.sec1.pem', 'PEM "EC PRIVATE KEY" block'],
    ['ec.sec1.der', 'SEC1 ECPrivateKey (DER)'],
    ['EC PARAMETERS then EC PRIVATE KEY.pem', 'PEM "EC PRIVATE KEY" block'],
    ['ec.enc.der', 'PKCS#8 EncryptedPrivateKeyInfo (DER)'],
    ['ed25519.p8.pem', 'PEM "PRIVATE KEY" block'],
    ['ed25519.p8.der', 'PKCS#8 PrivateKeyInfo (DER)'],
    ['ed25519.enc.pem', 'PEM "ENCRYPTED PRIVATE KEY" block'],
    ['ed25519.pbes1.der', 'PKCS#8 EncryptedPrivateKeyInfo (DER)'],
    ['dsa.p8.pem', 'PEM "PRIVATE KEY" block'],
    ['dsa.trad.pem', 'PEM "DSA PRIVATE KEY" block'],
    ['dsa.trad.der', 'OpenSSL DSA private key (DER)'],
    ['ca.p12', 'PKCS#12 PFX'],
    ['certs-only.p12', 'PKCS#12 PFX'],
    ['key-inside.p7m', 'PKCS#1 RSAPrivateKey (DER) in CMS SignedData content'],
    ['certificate then key.pem', 'PEM "PRIVATE KEY" block'],
    ['key in a PDF stream.pdf', 'PEM "RSA PRIVATE KEY" block'],
    ['PKCS#8 DER labelled CERTIFICATE.pem', 'PKCS#8 PrivateKeyInfo (DER) inside PEM "CERTIFICATE" block'],
    ['PKCS#8 as bare base64.txt', 'PKCS#8 PrivateKeyInfo (DER) as unarmoured base64'],
    ['truncated PKCS#8 DER', 'PKCS#8 PrivateKeyInfo (DER)'],
    ['truncated PKCS#1 DER', /^truncated PKCS#1 RSA/],
    ['PKCS#8 DER with trailing bytes', 'PKCS#8 PrivateKeyInfo (DER)'],
    ['JWK private key.json', 'JWK private key (JSON)'],
    ['PuTTY key.ppk', 'PuTTY private key'],
    ['Java KeyStore.jks', 'Java KeyStore (JKS)'],
    ['Java JCEKS keystore', 'Java KeyStore (JCEKS)'],
    ['Microsoft PVK', 'Microsoft PVK private key'],
    ['SSH2 key file', 'SSH2 "SSH2 ENCRYPTED PRIVATE KEY" key file'],
  ])('%s → %s', (name, expected) => {
    const form = detectPrivateKey(fixture(name));
    if (typeof expected === 'string') expect(form).toBe(expected);
    else expect(form).toMatch(expected);
  });

  it.skipIf(!HAS_SSH_KEYGEN).each([
    ['id_ed25519', 'PEM "OPENSSH PRIVATE KEY" block'],
    ['id_ecdsa', 'PEM "OPENSSH PRIVATE KEY" block'],
    ['OpenSSH key, binary', 'OpenSSH private key'],
  ])('ssh-keygen %s → %s', (name, expected) => {
    expect(detectPrivateKey(fixture(name))).toBe(expected);
  });

  it.skipIf(!HAS_GPG).each([
    ['PGP secret key, legacy packet format', 'PGP secret key (binary)'],
    ['PGP secret key, OpenPGP packet format', 'PGP secret key (binary)'],
    ['PGP secret subkeys', 'PGP secret key (binary)'],
    ['PGP secret key, armoured', 'PGP secret key (ASCII armour)'],
  ])('gpg %s → %s', (name, expected) => {
    expect(detectPrivateKey(fixture(name))).toBe(expected);
  });

  it('finds a key after any amount of other content, wherever it is', () => {
    const padding = new Uint8Array(1_000_000).fill(0x41);
    expect(detectPrivateKey(concatBytes([padding, fixture('ec.sec1.pem')]))).toBe(
      'PEM "EC PRIVATE KEY" block',
    );
    expect(detectPrivateKey(concatBytes([fixture('document.pdf'), fixture('ed25519.p8.pem')]))).toBe(
      'PEM "PRIVATE KEY" block',
    );
  });
});

describe('detectPrivateKey leaves repository artifacts and public keys alone', () => {
  it.each([
    'ca.pem',
    'ca.der',
    'crl.pem',
    'crl.der',
    'ocsp.der',
    'ocsp-request.der',
    'cps.p7s',
    'cps.p7s.pem',
    'cps.p7s.ber',
    'cps.txt',
    'document.pdf',
    'ee.csr',
    'ee.csr.der',
    'rsa.pub.pem',
    'rsa.pub.der',
    'dsa.params',
    'ec.params.pem',
    'JWK public key.json',
    'DigestInfo (SHA-256)',
    'empty file',
    'text file',
    'HTML error page',
    'pseudo-random bytes',
  ])('%s', (name) => {
    expect(detectPrivateKey(fixture(name))).toBeUndefined();
  });

  it.skipIf(!HAS_SSH_KEYGEN)('an OpenSSH public key', () => {
    expect(detectPrivateKey(fixture('id_ed25519.pub'))).toBeUndefined();
  });

  it.skipIf(!HAS_GPG)('a PGP public key', () => {
    expect(detectPrivateKey(fixture('PGP public key'))).toBeUndefined();
  });
});

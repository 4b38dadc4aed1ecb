/**
 * The stand-in CA toolkit (demo/) checked against the openssl CLI as an independent verifier:
 * if openssl accepts what the toolkit makes, the demo and the other tests feed ca-repo real PKI.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOcspResponse, buildUnsuccessfulOcspResponse } from '../../testkit/ocsp-response-builder.ts';
import { OpensslCa, type IssuedCert } from '../../testkit/openssl-ca.ts';
import { makePdf, signPdfEmbedded } from '../../testkit/pdf.ts';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** openssl without the toolkit's runner, so a failure is a result to assert on, not a throw. */
function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('openssl', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

let base: string;
let root: OpensslCa;
let issuing: OpensslCa;
let leaf: IssuedCert;
let responder: IssuedCert;
let documentSigner: IssuedCert;
let chainPath: string;
let counter = 0;

async function writeTemp(name: string, bytes: Uint8Array | string): Promise<string> {
  const file = path.join(base, `${counter++}-${name}`);
  await fs.writeFile(file, bytes);
  return file;
}

beforeAll(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'fixture-toolkit-'));
  root = await OpensslCa.create({
    dir: path.join(base, 'root'),
    commonName: 'Toolkit Root CA',
    organization: 'Toolkit',
  });
  issuing = await root.createSubordinate({
    dir: path.join(base, 'issuing'),
    commonName: 'Toolkit Issuing CA',
    organization: 'Toolkit',
  });
  [leaf, responder, documentSigner] = await Promise.all([
    issuing.issue({
      commonName: 'www.toolkit.test',
      profile: 'tls-server',
      ocspUrl: 'http://ocsp.toolkit.test/',
      caIssuersUrl: 'http://repo.toolkit.test/issuing.crt',
      crlUrl: 'http://repo.toolkit.test/issuing.crl',
    }),
    issuing.issue({ commonName: 'Toolkit OCSP Responder', profile: 'ocsp-signing' }),
    issuing.issue({ commonName: 'Toolkit Policy Authority', profile: 'document-signing' }),
  ]);
  chainPath = await writeTemp('chain.pem', root.cert.certPem + issuing.cert.certPem);
});

afterAll(async () => {
  if (base) await fs.rm(base, { recursive: true, force: true });
});

describe('OpensslCa certificates', () => {
  it('issues a root, an intermediate and a leaf that openssl verify accepts', async () => {
    const result = await cli([
      'verify',
      '-CAfile',
      root.cert.certPath,
      '-untrusted',
      issuing.cert.certPath,
      leaf.certPath,
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(': OK');

    const rootText = (await cli(['x509', '-in', root.cert.certPath, '-noout', '-text'])).stdout;
    expect(rootText).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(rootText).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(rootText).toContain('Subject Key Identifier');
    expect(rootText).toContain('Authority Key Identifier');
  });

  it('embeds AIA and CDP URLs and the profile extensions', async () => {
    const leafText = (await cli(['x509', '-in', leaf.certPath, '-noout', '-text'])).stdout;
    expect(leafText).toContain('OCSP - URI:http://ocsp.toolkit.test/');
    expect(leafText).toContain('CA Issuers - URI:http://repo.toolkit.test/issuing.crt');
    expect(leafText).toContain('URI:http://repo.toolkit.test/issuing.crl');
    expect(leafText).toContain('DNS:www.toolkit.test');
    expect(leafText).toContain('TLS Web Server Authentication');

    const responderText = (await cli(['x509', '-in', responder.certPath, '-noout', '-text'])).stdout;
    expect(responderText).toContain('OCSP Signing');
    expect(responderText).toContain('OCSP No Check');

    const signerText = (await cli(['x509', '-in', documentSigner.certPath, '-noout', '-text'])).stdout;
    expect(signerText).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(signerText).toContain('E-mail Protection');
  });

  it('reports serials as openssl prints them and honours a requested serial', async () => {
    const printed = (await cli(['x509', '-in', leaf.certPath, '-noout', '-serial'])).stdout.trim();
    expect(`serial=${leaf.serialHex}`).toBe(printed.toLowerCase());
    expect(leaf.serialHex).toMatch(/^[0-9a-f]+$/);

    const fixed = await issuing.issue({
      commonName: 'fixed serial',
      profile: 'tls-server',
      serialHex: '80ff',
    });
    expect(fixed.serialHex).toBe('80ff');
  });

  it('makes an RSA leaf with keyEncipherment and chosen validity dates', async () => {
    const notBefore = new Date('2024-03-01T00:00:00Z');
    const notAfter = new Date('2024-06-01T00:00:00Z');
    const rsa = await issuing.issue({
      commonName: 'rsa.toolkit.test',
      profile: 'tls-server',
      keyType: 'rsa',
      notBefore,
      notAfter,
    });
    const text = (await cli(['x509', '-in', rsa.certPath, '-noout', '-text'])).stdout;
    expect(text).toContain('rsaEncryption');
    expect(text).toContain('Key Encipherment');
    expect(text).toContain('Not Before: Mar  1 00:00:00 2024 GMT');
    expect(text).toContain('Not After : Jun  1 00:00:00 2024 GMT');
  });

  it('makes a rogue CA with the same subject but another key that does not chain', async () => {
    const rogue = await OpensslCa.create({
      dir: path.join(base, 'rogue'),
      commonName: 'Toolkit Root CA',
      organization: 'Toolkit',
    });
    const subject = async (file: string) => (await cli(['x509', '-in', file, '-noout', '-subject'])).stdout;
    expect(await subject(rogue.cert.certPath)).toBe(await subject(root.cert.certPath));
    const pubkey = async (file: string) => (await cli(['x509', '-in', file, '-noout', '-pubkey'])).stdout;
    expect(await pubkey(rogue.cert.certPath)).not.toBe(await pubkey(root.cert.certPath));

    const rogueIssuing = await rogue.createSubordinate({
      dir: path.join(base, 'rogue-issuing'),
      commonName: 'Toolkit Issuing CA',
      organization: 'Toolkit',
    });
    const result = await cli(['verify', '-CAfile', root.cert.certPath, rogueIssuing.cert.certPath]);
    expect(result.code).not.toBe(0);
  });
});

describe('OpensslCa CRLs', () => {
  it('writes revocations, a chosen cRLNumber and dates, then keeps counting', async () => {
    const victim = await issuing.issue({ commonName: 'revoked.toolkit.test', profile: 'tls-server' });
    await issuing.revoke(victim, { reason: 'keyCompromise', time: new Date('2025-01-02T03:04:05Z') });
    const crl = await issuing.generateCrl({
      crlNumber: 42n,
      lastUpdate: new Date('2025-02-01T00:00:00Z'),
      nextUpdate: new Date('2025-02-08T00:00:00Z'),
    });
    const crlPath = await writeTemp('crl.der', crl);
    const text = await cli(['crl', '-inform', 'DER', '-in', crlPath, '-noout', '-text']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/CRL Number:\s+42\b/);
    expect(text.stdout).toContain('Last Update: Feb  1 00:00:00 2025 GMT');
    expect(text.stdout).toContain('Next Update: Feb  8 00:00:00 2025 GMT');
    expect(text.stdout).toContain(`Serial Number: ${victim.serialHex.toUpperCase()}`);
    expect(text.stdout).toContain('Revocation Date: Jan  2 03:04:05 2025 GMT');
    expect(text.stdout).toContain('Key Compromise');

    const verified = await cli([
      'crl',
      '-inform',
      'DER',
      '-in',
      crlPath,
      '-CAfile',
      issuing.cert.certPath,
      '-noout',
    ]);
    expect(verified.stderr).toContain('verify OK');

    const next = await writeTemp('next.der', await issuing.generateCrl());
    expect((await cli(['crl', '-inform', 'DER', '-in', next, '-noout', '-crlnumber'])).stdout.trim()).toBe(
      'crlNumber=0x2B',
    );
  });

  it('omits the cRLNumber on request and still writes a v2 CRL, in PEM when asked', async () => {
    const pem = await issuing.generateCrl({ omitCrlNumber: true, form: 'PEM' });
    expect(latin1(pem)).toContain('-----BEGIN X509 CRL-----');
    const text = await cli(['crl', '-in', await writeTemp('crl.pem', pem), '-noout', '-text']);
    expect(text.stdout).toContain('Version 2 (0x1)');
    expect(text.stdout).not.toContain('CRL Number');
    expect(text.stdout).toContain('Authority Key Identifier');
  });
});

describe('OCSP from openssl', () => {
  it('writes requests with the chosen CertID hash and nonce', async () => {
    const plain = await cli([
      'ocsp',
      '-reqin',
      await writeTemp('req.der', await issuing.ocspRequest(leaf, { hash: 'sha256' })),
      '-req_text',
    ]);
    expect(plain.stdout).toContain('Hash Algorithm: sha256');
    expect(plain.stdout).not.toContain('Nonce');
    const withNonce = await cli([
      'ocsp',
      '-reqin',
      await writeTemp('req.der', await issuing.ocspRequest(leaf, { nonce: true })),
      '-req_text',
    ]);
    expect(withNonce.stdout).toContain('Hash Algorithm: sha1');
    expect(withNonce.stdout).toContain('OCSP Nonce');
  });

  it('pre-generates responses from index.txt that openssl ocsp verifies', async () => {
    const revoked = await issuing.issue({ commonName: 'ocsp-revoked.toolkit.test', profile: 'tls-server' });
    await issuing.revoke(revoked, { reason: 'superseded' });

    const delegated = await writeTemp(
      'resp.der',
      await issuing.ocspResponse(revoked, { signer: responder, hash: 'sha256' }),
    );
    const result = await cli([
      'ocsp',
      '-respin',
      delegated,
      '-issuer',
      issuing.cert.certPath,
      '-CAfile',
      chainPath,
      '-resp_text',
      '-sha256',
      '-cert',
      revoked.certPath,
    ]);
    expect(result.stderr).toContain('Response verify OK');
    expect(result.stdout).toContain(`${revoked.certPath}: revoked`);
    expect(result.stdout).toContain('Reason: superseded');
    expect(result.stdout).toContain('Responder Id: CN = Toolkit OCSP Responder');

    const byCa = await writeTemp(
      'resp.der',
      await issuing.ocspResponse(leaf, { responderId: 'byKey', validityMinutes: 60 }),
    );
    const good = await cli([
      'ocsp',
      '-respin',
      byCa,
      '-issuer',
      issuing.cert.certPath,
      '-CAfile',
      chainPath,
      '-resp_text',
      '-cert',
      leaf.certPath,
    ]);
    expect(good.stderr).toContain('Response verify OK');
    expect(good.stdout).toContain(`${leaf.certPath}: good`);
    expect(good.stdout).toMatch(/Responder Id: [0-9A-F]{40}/);
  });
});

describe('OCSP from the pkijs builder', () => {
  it('builds a CA-signed byName response with several SingleResponses that openssl verifies', async () => {
    const now = new Date();
    const highBit = await issuing.issue({
      commonName: 'high-bit.toolkit.test',
      profile: 'tls-server',
      serialHex: 'c0ffee',
    });
    const der = await buildOcspResponse({
      signerCertDer: issuing.cert.certDer,
      signerKeyPem: issuing.cert.keyPem,
      producedAt: now,
      responses: [
        {
          issuerCertDer: issuing.cert.certDer,
          serialHex: leaf.serialHex,
          hash: 'sha1',
          status: 'good',
          thisUpdate: now,
          nextUpdate: new Date(now.getTime() + 86_400_000),
        },
        {
          issuerCertDer: issuing.cert.certDer,
          serialHex: highBit.serialHex,
          hash: 'sha1',
          status: 'revoked',
          revokedAt: new Date('2025-05-05T05:05:05Z'),
          revocationReason: 1,
          thisUpdate: now,
          nextUpdate: new Date(now.getTime() + 86_400_000),
        },
        {
          issuerCertDer: issuing.cert.certDer,
          serialHex: '0123',
          hash: 'sha1',
          status: 'unknown',
          thisUpdate: now,
        },
      ],
    });
    const file = await writeTemp('built.der', der);
    const result = await cli([
      'ocsp',
      '-respin',
      file,
      '-issuer',
      issuing.cert.certPath,
      '-CAfile',
      chainPath,
      '-resp_text',
      '-cert',
      leaf.certPath,
      '-cert',
      highBit.certPath,
      '-serial',
      '0x0123',
    ]);
    expect(result.stderr).toContain('Response verify OK');
    expect(result.stdout).toContain(`${leaf.certPath}: good`);
    expect(result.stdout).toContain(`${highBit.certPath}: revoked`);
    expect(result.stdout).toContain('Revocation Time: May  5 05:05:05 2025 GMT');
    expect(result.stdout).toContain('0x0123: unknown');
    expect(result.stdout).toContain('Responder Id: O = Toolkit, CN = Toolkit Issuing CA');
    expect(result.stdout).toContain('Signature Algorithm: ecdsa-with-SHA256');
  });

  it('builds a delegated byKey response with SHA-256 CertIDs, checked with -VAfile', async () => {
    const now = new Date();
    const der = await buildOcspResponse({
      signerCertDer: responder.certDer,
      signerKeyPem: responder.keyPem,
      responderId: 'byKey',
      includeCerts: [responder.certDer],
      producedAt: now,
      responses: [
        {
          issuerCertDer: issuing.cert.certDer,
          serialHex: leaf.serialHex,
          hash: 'sha256',
          status: 'good',
          thisUpdate: now,
        },
      ],
    });
    const file = await writeTemp('built.der', der);
    const result = await cli([
      'ocsp',
      '-respin',
      file,
      '-issuer',
      issuing.cert.certPath,
      '-VAfile',
      responder.certPath,
      '-resp_text',
      '-sha256',
      '-cert',
      leaf.certPath,
    ]);
    expect(result.stderr).toContain('Response verify OK');
    expect(result.stdout).toContain(`${leaf.certPath}: good`);
    expect(result.stdout).toMatch(/Responder Id: [0-9A-F]{40}/);
  });

  it('signs with RSA keys and keeps stale times as given', async () => {
    const rsaCa = await OpensslCa.create({
      dir: path.join(base, 'rsa-ca'),
      commonName: 'Toolkit RSA CA',
      keyType: 'rsa',
    });
    const rsaLeaf = await rsaCa.issue({ commonName: 'rsa-leaf.toolkit.test', profile: 'tls-server' });
    const der = await buildOcspResponse({
      signerCertDer: rsaCa.cert.certDer,
      signerKeyPem: rsaCa.cert.keyPem,
      producedAt: new Date('2020-01-01T00:00:00Z'),
      responses: [
        {
          issuerCertDer: rsaCa.cert.certDer,
          serialHex: rsaLeaf.serialHex,
          hash: 'sha1',
          status: 'good',
          thisUpdate: new Date('2020-01-01T00:00:00Z'),
          nextUpdate: new Date('2020-01-08T00:00:00Z'),
        },
      ],
    });
    const file = await writeTemp('stale.der', der);
    const result = await cli([
      'ocsp',
      '-respin',
      file,
      '-issuer',
      rsaCa.cert.certPath,
      '-CAfile',
      rsaCa.cert.certPath,
      '-resp_text',
      '-cert',
      rsaLeaf.certPath,
    ]);
    expect(result.stderr).toContain('Response verify OK');
    expect(result.stdout).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(result.stdout).toContain('Produced At: Jan  1 00:00:00 2020 GMT');
    expect(result.stdout).toContain('Next Update: Jan  8 00:00:00 2020 GMT');
    expect(`${result.stdout}${result.stderr}`).toContain('Status times invalid');
  });

  it('corrupts signatures on request and writes unsuccessful statuses', async () => {
    const now = new Date();
    const der = await buildOcspResponse({
      signerCertDer: issuing.cert.certDer,
      signerKeyPem: issuing.cert.keyPem,
      producedAt: now,
      corruptSignature: true,
      responses: [
        {
          issuerCertDer: issuing.cert.certDer,
          serialHex: leaf.serialHex,
          hash: 'sha1',
          status: 'good',
          thisUpdate: now,
        },
      ],
    });
    const bad = await cli([
      'ocsp',
      '-respin',
      await writeTemp('bad.der', der),
      '-issuer',
      issuing.cert.certPath,
      '-CAfile',
      chainPath,
      '-cert',
      leaf.certPath,
    ]);
    expect(bad.stderr).not.toContain('Response verify OK');
    expect(bad.stderr).toContain('Response Verify Failure');

    const tryLater = await cli([
      'ocsp',
      '-respin',
      await writeTemp('try.der', buildUnsuccessfulOcspResponse('tryLater')),
      '-resp_text',
    ]);
    expect(tryLater.stdout).toContain('trylater (3)');
    const unauthorized = buildUnsuccessfulOcspResponse('unauthorized');
    // OCSPResponse { responseStatus ENUMERATED 6 } and nothing else (RFC 6960 §4.2.1).
    expect(Buffer.from(unauthorized).toString('hex')).toBe('30030a0106');
  });
});

describe('CMS signatures', () => {
  it('makes detached CMS that openssl cms -verify accepts, and rejects other content', async () => {
    const data = new TextEncoder().encode('Certificate Policy v1.0\n');
    const dataPath = await writeTemp('cp.txt', data);
    const der = await issuing.signDetached(data, documentSigner);
    const sigPath = await writeTemp('cp.p7s', der);
    const ok = await cli([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      sigPath,
      '-content',
      dataPath,
      '-CAfile',
      chainPath,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    expect(ok.stderr).toContain('Verification successful');
    // The default S/MIME purpose works too, because document-signing carries emailProtection.
    const smime = await cli([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      sigPath,
      '-content',
      dataPath,
      '-CAfile',
      chainPath,
      '-out',
      '/dev/null',
    ]);
    expect(smime.stderr).toContain('Verification successful');

    const otherPath = await writeTemp('other.txt', 'tampered');
    const tampered = await cli([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      sigPath,
      '-content',
      otherPath,
      '-CAfile',
      chainPath,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    expect(tampered.code).not.toBe(0);

    const pem = await issuing.signDetached(data, documentSigner, { form: 'PEM' });
    expect(latin1(pem)).toContain('-----BEGIN CMS-----');
  });
});

/** The zero padding after the CMS is not part of it: cut at the outer SEQUENCE's DER length. */
function trimDer(padded: Buffer): Buffer {
  expect(padded[0]).toBe(0x30);
  const first = padded[1] ?? 0;
  if (first < 0x80) return padded.subarray(0, 2 + first);
  const octets = first & 0x7f;
  const length = padded.subarray(2, 2 + octets).reduce((n, b) => n * 256 + b, 0);
  return padded.subarray(0, 2 + octets + length);
}

/** Every xref entry of every section (following /Prev) must point at `N G obj`. */
function checkXrefChain(pdf: Uint8Array): number {
  const text = latin1(pdf);
  let sections = 0;
  let cursor: number | undefined = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  while (cursor !== undefined) {
    expect(text.startsWith('xref', cursor)).toBe(true);
    const trailerAt = text.indexOf('trailer', cursor);
    const tokens = text
      .slice(cursor + 4, trailerAt)
      .trim()
      .split(/\s+/);
    for (let t = 0; t < tokens.length;) {
      const first = Number(tokens[t]);
      const count = Number(tokens[t + 1]);
      t += 2;
      for (let k = 0; k < count; k++, t += 3) {
        if (tokens[t + 2] !== 'n') continue;
        const header = `${first + k} ${Number(tokens[t + 1])} obj`;
        expect(text.startsWith(header, Number(tokens[t]))).toBe(true);
      }
    }
    sections++;
    const prev = /\/Prev\s+(\d+)/.exec(text.slice(trailerAt, text.indexOf('startxref', trailerAt)));
    cursor = prev?.[1] ? Number(prev[1]) : undefined;
  }
  return sections;
}

describe('PDF documents', () => {
  it('makes a PDF 1.7 with correct xref offsets', () => {
    const pdf = makePdf({
      title: 'Certification Practice Statement (CPS)',
      lines: ['Version 1.0', 'Section 4.9: revocation \\ (sic)'],
    });
    const text = latin1(pdf);
    expect(text.startsWith('%PDF-1.7\n')).toBe(true);
    expect(text.endsWith('%%EOF\n')).toBe(true);
    expect(text).toContain('/BaseFont /Helvetica');
    expect(text).toContain('(Section 4.9: revocation \\\\ \\(sic\\)) Tj');
    expect(checkXrefChain(pdf)).toBe(1);

    // Typographic dashes go through WinAnsi in the page; the Info title falls back to UTF-16BE.
    const typographic = latin1(makePdf({ title: 'CPS \u2013 v1', lines: [] }));
    expect(typographic).toContain('(CPS \x96 v1) Tj');
    expect(typographic).toContain('/Title <FEFF00430050005300202013002000760031>');
  });

  for (const subFilter of ['ETSI.CAdES.detached', 'adbe.pkcs7.detached'] as const) {
    it(`signs with an embedded ${subFilter} signature that openssl verifies over the ByteRange`, async () => {
      const original = makePdf({
        title: 'Certificate Policy',
        lines: ['Section 1.2: document name and identification', 'Version 2.3'],
      });
      const signed = await signPdfEmbedded(original, documentSigner, {
        subFilter,
        extraCertsPem: issuing.cert.certPem,
      });
      expect(Buffer.from(signed.subarray(0, original.length)).equals(Buffer.from(original))).toBe(true);
      expect(checkXrefChain(signed)).toBe(2);

      const text = latin1(signed);
      expect(text).toContain(`/SubFilter /${subFilter}`);
      expect(text).toContain('/Filter /Adobe.PPKLite');
      expect(text).toMatch(/\/AcroForm << \/Fields \[\d+ 0 R\] \/SigFlags 3 >>/);
      const range = /\/ByteRange \[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text)?.slice(1).map(Number);
      expect(range).toHaveLength(4);
      const [start = -1, firstLength = 0, secondStart = 0, secondLength = 0] = range ?? [];
      expect(start).toBe(0);
      expect(secondStart + secondLength).toBe(signed.length);
      // The gap is exactly the <hex> string of /Contents.
      const gap = text.slice(firstLength, secondStart);
      expect(gap).toMatch(/^<[0-9A-Fa-f]+>$/);
      expect(text.slice(firstLength - '/Contents '.length, firstLength)).toBe('/Contents ');

      const contents = trimDer(Buffer.from(gap.slice(1, -1), 'hex'));
      const signedPart = Buffer.concat([signed.subarray(0, firstLength), signed.subarray(secondStart)]);
      const cmsPath = await writeTemp('sig.p7s', contents);
      const contentPath = await writeTemp('ranges.bin', signedPart);
      const verify = await cli([
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        cmsPath,
        '-content',
        contentPath,
        '-CAfile',
        root.cert.certPath,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
        ...(subFilter === 'ETSI.CAdES.detached' ? ['-cades'] : []),
      ]);
      expect(verify.stderr).toContain('Verification successful');

      const printed = await cli(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', cmsPath]);
      if (subFilter === 'ETSI.CAdES.detached') expect(printed.stdout).toContain('signingCertificateV2');
      else expect(printed.stdout).not.toContain('signingCertificateV2');

      const tamperedPath = await writeTemp('tampered.bin', Buffer.concat([signedPart, Buffer.from(' ')]));
      const tampered = await cli([
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        cmsPath,
        '-content',
        tamperedPath,
        '-CAfile',
        root.cert.certPath,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ]);
      expect(tampered.code).not.toBe(0);
    });
  }
});

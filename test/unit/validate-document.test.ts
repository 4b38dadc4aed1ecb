/**
 * The document rule against a table of fixtures generated at test time with the openssl CLI:
 * detached `.p7s` signatures (RFC 5652) and embedded PDF signatures (ISO 32000-1 §12.8), signed
 * by certificates of the pinned CA, of an intermediate CA, of a rogue CA with the pinned CA's name,
 * and PDFs changed after signing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmsSignDetached, openssl, OpensslCa, type IssuedCert } from '../../testkit/openssl-ca.ts';
import { makePdf, signPdfEmbedded } from '../../testkit/pdf.ts';
import { concatBytes } from '../../lambda/core/encoding/bytes.ts';
import { parseSignedData, verifyDetachedSignature } from '../../lambda/core/documents/cms.ts';
import { findEmbeddedSignatures, isPdf } from '../../lambda/core/documents/pdf-signature.ts';
import { RejectedError } from '../../lambda/core/rejection.ts';
import { validateDocument, type DocumentFacts } from '../../lambda/core/documents/validate-document.ts';
import { DAY, createTestPki, shift, type TestPki } from '../../testkit/test-pki.ts';

const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const asText = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

let pki: TestPki;
let issuing: OpensslCa;
let ecSigner: IssuedCert;
let rsaSigner: IssuedCert;
let rogueSigner: IssuedCert;
let issuedSigner: IssuedCert;
let pdf: Uint8Array;
let otherPdf: Uint8Array;
const now = new Date();

beforeAll(async () => {
  pki = await createTestPki();
  issuing = await pki.ca.createSubordinate({
    dir: join(pki.dir, 'issuing'),
    commonName: 'ca-repo Test Document Issuing CA',
  });
  // Back-dated so that `now`, taken before issuance, is inside the validity period.
  const signing = { profile: 'document-signing', notBefore: shift(now, -DAY) } as const;
  [ecSigner, rsaSigner, rogueSigner, issuedSigner] = await Promise.all([
    pki.ca.issue({ ...signing, commonName: 'CPS Signer EC', keyType: 'ec' }),
    pki.ca.issue({ ...signing, commonName: 'CPS Signer RSA', keyType: 'rsa' }),
    pki.rogue.issue({ ...signing, commonName: 'CPS Signer EC', keyType: 'ec' }),
    issuing.issue({ ...signing, commonName: 'CPS Signer via Issuing CA' }),
  ]);
  pdf = makePdf({
    title: 'Certification Practice Statement',
    lines: ['Version 1.0', 'This CPS describes how the ca-repo Test Root CA issues certificates.'],
  });
  otherPdf = makePdf({ title: 'Certification Practice Statement', lines: ['Version 2.0 (never signed)'] });
});

afterAll(async () => {
  await pki?.cleanup();
});

/** Detached CMS made directly with `openssl cms -sign`, for options the demo helper does not expose. */
type SignerFiles = Pick<IssuedCert, 'certPath' | 'keyPath'>;

async function opensslCmsSign(data: Uint8Array, signer: SignerFiles, extra: string[]): Promise<Uint8Array> {
  const args = ['cms', '-sign', '-binary', '-signer', signer.certPath, '-inkey', signer.keyPath];
  const { stdout } = await openssl([...args, ...extra, '-outform', 'DER'], { input: data });
  return new Uint8Array(stdout);
}

/** A key and certificate signed by `issuer` with plain `openssl x509 -req`, which (unlike `openssl ca`) lets a leaf sign. */
async function certifyWith(issuer: IssuedCert, commonName: string): Promise<SignerFiles> {
  const base = join(pki.dir, commonName.replace(/\W+/g, '-'));
  const [keyPath, certPath] = [`${base}.key`, `${base}.crt`];
  await openssl(
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      keyPath,
      '-subj',
      `/CN=${commonName}`,
      '-out',
      `${base}.csr`,
    ]),
  );
  await openssl(
    ['x509', '-req', '-in', `${base}.csr`, '-CA', issuer.certPath, '-CAkey', issuer.keyPath].concat([
      '-days',
      '30',
      '-set_serial',
      '7',
      '-out',
      certPath,
    ]),
  );
  return { certPath, keyPath };
}

/**
 * Appends a second signature dictionary (with /Contents before /ByteRange and mixed whitespace)
 * covering the whole file, like an incremental update that only adds a signature. `widenGapBy`
 * leaves that many bytes after the /Contents string out of the signed bytes as well.
 */
async function appendSignature(
  base: Uint8Array,
  signer: IssuedCert,
  options: { widenGapBy?: number } = {},
): Promise<Uint8Array> {
  const contentsPlaceholder = `<${'0'.repeat(2 * 8192)}>`;
  const rangePlaceholder = '[0 0000000000 0000000000 0000000000]';
  const update =
    `\n99 0 obj\n<<\t/Type /Sig\r\n/Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached\n` +
    `/Contents ${contentsPlaceholder}\n   /ByteRange ${rangePlaceholder} %% comment\n` +
    `/M (D:20250101000000Z) >>\nendobj\n%%EOF\n`;
  const out = concatBytes([base, latin1(update)]);
  const text = asText(out);
  const contentsStart = text.lastIndexOf(contentsPlaceholder);
  const gapEnd = contentsStart + contentsPlaceholder.length + (options.widenGapBy ?? 0);
  const pad = (n: number) => String(n).padStart(10, '0');
  const range = `[0 ${pad(contentsStart)} ${pad(gapEnd)} ${pad(out.length - gapEnd)}]`;
  out.set(latin1(range), text.lastIndexOf(rangePlaceholder));
  const cms = await cmsSignDetached(
    concatBytes([out.subarray(0, contentsStart), out.subarray(gapEnd)]),
    signer,
  );
  out.set(latin1(Buffer.from(cms).toString('hex')), contentsStart + 1);
  return out;
}

/** A copy with one byte of the page text changed (inside the signed range). */
function tamper(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  const at = asText(copy).indexOf('Version 1.0');
  copy[at + 8] = '2'.charCodeAt(0);
  return copy;
}

interface Fixture {
  name: string;
  build: () => Promise<{ pdf: Uint8Array; detachedSignature?: Uint8Array; now?: Date }>;
  /** Expected facts when accepted, or the reason pattern when rejected. */
  accept?: Pick<DocumentFacts, 'signature' | 'signerSubject'>;
  reject?: RegExp;
}

const FIXTURES: Fixture[] = [
  // Accepted
  {
    name: 'detached .p7s by an EC signer of the pinned CA',
    build: async () => ({ pdf, detachedSignature: await pki.ca.signDetached(pdf, ecSigner) }),
    accept: { signature: 'detached', signerSubject: 'CN=CPS Signer EC' },
  },
  {
    name: 'detached .p7s by an RSA (PKCS#1 v1.5) signer of the pinned CA',
    build: async () => ({ pdf, detachedSignature: await pki.ca.signDetached(pdf, rsaSigner) }),
    accept: { signature: 'detached', signerSubject: 'CN=CPS Signer RSA' },
  },
  {
    name: 'detached .p7s by an RSA-PSS signature',
    build: async () => ({
      pdf,
      detachedSignature: await opensslCmsSign(pdf, rsaSigner, ['-keyopt', 'rsa_padding_mode:pss']),
    }),
    accept: { signature: 'detached', signerSubject: 'CN=CPS Signer RSA' },
  },
  {
    name: 'detached .p7s without signed attributes (signature over the PDF itself)',
    build: async () => ({ pdf, detachedSignature: await opensslCmsSign(pdf, ecSigner, ['-noattr']) }),
    accept: { signature: 'detached', signerSubject: 'CN=CPS Signer EC' },
  },
  {
    name: 'detached .p7s naming its signer by subjectKeyIdentifier, SHA-384',
    build: async () => ({
      pdf,
      detachedSignature: await opensslCmsSign(pdf, ecSigner, ['-keyid', '-md', 'sha384']),
    }),
    accept: { signature: 'detached', signerSubject: 'CN=CPS Signer EC' },
  },
  {
    name: 'detached .p7s chaining through an intermediate CA carried in the CMS',
    build: async () => ({
      pdf,
      detachedSignature: await pki.ca.signDetached(pdf, issuedSigner, {
        extraCertsPem: issuing.cert.certPem,
      }),
    }),
    accept: { signature: 'detached', signerSubject: 'CN=CPS Signer via Issuing CA' },
  },
  {
    name: 'embedded PAdES signature (ETSI.CAdES.detached) by an EC signer',
    build: async () => ({ pdf: await signPdfEmbedded(pdf, ecSigner) }),
    accept: { signature: 'embedded', signerSubject: 'CN=CPS Signer EC' },
  },
  {
    name: 'embedded adbe.pkcs7.detached signature by an RSA signer',
    build: async () => ({ pdf: await signPdfEmbedded(pdf, rsaSigner, { subFilter: 'adbe.pkcs7.detached' }) }),
    accept: { signature: 'embedded', signerSubject: 'CN=CPS Signer RSA' },
  },
  {
    name: 'embedded signature chaining through an intermediate CA carried in the CMS',
    build: async () => ({
      pdf: await signPdfEmbedded(pdf, issuedSigner, { extraCertsPem: issuing.cert.certPem }),
    }),
    accept: { signature: 'embedded', signerSubject: 'CN=CPS Signer via Issuing CA' },
  },
  {
    name: 'two embedded signatures: the last one covers the whole file',
    build: async () => ({ pdf: await appendSignature(await signPdfEmbedded(pdf, rogueSigner), rsaSigner) }),
    accept: { signature: 'embedded', signerSubject: 'CN=CPS Signer RSA' },
  },

  // Rejected
  {
    name: 'signer from a rogue CA with the pinned CA name but another key',
    build: async () => ({ pdf, detachedSignature: await pki.rogue.signDetached(pdf, rogueSigner) }),
    reject:
      /^detached signature: signer certificate is not issued by a pinned CA: its issuer is named like pinned CA "CN=ca-repo Test Root CA" but the certificate signature does not verify with that CA's key$/,
  },
  {
    name: 'embedded signature by a rogue CA signer',
    build: async () => ({ pdf: await signPdfEmbedded(pdf, rogueSigner) }),
    reject: /^embedded signature: signer certificate is not issued by a pinned CA/,
  },
  {
    name: 'signer certificate expired (now two years ahead)',
    build: async () => ({
      pdf,
      detachedSignature: await pki.ca.signDetached(pdf, ecSigner),
      now: shift(now, 2 * 365 * DAY),
    }),
    reject: /signer certificate expired on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
  },
  {
    name: 'PDF byte changed after the detached signature',
    build: async () => ({ pdf: tamper(pdf), detachedSignature: await pki.ca.signDetached(pdf, ecSigner) }),
    reject: /^detached signature: signature does not verify over the document bytes/,
  },
  {
    name: 'PDF byte changed inside the embedded signature range',
    build: async () => ({ pdf: tamper(await signPdfEmbedded(pdf, ecSigner)) }),
    reject: /^embedded signature: signature does not verify over the document bytes/,
  },
  {
    name: 'bytes appended after the embedded signature',
    build: async () => ({
      pdf: concatBytes([await signPdfEmbedded(pdf, ecSigner), latin1('% appended later\n')]),
    }),
    reject: /^17 bytes were appended after the embedded signature/,
  },
  {
    name: 'ByteRange gap wider than the /Contents string',
    build: async () => ({ pdf: await appendSignature(pdf, ecSigner, { widenGapBy: 4 }) }),
    reject: /ByteRange leaves bytes \d+\.\.\d+ unsigned, which is not exactly its \/Contents string/,
  },
  {
    name: 'two embedded signatures: the last one by a rogue CA signer',
    build: async () => ({ pdf: await appendSignature(await signPdfEmbedded(pdf, ecSigner), rogueSigner) }),
    reject: /^embedded signature: signer certificate is not issued by a pinned CA/,
  },
  {
    name: 'unsigned PDF',
    build: async () => ({ pdf }),
    reject: /^unsigned PDF: no detached <file>\.p7s and no embedded signature$/,
  },
  {
    name: '.p7s that is not DER at all',
    build: async () => ({ pdf, detachedSignature: latin1('this is not a signature\n') }),
    reject: /^detached signature: CMS signature: not valid DER/,
  },
  {
    name: '.p7s that is DER but not CMS (a certificate)',
    build: async () => ({ pdf, detachedSignature: ecSigner.certDer }),
    reject: /^detached signature: CMS signature: not a CMS ContentInfo/,
  },
  {
    name: '.p7s signing different content',
    build: async () => ({ pdf, detachedSignature: await pki.ca.signDetached(otherPdf, ecSigner) }),
    reject:
      /^detached signature: signature does not verify over the document bytes: the message-digest attribute is not the SHA-256 digest/,
  },
  {
    name: '.p7s without signed attributes signing different content',
    build: async () => ({ pdf, detachedSignature: await opensslCmsSign(otherPdf, ecSigner, ['-noattr']) }),
    reject: /^detached signature: signature does not verify over the document bytes$/,
  },
  {
    name: 'a valid embedded signature does not excuse a bad detached one',
    build: async () => ({
      pdf: await signPdfEmbedded(pdf, ecSigner),
      detachedSignature: await pki.ca.signDetached(otherPdf, ecSigner),
    }),
    reject: /^detached signature: signature does not verify over the document bytes/,
  },
  {
    name: 'intermediate CA not carried in the CMS',
    build: async () => ({ pdf, detachedSignature: await pki.ca.signDetached(pdf, issuedSigner) }),
    reject:
      /signer certificate is not issued by a pinned CA: its issuer "CN=ca-repo Test Document Issuing CA" is neither a pinned CA nor an intermediate CA/,
  },
  {
    name: 'signer issued by a non-CA certificate of the pinned CA carried in the CMS',
    build: async () => ({
      pdf,
      detachedSignature: await opensslCmsSign(pdf, await certifyWith(ecSigner, 'Signer Under A Leaf'), [
        '-certfile',
        ecSigner.certPath,
      ]),
      // `x509 -req` cannot back-date: look a minute after issuance.
      now: shift(new Date(), 60_000),
    }),
    reject: /intermediate CA certificate "CN=CPS Signer EC" is not a CA \(basicConstraints cA is not set\)/,
  },
  {
    name: 'signature encapsulating its content instead of detached',
    build: async () => ({ pdf, detachedSignature: await opensslCmsSign(pdf, ecSigner, ['-nodetach']) }),
    reject: /a detached signature \(no eContent\) is required/,
  },
  {
    name: 'SHA-1 message digest',
    build: async () => ({ pdf, detachedSignature: await opensslCmsSign(pdf, ecSigner, ['-md', 'sha1']) }),
    reject: /digest algorithm is SHA-1: only SHA-256, SHA-384 or SHA-512 are accepted/,
  },
  {
    name: 'not a PDF',
    build: async () => ({ pdf: latin1('just text, no header\n') }),
    reject: /^not a PDF: no %PDF- header in the first 1024 bytes$/,
  },
];

describe('validateDocument', () => {
  it.each(FIXTURES)('$name', async (fixture) => {
    const input = await fixture.build();
    const result = validateDocument({
      pdf: input.pdf,
      detachedSignature: input.detachedSignature,
      trust: pki.trust,
      now: input.now ?? now,
    });
    if (fixture.accept) {
      await expect(result).resolves.toEqual({ kind: 'document', ...fixture.accept });
    } else {
      await expect(result).rejects.toBeInstanceOf(RejectedError);
      await expect(result).rejects.toThrow(fixture.reject);
    }
  });

  it('reports the .p7s file name when given', async () => {
    const detachedSignature = await pki.ca.signDetached(pdf, ecSigner);
    await expect(
      validateDocument({ pdf, detachedSignature, signatureFile: 'cps.pdf.p7s', trust: pki.trust, now }),
    ).resolves.toEqual({
      kind: 'document',
      signature: 'detached',
      signerSubject: 'CN=CPS Signer EC',
      signatureFile: 'cps.pdf.p7s',
    });
    await expect(
      validateDocument({
        pdf: tamper(pdf),
        detachedSignature,
        signatureFile: 'cps.pdf.p7s',
        trust: pki.trust,
        now,
      }),
    ).rejects.toThrow(/^detached signature cps\.pdf\.p7s: /);
  });
});

describe('verifyDetachedSignature', () => {
  it('returns the signer certificate and the pinned CA it chains to', async () => {
    const verified = await verifyDetachedSignature({
      signedDataDer: await pki.ca.signDetached(pdf, ecSigner),
      content: pdf,
      trust: pki.trust,
      now,
    });
    expect(verified.signerSubject).toBe('CN=CPS Signer EC');
    expect(Buffer.from(verified.signerCertDer).equals(Buffer.from(ecSigner.certDer))).toBe(true);
    expect(verified.signingCa).toBe(pki.trust.cas[0]);
  });
});

describe('findEmbeddedSignatures', () => {
  it('reads ByteRange and the CMS without its zero padding, matching the ByteRange gap', async () => {
    const signed = await signPdfEmbedded(pdf, ecSigner);
    const signatures = findEmbeddedSignatures(signed);
    expect(signatures).toHaveLength(1);
    const signature = signatures[0];
    if (!signature) throw new Error('no signature found');
    expect(signature.subFilter).toBe('ETSI.CAdES.detached');
    const [a, b, c, d] = signature.byteRange;
    expect([a, c + d]).toEqual([0, signed.length]);
    expect(signature.contentsSpan).toEqual([b, c]);
    // 8 KiB were reserved; exactly the DER remains (parseSignedData refuses trailing bytes).
    expect(signature.contents.length).toBeLessThan(8192);
    expect(() => parseSignedData(signature.contents)).not.toThrow();
  });

  it('finds several signatures in file order, /Contents before or after /ByteRange', async () => {
    const twice = await appendSignature(await signPdfEmbedded(pdf, ecSigner), rsaSigner);
    const signatures = findEmbeddedSignatures(twice);
    expect(signatures.map((s) => s.subFilter)).toEqual(['ETSI.CAdES.detached', 'adbe.pkcs7.detached']);
    expect(signatures[1]?.byteRange[2]).toBeGreaterThan(signatures[0]?.byteRange[2] ?? Infinity);
  });

  it('tolerates whitespace, comments and nested dictionaries; ignores look-alikes', () => {
    const cms = '3003020101'; // a 5-byte SEQUENCE, padded below
    const text = [
      '%PDF-1.7',
      '1 0 obj << /Reason (not a key: /ByteRange [0 1 2 3]) /ByteRangeX [0 1 2 3] >> endobj',
      '2 0 obj',
      '<</Type/Sig/Prop_Build<</App<</Name/x>>>>%comment',
      `/Contents<${cms}0000 00\r\n00>/ByteRange[0\n10\t20 30]/SubFilter/adbe#2Epkcs7#2Edetached>>`,
      'endobj',
      '3 0 obj << /Type /Sig /ByteRange [0 /********** /********** /**********] /Contents <00> >> endobj',
      '4 0 obj << /Type /Sig /Contents <> >> endobj',
    ].join('\n');
    const signatures = findEmbeddedSignatures(latin1(text));
    expect(signatures).toHaveLength(1);
    const [signature] = signatures;
    expect(signature?.byteRange).toEqual([0, 10, 20, 30]);
    expect(signature?.subFilter).toBe('adbe.pkcs7.detached');
    expect(Buffer.from(signature?.contents ?? []).toString('hex')).toBe(cms);
    const contentsAt = text.indexOf(`<${cms}`);
    expect(signature?.contentsSpan).toEqual([contentsAt, text.indexOf('>', contentsAt) + 1]);
  });

  it('finds nothing in an unsigned PDF', () => {
    expect(findEmbeddedSignatures(pdf)).toEqual([]);
  });
});

describe('isPdf', () => {
  it('accepts the %PDF- header anywhere in the first 1024 bytes only', () => {
    expect(isPdf(pdf)).toBe(true);
    expect(isPdf(latin1(`${' '.repeat(1000)}%PDF-1.4\n`))).toBe(true);
    expect(isPdf(latin1(`${' '.repeat(1020)}%PDF-1.4\n`))).toBe(false);
    expect(isPdf(latin1('%!PS-Adobe-3.0\n'))).toBe(false);
  });
});

/**
 * The uploader's pre-flight (lambda/core/publish/preflight.ts): the gate's own checks that need no
 * served state, with and without pinned CAs. Key material is its own outcome; a nonce, an expired
 * CRL or an over-long OCSP validity is refused with the gate's reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../lambda/core/policy.ts';
import {
  preflightOutcome,
  preflightPart,
  type PreflightVerdict,
} from '../../lambda/core/publish/preflight.ts';
import { buildOcspResponse } from '../../testkit/ocsp-response-builder.ts';
import { makePdf } from '../../testkit/pdf.ts';
import { DAY, createTestPki, shift, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
const now = new Date();
const files: Record<string, Uint8Array> = {};

beforeAll(async () => {
  pki = await createTestPki();
  const signer = await pki.ca.issue({ commonName: 'ca-repo Pre-flight Signer', profile: 'document-signing' });
  const pdf = makePdf({ title: 'CPS', lines: ['Certification Practice Statement'] });
  const single = {
    issuerCertDer: pki.ca.cert.certDer,
    serialHex: pki.leaf.serialHex,
    hash: 'sha256' as const,
    status: 'good' as const,
    thisUpdate: now,
  };
  const caSigned = (nextUpdate: Date, nonce?: Uint8Array) =>
    buildOcspResponse({
      signerCertDer: pki.ca.cert.certDer,
      signerKeyPem: pki.ca.cert.keyPem,
      producedAt: now,
      responses: [{ ...single, nextUpdate }],
      nonce,
    });
  Object.assign(files, {
    'ca/root.crt': pki.ca.cert.certDer,
    'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 1n }),
    'crl/expired.crl': await pki.ca.generateCrl({
      crlNumber: 2n,
      lastUpdate: shift(now, -10 * DAY),
      nextUpdate: shift(now, -DAY),
    }),
    'ocsp/good.ocsp': await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' }),
    'ocsp/nonce.ocsp': await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha256', nonce: true }),
    'ocsp/builder-nonce.ocsp': await caSigned(shift(now, DAY), new Uint8Array(16).fill(7)),
    'ocsp/too-long.ocsp': await caSigned(shift(now, 11 * DAY)),
    'ocsp/rogue.ocsp': await pki.rogue.ocspResponse(pki.leaf, { hash: 'sha1' }),
    'policy/cps.pdf': pdf,
    'policy/cps.pdf.p7s': await pki.ca.signDetached(pdf, signer),
    'policy/orphan.pdf.p7s': await pki.ca.signDetached(pdf, signer),
    'keys/leaf.pem': new TextEncoder().encode(`${pki.leaf.certPem}${pki.leaf.keyPem}`),
    'keys/ca.key': new TextEncoder().encode(pki.ca.cert.keyPem),
    '../escape.crt': pki.ca.cert.certDer,
  });
});
afterAll(() => pki?.cleanup());

async function verdicts(trust: boolean): Promise<Record<string, PreflightVerdict>> {
  const list = await preflightPart(
    Object.entries(files).map(([path, bytes]) => ({ path, bytes })),
    { now, policy: DEFAULT_POLICY, trust: trust ? pki.trust : undefined },
  );
  return Object.fromEntries(list.map((v) => [v.file, v]));
}

const ok = (kind: string) => ({ outcome: 'ok', kind });
const rejected = (reason: RegExp) => ({ outcome: 'rejected', reason: expect.stringMatching(reason) });
const key = (form: RegExp) => ({ outcome: 'key-material', form: expect.stringMatching(form) });
const NONCE = /carries a nonce .*openssl ocsp \.\.\. -no_nonce/;

describe('pre-flight (what the gate checks without served state)', () => {
  it('without --trust: key material, paths, validity windows and nonces; signatures left to the gate', async () => {
    const found = await verdicts(false);
    expect(found).toMatchObject({
      'ca/root.crt': ok('certificate'),
      'crl/root.crl': ok('crl'),
      'crl/expired.crl': rejected(/CRL expired/),
      'ocsp/good.ocsp': ok('ocsp-response'),
      'ocsp/nonce.ocsp': rejected(NONCE),
      'ocsp/builder-nonce.ocsp': rejected(NONCE),
      'ocsp/too-long.ocsp': rejected(/exceeds the 10.00-day limit/),
      // Signed by a CA of the same name but another key: only pinned CAs can tell.
      'ocsp/rogue.ocsp': ok('ocsp-response'),
      'policy/cps.pdf': ok('pdf'),
      'policy/cps.pdf.p7s': ok('cms-signature'),
      'policy/orphan.pdf.p7s': rejected(/beside its PDF/),
      'keys/leaf.pem': key(/PRIVATE KEY/),
      'keys/ca.key': key(/PRIVATE KEY/),
      '../escape.crt': rejected(/bad path: dot segment/),
    });
    expect(preflightOutcome(Object.values(found))).toBe('key-material');
  });

  it('with --trust: the kinds judge as the gate judges a first publish, signatures included', async () => {
    const found = await verdicts(true);
    expect(found).toMatchObject({
      'ca/root.crt': ok('ca-certificate'),
      'crl/root.crl': ok('crl'),
      'crl/expired.crl': rejected(/CRL expired/),
      'ocsp/good.ocsp': ok('ocsp-response'),
      'ocsp/nonce.ocsp': rejected(NONCE),
      'ocsp/builder-nonce.ocsp': rejected(NONCE),
      'ocsp/too-long.ocsp': rejected(/exceeds the 10.00-day limit/),
      'ocsp/rogue.ocsp': rejected(/rogue CA/),
      'policy/cps.pdf': ok('document'),
      'policy/cps.pdf.p7s': ok('signature'),
      'policy/orphan.pdf.p7s': rejected(/beside its PDF/),
      'keys/leaf.pem': key(/PRIVATE KEY/),
    });
  });

  it('a bundle without key material is "rejected" when a file is refused, "ok" when none is', async () => {
    const clean = await preflightPart([{ path: 'crl/root.crl', bytes: files['crl/root.crl']! }], {
      now,
      policy: DEFAULT_POLICY,
    });
    expect(preflightOutcome(clean)).toBe('ok');
    const refused = await preflightPart([{ path: 'ocsp/n.ocsp', bytes: files['ocsp/nonce.ocsp']! }], {
      now,
      policy: DEFAULT_POLICY,
    });
    expect(preflightOutcome(refused)).toBe('rejected');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCaCertificate } from '../../lambda/core/pki/validate-ca-certificate.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.cleanup());

describe('validateCaCertificate: byte for byte one of the pinned CA certificates', () => {
  it('accepts the pinned CA certificate and reports its fingerprints', () => {
    const facts = validateCaCertificate(pki.ca.cert.certDer, pki.trust);
    expect(facts.ca.subject).toBe('CN=ca-repo Test Root CA');
    expect(facts.ca.fingerprints.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(facts.ca.fingerprints.sha512).toMatch(/^[0-9a-f]{128}$/);
  });

  it.each([
    [
      'a rogue CA: same name, another key',
      () => pki.rogue.cert.certDer,
      /rogue CA certificate: same subject as pinned CA/,
    ],
    [
      'an unpinned CA',
      () => pki.other.cert.certDer,
      /"CN=ca-repo Unpinned CA" is not a pinned CA certificate/,
    ],
    ['an end-entity certificate', () => pki.leaf.certDer, /"CN=good.example" is not a pinned CA certificate/],
    ['bytes that are no certificate', () => new Uint8Array([0x30, 0x00]), /certificate: malformed/],
  ])('refuses %s', (_name, der, reason) => {
    expect(() => validateCaCertificate(der(), pki.trust)).toThrow(reason);
  });
});

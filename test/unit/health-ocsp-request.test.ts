/**
 * The sentinel OCSP request and the BR §4.9.10 refresh deadline: the request names exactly the
 * CertID the responder's decoder and the OCSP store key expect, by GET and by POST.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOcspRequest, ocspGetUrl } from '../../lambda/core/health/health-ocsp-request.ts';
import { ocspRefreshDeadline, resolveThresholds } from '../../lambda/core/health/health-thresholds.ts';
import { ocspObjectKeyForGetPath, parseOcspRequest } from '../../lambda/core/ocsp/ocsp-request.ts';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { RejectedError } from '../../lambda/core/rejection.ts';
import { normaliseSerialHex } from '../../lambda/core/pki/x509.ts';
import { createTestPki, DAY, HOUR, shift, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(async () => {
  await pki?.cleanup();
});

describe('buildOcspRequest', () => {
  it.each(['sha1', 'sha256'] as const)(
    'builds a %s request the edge decoder reads back to the same CertID',
    async (hash) => {
      const request = await buildOcspRequest(pki.leaf.certDer, pki.ca.cert.certDer, hash);
      const hashes = pki.trust.cas[0]!.certIdHashes[hash];
      expect(request.certId).toEqual({
        hashAlgorithm: hash,
        issuerNameHashHex: hashes.nameHash,
        issuerKeyHashHex: hashes.keyHash,
        serialHex: normaliseSerialHex(pki.leaf.serialHex),
      });
      expect(parseOcspRequest(request.der)).toEqual(request.certId);
      const url = ocspGetUrl('http://repo.example/ocsp', request.der);
      expect(url).toMatch(/^http:\/\/repo\.example\/ocsp\/[A-Za-z0-9%]+$/);
      expect(ocspObjectKeyForGetPath(url.slice('http://repo.example/ocsp/'.length))).toBe(
        ocspObjectKey(request.certId),
      );
    },
  );

  it('refuses a sentinel whose issuer did not issue it', async () => {
    await expect(buildOcspRequest(pki.leaf.certDer, pki.other.cert.certDer)).rejects.toThrow(RejectedError);
    await expect(buildOcspRequest(pki.leaf.certDer, pki.rogue.cert.certDer)).rejects.toThrow(
      /is not issued by/,
    );
  });
});

describe('ocspRefreshDeadline (BR §4.9.10)', () => {
  const thisUpdate = new Date('2026-11-22T00:00:00Z');
  it.each([
    ['7-day validity: 4 days after thisUpdate', 7 * DAY, 4 * DAY],
    ['4.25-day validity: 8 hours before nextUpdate', 4 * DAY + 6 * HOUR, 3 * DAY + 22 * HOUR],
    ['16-hour validity: 8 hours before nextUpdate', 16 * HOUR, 8 * HOUR],
    ['12-hour validity: half of it before nextUpdate', 12 * HOUR, 6 * HOUR],
  ])('%s', (_name, validity, deadline) => {
    expect(ocspRefreshDeadline(thisUpdate, shift(thisUpdate, validity))).toEqual(shift(thisUpdate, deadline));
  });

  it('has BR defaults and refuses thresholds that would disable a check', () => {
    expect(resolveThresholds()).toEqual({
      timeoutMs: 10_000,
      crlMinHoursToNextUpdate: 24,
      crlMaxAgeHours: 168,
      clockSkewSeconds: 300,
    });
    expect(
      resolveThresholds({ timeoutMs: undefined, crlMinHoursToNextUpdate: 48 }).crlMinHoursToNextUpdate,
    ).toBe(48);
    expect(() => resolveThresholds({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => resolveThresholds({ crlMaxAgeHours: Number.NaN })).toThrow(/crlMaxAgeHours/);
  });
});

/**
 * The one list of CertID hash algorithms and certificate statuses, as the CloudFront Function's
 * request reader and the publish gate's response rule both read them.
 */
import { describe, expect, it } from 'vitest';
import * as asn1js from 'asn1js';
import {
  CERT_ID_HASHES,
  CERT_STATUSES,
  certIdHashOfOid,
  certStatusOfTag,
} from '../../lambda/core/ocsp/cert-id.ts';
import { parseOcspRequest } from '../../lambda/core/ocsp/ocsp-request.ts';
import {
  HASH_ALGORITHM_OID,
  HASH_ALGORITHM_OID_DER_HEX,
  WEBCRYPTO_HASH,
} from '../../lambda/core/pki/hash-algorithms.ts';
import { oid, tlv } from '../../testkit/ocsp-fixtures.ts';

/** An OCSPRequest with one CertID whose hashAlgorithm OID has these content octets. */
function requestWithOid(oidContent: Uint8Array): Uint8Array {
  const seq = (...c: Uint8Array[]) => tlv(0x30, ...c);
  const certId = seq(
    seq(tlv(0x06, oidContent), new Uint8Array([0x05, 0x00])),
    tlv(0x04, new Uint8Array(20).fill(0xab)),
    tlv(0x04, new Uint8Array(20).fill(0xcd)),
    tlv(0x02, new Uint8Array([0x01, 0x23])),
  );
  return seq(seq(seq(seq(certId))));
}

const contentOf = (dotted: string) => oid(dotted).subarray(2);

describe('CertID hash algorithms (RFC 6960 §4.1.1)', () => {
  it('are SHA-1 and SHA-2, each with the OID asn1js encodes for its dotted form', () => {
    expect(CERT_ID_HASHES).toEqual(['sha1', 'sha256', 'sha384', 'sha512']);
    for (const name of CERT_ID_HASHES) {
      expect(WEBCRYPTO_HASH[name]).toMatch(/^SHA-\d+$/);
      const encoded = new Uint8Array(
        new asn1js.ObjectIdentifier({ value: HASH_ALGORITHM_OID[name] }).toBER(),
      );
      expect(Buffer.from(encoded).toString('hex')).toBe(
        Buffer.from(oid(HASH_ALGORITHM_OID[name])).toString('hex'),
      );
      expect(certIdHashOfOid(HASH_ALGORITHM_OID[name])).toBe(name);
    }
    expect(certIdHashOfOid('1.2.840.113549.2.5')).toBeUndefined(); // id-md5
  });

  it.each(CERT_ID_HASHES)('the request reader names a %s CertID by the same list', (name) => {
    expect(parseOcspRequest(requestWithOid(contentOf(HASH_ALGORITHM_OID[name])))?.hashAlgorithm).toBe(name);
  });

  it.each([
    ['another hash (id-md5)', contentOf('1.2.840.113549.2.5'), 'oid-2a864886f70d0205'],
    [
      'SHA-1 with a padded sub-identifier (not DER)',
      new Uint8Array([0x2b, 0x0e, 0x03, 0x02, 0x80, 0x1a]),
      'oid-2b0e0302801a',
    ],
    ['a cut-short sub-identifier', new Uint8Array([0x2b, 0x0e, 0x83]), 'oid-2b0e83'],
    // 2.999.1: 2 * 40 + 999 = 1079 takes two octets
    ['a first sub-identifier of two octets (2.999.1)', new Uint8Array([0x88, 0x37, 0x01]), 'oid-883701'],
  ])(
    'the request reader keeps %s apart, answered unauthorized, not malformed',
    (_name, content, expected) => {
      expect(parseOcspRequest(requestWithOid(content))?.hashAlgorithm).toBe(expected);
    },
  );
});

describe('certificate statuses (RFC 6960 §4.2.1 CertStatus)', () => {
  it('are named by their CHOICE tag', () => {
    expect(CERT_STATUSES).toEqual(['good', 'revoked', 'unknown']);
    expect([0, 1, 2, 3, undefined].map(certStatusOfTag)).toEqual([
      'good',
      'revoked',
      'unknown',
      undefined,
      undefined,
    ]);
  });
});

describe('HASH_ALGORITHM_OID_DER_HEX', () => {
  it.each(Object.entries(HASH_ALGORITHM_OID))('%s: the DER content octets of %s', (name, dotted) => {
    const content = new asn1js.ObjectIdentifier({ value: dotted }).valueBlock.toBER();
    expect(HASH_ALGORITHM_OID_DER_HEX[name as keyof typeof HASH_ALGORITHM_OID]).toBe(
      Buffer.from(content).toString('hex'),
    );
  });
});

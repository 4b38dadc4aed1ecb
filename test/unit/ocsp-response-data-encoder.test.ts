/**
 * responseDataEncoder sizes each tbsResponseData first and writes it into one buffer (presign
 * encodes a million of them): its octets must be those of the same structure built element by
 * element with der-writer (RFC 6960 §4.2.1), for every length form the headers can take.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../lambda/core/encoding/bytes.ts';
import {
  derEnumerated,
  derExplicit,
  derGeneralizedTime,
  derHeaderSize,
  derImplicitConstructed,
  derImplicitPrimitive,
  derIntegerFromHex,
  derSequence,
  putDerHeader,
} from '../../lambda/core/encoding/der-writer.ts';
import { certIdPrefixes, responseDataEncoder } from '../../lambda/core/ocsp/ocsp-response-encoder.ts';

const thisUpdate = new Date('2026-12-04T00:00:00Z');
const nextUpdate = new Date('2026-12-08T00:00:00Z');
const revokedAt = new Date('2026-11-01T12:00:00Z');

/** The same ResponseData, one array per element. */
function reference(
  responderId: Uint8Array,
  prefixes: Uint8Array[],
  answer: { serialHex: string; status: 'good' | 'revoked'; reason?: number },
): Uint8Array {
  const status =
    answer.status === 'good'
      ? derImplicitPrimitive(0, new Uint8Array(0))
      : derImplicitConstructed(
          1,
          derGeneralizedTime(revokedAt),
          ...(answer.reason === undefined ? [] : [derExplicit(0, derEnumerated(answer.reason))]),
        );
  const times = concatBytes([derGeneralizedTime(thisUpdate), derExplicit(0, derGeneralizedTime(nextUpdate))]);
  const serial = derIntegerFromHex(answer.serialHex);
  const singles = prefixes.map((prefix) => derSequence(derSequence(prefix, serial), status, times));
  return derSequence(responderId, derGeneralizedTime(thisUpdate), derSequence(...singles));
}

describe('responseDataEncoder', () => {
  // A short ResponderID (byKey) keeps every length under 128; a 300-octet Name pushes the outer
  // SEQUENCE to a two-octet length; a 70,000-octet one to three.
  it.each([
    ['short lengths', 22],
    ['two-octet lengths', 300],
    ['three-octet lengths', 70_000],
  ])('writes the element-by-element octets with %s', (_, responderIdLength) => {
    const responderId = derExplicit(1, new Uint8Array(responderIdLength).fill(0x41));
    const issuer = { subjectDer: new Uint8Array([0x30, 0]), publicKeyBits: new Uint8Array(65).fill(4) };
    const certIds = certIdPrefixes(issuer, ['sha1', 'sha256']);
    const encode = responseDataEncoder({
      responderId,
      producedAt: thisUpdate,
      certIds,
      thisUpdate,
      nextUpdate,
    });
    const prefixes = certIds.map(({ prefix }) => prefix);
    for (const answer of [
      { serialHex: '1', status: 'good' as const },
      { serialHex: 'ff', status: 'good' as const },
      { serialHex: '7f'.repeat(20), status: 'good' as const },
      { serialHex: 'abc', status: 'revoked' as const },
      { serialHex: 'abc', status: 'revoked' as const, reason: 1 },
    ]) {
      expect(encode({ ...answer, revokedAt })).toEqual(reference(responderId, prefixes, answer));
    }
  });

  it('putDerHeader writes the minimal length derHeaderSize counts', () => {
    for (const length of [0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffff, 0x1000000]) {
      const out = new Uint8Array(8);
      const end = putDerHeader(out, 0, 0x30, length);
      expect(end).toBe(derHeaderSize(length));
      const expected = derSequence(new Uint8Array(length)).subarray(0, end);
      expect(out.subarray(0, end)).toEqual(expected);
    }
  });
});

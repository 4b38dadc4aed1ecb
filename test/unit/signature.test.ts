/**
 * node:crypto verification on keys read once (lambda/core/pki/signature.ts): what it decides, and what
 * it leaves to pkijs.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { OID } from '../../lambda/core/pki/oids.ts';
import { readPublicKey, verifyWithPublicKey } from '../../lambda/core/pki/signature.ts';

const data = new TextEncoder().encode('tbsResponseData');

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecOther = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
const ecKey = readPublicKey(spkiOf(ec.publicKey));
const rsaKey = readPublicKey(spkiOf(rsa.publicKey));
const ecSignature = new Uint8Array(sign('sha256', data, ec.privateKey));
const rsaSignature = new Uint8Array(sign('sha256', data, rsa.privateKey));

describe('verifyWithPublicKey', () => {
  it('verifies ecdsa-with-SHA256 (parameters absent, RFC 5758 §3.2) and sha256WithRSAEncryption (NULL, RFC 4055 §5)', () => {
    expect(
      verifyWithPublicKey({
        key: ecKey,
        algorithm: { algorithmId: OID.ecdsaWithSha256 },
        signedBytes: data,
        signature: ecSignature,
      }),
    ).toBe(true);
    for (const algorithmParams of [new asn1js.Null(), undefined]) {
      expect(
        verifyWithPublicKey({
          key: rsaKey,
          algorithm: { algorithmId: OID.sha256WithRsaEncryption, algorithmParams },
          signedBytes: data,
          signature: rsaSignature,
        }),
      ).toBe(true);
    }
  });

  it('refuses other bytes, another key, and a signature whose algorithm is not the key type', () => {
    const check = (key: KeyObject | undefined, algorithmId: string, signature: Uint8Array, bytes = data) =>
      verifyWithPublicKey({ key, algorithm: { algorithmId }, signedBytes: bytes, signature });
    expect(check(ecKey, OID.ecdsaWithSha256, ecSignature, new TextEncoder().encode('other'))).toBe(false);
    expect(check(readPublicKey(spkiOf(ecOther.publicKey)), OID.ecdsaWithSha256, ecSignature)).toBe(false);
    expect(check(ecKey, OID.ecdsaWithSha384, ecSignature)).toBe(false);
    // pkijs chose the scheme from the key alone and verified these; RFC 5280 §4.1.1.2 names the algorithm.
    expect(check(rsaKey, OID.ecdsaWithSha256, rsaSignature)).toBe(false);
    expect(check(ecKey, OID.sha256WithRsaEncryption, ecSignature)).toBe(false);
    expect(check(ecKey, OID.ecdsaWithSha256, new Uint8Array([1, 2, 3]))).toBe(false);
  });

  it('refuses an ECDSA signature that is not the DER Ecdsa-Sig-Value (RFC 5480 §2.2)', () => {
    // r tagged ENUMERATED instead of INTEGER: a BER reader that takes any integer-like type verified it.
    const enumerated = ecSignature.slice();
    expect(enumerated[2]).toBe(0x02);
    enumerated[2] = 0x0a;
    expect(
      verifyWithPublicKey({
        key: ecKey,
        algorithm: { algorithmId: OID.ecdsaWithSha256 },
        signedBytes: data,
        signature: enumerated,
      }),
    ).toBe(false);
  });

  it('leaves to pkijs what it does not handle: other algorithms, parameters, curves, unreadable keys', () => {
    const leave = (key: KeyObject | undefined, algorithmId: string, algorithmParams?: unknown) =>
      verifyWithPublicKey({
        key,
        algorithm: { algorithmId, algorithmParams },
        signedBytes: data,
        signature: ecSignature,
      });
    expect(leave(rsaKey, OID.rsassaPss)).toBeUndefined();
    expect(leave(ecKey, OID.ecdsaWithSha256, new asn1js.Null())).toBeUndefined();
    expect(leave(rsaKey, OID.sha256WithRsaEncryption, new asn1js.Integer({ value: 1 }))).toBeUndefined();
    expect(leave(readPublicKey(spkiOf(k1.publicKey)), OID.ecdsaWithSha256)).toBeUndefined();
    expect(leave(undefined, OID.ecdsaWithSha256)).toBeUndefined();
    expect(readPublicKey(new Uint8Array([0x30, 0x00]))).toBeUndefined();
  });
});

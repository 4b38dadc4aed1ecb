import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseBer } from '../encoding/asn1.ts';
import type { KeyObject } from 'node:crypto';
import { bytesEqual, digestSync, toArrayBuffer, toHex } from '../encoding/bytes.ts';
import { OID } from './oids.ts';
import { RejectedError } from '../rejection.ts';
import { readPublicKey, verifyWithPublicKey } from './signature.ts';

/** Decodes one complete DER element into a pkijs object, or rejects with `what` in the reason. */
export function decodeDer<T>(der: Uint8Array, what: string, build: (schema: asn1js.AsnType) => T): T {
  const asn1 = parseBer(der);
  if (!asn1.ok) throw new RejectedError(`${what}: not valid DER (${asn1.error})`);
  if (asn1.length !== der.byteLength)
    throw new RejectedError(`${what}: trailing bytes after the DER element`);
  try {
    return build(asn1.result);
  } catch (error) {
    throw new RejectedError(`${what}: malformed structure (${(error as Error).message})`);
  }
}

/** DER of a pkijs Name, for byte-for-byte name comparison (RFC 5280 §7.1). */
export function nameDer(name: pkijs.RelativeDistinguishedNames): Uint8Array {
  return new Uint8Array(name.toSchema().toBER());
}

/** RFC 5280 §4.1.2.2: serial numbers are positive INTEGERs; keys use minimal lowercase hex. */
export function serialHexOf(serial: asn1js.Integer): string {
  return normaliseSerialHex(toHex(new Uint8Array(serial.valueBlock.valueHexView)));
}

/** Strips redundant leading zero octets (BER allows them, DER does not) and lowercases. */
export function normaliseSerialHex(hex: string): string {
  let h = hex.toLowerCase();
  if (h.length % 2 === 1) h = `0${h}`;
  while (h.length > 2 && h.startsWith('00')) h = h.slice(2);
  return h;
}

/** The subjectPublicKey BIT STRING value: what ResponderID byKey and CertID hash (RFC 6960 §4.1.1, §4.2.2.3). */
export function publicKeyBits(certificate: pkijs.Certificate): Uint8Array {
  return new Uint8Array(certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
}

/** SHA-1 of the subjectPublicKey BIT STRING value: ResponderID byKey (RFC 6960 §4.2.2.3) and CertID. */
export async function keyIdOf(certificate: pkijs.Certificate): Promise<Uint8Array> {
  return digestSync('sha1', publicKeyBits(certificate));
}

/**
 * A signer's public key read once: pkijs's SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and, when
 * OpenSSL reads it, a node:crypto KeyObject. Build one per certificate and keep it as long as the
 * certificate: a pinned CA's is built when the CA is pinned (PinnedCa.publicKey).
 */
export interface PublicKey {
  readonly info: pkijs.PublicKeyInfo;
  readonly keyObject: KeyObject | undefined;
}

export function publicKeyOf(certificate: pkijs.Certificate): PublicKey {
  const info = certificate.subjectPublicKeyInfo;
  let spki: Uint8Array | undefined;
  try {
    spki = new Uint8Array(info.toSchema().toBER());
  } catch {
    spki = undefined; // pkijs decides, and refuses, when its turn comes
  }
  return { info, keyObject: spki && readPublicKey(spki) };
}

/**
 * Verifies `signature` over `signedBytes` with the signer's public key: node:crypto on the key read
 * once when the algorithm is one lambda/core/pki/signature.ts handles, pkijs (WebCrypto) otherwise.
 */
export async function verifySignature(options: {
  signedBytes: Uint8Array;
  /** The signature BIT STRING's bits (asn1js `valueBlock.valueHexView`). */
  signature: Uint8Array;
  algorithm: pkijs.AlgorithmIdentifier;
  signer: PublicKey;
}): Promise<boolean> {
  const fast = verifyWithPublicKey({
    key: options.signer.keyObject,
    algorithm: options.algorithm,
    signedBytes: options.signedBytes,
    signature: options.signature,
  });
  if (fast !== undefined) return fast;
  try {
    return await pkijs
      .getCrypto(true)
      .verifyWithPublicKey(
        toArrayBuffer(options.signedBytes),
        new asn1js.BitString({ valueHex: options.signature }),
        options.signer.info,
        options.algorithm,
      );
  } catch {
    // An unsupported or malformed algorithm is a signature that does not verify.
    return false;
  }
}

/** The outer and inner signature algorithm fields must agree (RFC 5280 §4.1.1.2, §5.1.1.2). */
export function sameAlgorithm(a: pkijs.AlgorithmIdentifier, b: pkijs.AlgorithmIdentifier): boolean {
  return bytesEqual(new Uint8Array(a.toSchema().toBER()), new Uint8Array(b.toSchema().toBER()));
}

/** An issuer as the chain check needs it: its subject Name DER and its key (a PinnedCa is one). */
export interface Issuer {
  readonly subjectDer: Uint8Array;
  readonly publicKey: PublicKey;
}

/**
 * True when `issuer` issued `subject`: names chain and the signature verifies (RFC 5280 §6.1.3).
 * Pass a PinnedCa rather than its certificate to use the key read when it was pinned.
 */
export async function isIssuedBy(
  subject: pkijs.Certificate,
  issuer: pkijs.Certificate | Issuer,
): Promise<boolean> {
  const by =
    issuer instanceof pkijs.Certificate
      ? { subjectDer: nameDer(issuer.subject), publicKey: publicKeyOf(issuer) }
      : issuer;
  if (!bytesEqual(nameDer(subject.issuer), by.subjectDer)) return false;
  return verifySignature({
    signedBytes: subject.tbsView,
    signature: subject.signatureValue.valueBlock.valueHexView,
    algorithm: subject.signatureAlgorithm,
    signer: by.publicKey,
  });
}

export function isValidAt(certificate: pkijs.Certificate, at: Date): boolean {
  return certificate.notBefore.value <= at && at <= certificate.notAfter.value;
}

/** Extended key usage purposes (RFC 5280 §4.2.1.12); undefined when the extension is absent. */
export function extendedKeyUsages(certificate: pkijs.Certificate): string[] | undefined {
  const extension = certificate.extensions?.find((e) => e.extnID === OID.extKeyUsage);
  if (!extension) return undefined;
  const parsed = extension.parsedValue as pkijs.ExtKeyUsage | undefined;
  return parsed?.keyPurposes ?? [];
}

/** Whether the basicConstraints extension marks the certificate as a CA (RFC 5280 §4.2.1.9). */
export function isCaCertificate(certificate: pkijs.Certificate): boolean {
  const extension = certificate.extensions?.find((e) => e.extnID === OID.basicConstraints);
  const parsed = extension?.parsedValue as pkijs.BasicConstraints | undefined;
  return parsed?.cA === true;
}

/** The first commonName (2.5.4.3, RFC 5280 §4.1.2.6 / X.520) of a Name, or undefined. */
export function commonNameOf(name: pkijs.RelativeDistinguishedNames): string | undefined {
  const attribute = name.typesAndValues.find((tv) => tv.type === OID.commonName);
  return attribute === undefined ? undefined : String(attribute.value.valueBlock.value);
}

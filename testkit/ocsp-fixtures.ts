/**
 * Fast OCSP material for the benchmarks: responses and requests written as DER by hand and signed
 * with node:crypto. testkit/ocsp-response-builder.ts (pkijs + WebCrypto) signs about 200 responses a
 * second here, which would make 100,000 responses a ten-minute wait; this writes thousands a
 * second. The output is checked against the product's own validator and decoder before use
 * (see checkFixtures in bench/bench-pki.ts), so a mistake here cannot inflate a figure.
 */
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { PinnedCa } from '../lambda/core/pki/trust-store.ts';
import { HASH_ALGORITHM_OID } from '../lambda/core/pki/hash-algorithms.ts';
import { OID } from '../lambda/core/pki/oids.ts';
import type { CertStatus } from '../lambda/core/ocsp/cert-id.ts';

/** One DER element: tag, definite minimal length, contents (X.690 §8.1, §10.1). */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const length = contents.reduce((n, c) => n + c.length, 0);
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else if (length < 0x100) header = [tag, 0x81, length];
  else if (length < 0x10000) header = [tag, 0x82, length >> 8, length & 0xff];
  else header = [tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let at = header.length;
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const seq = (...c: Uint8Array[]) => tlv(0x30, ...c);
const octets = (bytes: Uint8Array) => tlv(0x04, bytes);
const NULL = new Uint8Array([0x05, 0x00]);

/** OBJECT IDENTIFIER from dotted form (X.690 §8.19). */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const body: number[] = [(arcs[0] ?? 0) * 40 + (arcs[1] ?? 0)];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    body.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(body));
}

/** A positive INTEGER from hex (a leading 00 keeps a high first bit from reading as a sign). */
export function integerFromHex(hex: string): Uint8Array {
  const even = hex.length % 2 === 0 ? hex : `0${hex}`;
  let bytes = Buffer.from(even, 'hex');
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1); // DER: minimal octets
  return tlv(0x02, (bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.2: no fractions). */
export function generalizedTime(date: Date): Uint8Array {
  const text = date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return tlv(0x18, Buffer.from(text, 'ascii'));
}

const OID_SHA1 = oid(HASH_ALGORITHM_OID.sha1); // id-sha1
const OID_OCSP_BASIC = oid(OID.ocspBasic); // id-pkix-ocsp-basic
const OID_OCSP_NONCE = oid(OID.ocspNonce); // id-pkix-ocsp-nonce
const OID_ECDSA_SHA256 = oid(OID.ecdsaWithSha256); // ecdsa-with-SHA256
const OID_RSA_SHA256 = oid(OID.sha256WithRsaEncryption); // sha256WithRSAEncryption

export interface SigningCa {
  pinned: PinnedCa;
  key: KeyObject;
}

export function signingCa(pinned: PinnedCa, keyPem: string): SigningCa {
  return { pinned, key: createPrivateKey(keyPem) };
}

/** CertID with SHA-1 hashes (RFC 6960 §4.1.1; what Firefox and `openssl ocsp` send by default). */
export function certIdSha1(pinned: PinnedCa, serialHex: string): Uint8Array {
  const hashes = pinned.certIdHashes.sha1;
  return seq(
    seq(OID_SHA1, NULL),
    octets(Buffer.from(hashes.nameHash, 'hex')),
    octets(Buffer.from(hashes.keyHash, 'hex')),
    integerFromHex(serialHex),
  );
}

export interface ResponseSpec {
  serialHex: string;
  /** This writer has no `unknown` [2]. */
  status: Exclude<CertStatus, 'unknown'>;
  thisUpdate: Date;
  nextUpdate: Date;
  producedAt?: Date;
  revokedAt?: Date;
}

/** A successful OCSPResponse signed by the CA itself, responder ID byKey (RFC 6960 §4.2.1). */
export function buildSignedResponse(ca: SigningCa, spec: ResponseSpec): Uint8Array {
  const certStatus =
    spec.status === 'good'
      ? new Uint8Array([0x80, 0x00]) // [0] IMPLICIT NULL
      : tlv(0xa1, generalizedTime(spec.revokedAt ?? spec.thisUpdate)); // [1] IMPLICIT RevokedInfo
  const single = seq(
    certIdSha1(ca.pinned, spec.serialHex),
    certStatus,
    generalizedTime(spec.thisUpdate),
    tlv(0xa0, generalizedTime(spec.nextUpdate)),
  );
  const keyHash = Buffer.from(ca.pinned.certIdHashes.sha1.keyHash, 'hex');
  const tbs = seq(
    tlv(0xa2, octets(keyHash)), // ResponderID byKey: SHA-1 of the CA's public key bits
    generalizedTime(spec.producedAt ?? spec.thisUpdate),
    seq(single),
  );
  const rsa = ca.key.asymmetricKeyType === 'rsa';
  // ECDSA signatures come out as DER Ecdsa-Sig-Value, which is what X.509 carries (RFC 5758 §3.2).
  const signature = sign('sha256', tbs, ca.key);
  const basic = seq(
    tbs,
    rsa ? seq(OID_RSA_SHA256, NULL) : seq(OID_ECDSA_SHA256),
    tlv(0x03, new Uint8Array([0]), signature),
  );
  return seq(tlv(0x0a, new Uint8Array([0])), tlv(0xa0, seq(OID_OCSP_BASIC, octets(basic))));
}

/** A DER OCSPRequest for one serial, optionally with a 16-byte nonce (RFC 6960 §4.1.1, §4.4.1). */
export function buildOcspRequest(pinned: PinnedCa, serialHex: string, nonce?: Uint8Array): Uint8Array {
  const requestList = seq(seq(certIdSha1(pinned, serialHex)));
  const extensions = nonce ? [tlv(0xa2, seq(seq(OID_OCSP_NONCE, octets(octets(nonce)))))] : [];
  return seq(seq(requestList, ...extensions));
}

/** Serial number i as 16 hex digits with a high bit clear: distinct, positive, fixed width. */
export function benchSerial(i: number): string {
  return (0x1000_0000_0000_0000n + BigInt(i)).toString(16);
}

/**
 * A bundle of `count` responses, `ocsp/<serial>.ocsp` for benchSerial(0 … count-1), all with one
 * thisUpdate and a 72-hour validity, revoked where `revoked` holds the index: a first publish, and
 * with a later thisUpdate a refresh of the same CertIDs.
 */
export function ocspBundleFiles(
  ca: SigningCa,
  count: number,
  thisUpdate: Date,
  revoked: ReadonlySet<number> = new Set(),
): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    files[`ocsp/${benchSerial(i)}.ocsp`] = buildSignedResponse(ca, {
      serialHex: benchSerial(i),
      status: revoked.has(i) ? 'revoked' : 'good',
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + 72 * 3600_000),
    });
  }
  return files;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

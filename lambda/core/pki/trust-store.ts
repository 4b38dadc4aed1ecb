import * as pkijs from 'pkijs';
import { parseBer } from '../encoding/asn1.ts';
import { digest, toHex, bytesEqual } from '../encoding/bytes.ts';
import { HASH_ALGORITHMS, type HashAlgorithmName } from './hash-algorithms.ts';
import { isIssuedBy, nameDer, publicKeyOf, type PublicKey } from './x509.ts';

/** The fingerprints published for a CA certificate (Digital Agency survey item 3513), hex. */
export type Fingerprints = { [name in (typeof FINGERPRINT_HASHES)[number]]: string };
export const FINGERPRINT_HASHES = [
  'sha256',
  'sha384',
  'sha512',
] as const satisfies readonly HashAlgorithmName[];

/** SHA-256, SHA-384 and SHA-512 of a certificate's DER, as `openssl x509 -fingerprint` hashes it. */
export async function fingerprintsOf(der: Uint8Array): Promise<Fingerprints> {
  return {
    sha256: toHex(await digest('sha256', der)),
    sha384: toHex(await digest('sha384', der)),
    sha512: toHex(await digest('sha512', der)),
  };
}

/** One CA certificate pinned by the operator's configuration: the only roots of trust. */
export interface PinnedCa {
  der: Uint8Array;
  certificate: pkijs.Certificate;
  /** DER of the subject Name, compared byte for byte with issuer names (RFC 5280 §7.1). */
  subjectDer: Uint8Array;
  subject: string;
  /** Fingerprints published in index.json (survey item 3513). */
  fingerprints: Fingerprints;
  /** issuerNameHash / issuerKeyHash of this CA per hash algorithm, any a CertID may use (RFC 6960 §4.1.1). */
  certIdHashes: Record<HashAlgorithmName, { nameHash: string; keyHash: string }>;
  /**
   * SHA-1 of the subjectPublicKey bits: a ResponderID byKey naming this CA (RFC 6960 §4.2.2.3).
   * Equal to certIdHashes.sha1.keyHash, as bytes.
   */
  keyId: Uint8Array;
  /**
   * This certificate's own public key, read once: every signature the CA made (OCSP responses,
   * CRLs, certificates) is verified with it instead of importing the key into WebCrypto each time.
   * It belongs to this PinnedCa, found by the rules through its certificate's bytes, name and key
   * hashes, never by a name alone, so another certificate's key can never be taken for it.
   */
  publicKey: PublicKey;
}

export class TrustStoreError extends Error {
  override name = 'TrustStoreError';
}

/** Parses DER into a pkijs Certificate, or throws with a readable reason. */
export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  const asn1 = parseBer(der);
  if (!asn1.ok || asn1.length !== der.byteLength) {
    throw new TrustStoreError('not a DER certificate (bad or trailing ASN.1)');
  }
  return new pkijs.Certificate({ schema: asn1.result });
}

/** RFC 4514-style one-line rendering of a Name, most significant RDN last as OpenSSL prints it reversed. */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  const short: Record<string, string> = {
    '2.5.4.3': 'CN', // commonName
    '2.5.4.6': 'C', // countryName
    '2.5.4.7': 'L', // localityName
    '2.5.4.8': 'ST', // stateOrProvinceName
    '2.5.4.10': 'O', // organizationName
    '2.5.4.11': 'OU', // organizationalUnitName
    '2.5.4.5': 'serialNumber', // serialNumber
    '1.2.840.113549.1.9.1': 'emailAddress', // pkcs-9-at-emailAddress
  };
  return name.typesAndValues
    .map((tv) => `${short[tv.type] ?? tv.type}=${String(tv.value.valueBlock.value)}`)
    .join(', ');
}

export async function pinCa(der: Uint8Array): Promise<PinnedCa> {
  const certificate = parseCertificate(der);
  const subjectDer = new Uint8Array(certificate.subject.toSchema().toBER());
  // issuerKeyHash is the hash of the BIT STRING value of subjectPublicKey, without tag, length
  // and unused-bits octet (RFC 6960 §4.1.1).
  const keyBits = new Uint8Array(certificate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
  const certIdHashes = {} as PinnedCa['certIdHashes'];
  for (const alg of HASH_ALGORITHMS) {
    certIdHashes[alg] = {
      nameHash: toHex(await digest(alg, subjectDer)),
      keyHash: toHex(await digest(alg, keyBits)),
    };
  }
  return {
    der,
    certificate,
    subjectDer,
    subject: formatName(certificate.subject),
    keyId: await digest('sha1', keyBits),
    publicKey: publicKeyOf(certificate),
    fingerprints: await fingerprintsOf(der),
    certIdHashes,
  };
}

/** The operator's pinned CA certificates, looked up the ways the rules need. */
export class TrustStore {
  private constructor(readonly cas: readonly PinnedCa[]) {}

  static async fromDer(ders: readonly Uint8Array[]): Promise<TrustStore> {
    if (ders.length === 0) throw new TrustStoreError('at least one pinned CA certificate is required');
    return new TrustStore(await Promise.all(ders.map(pinCa)));
  }

  /** The pinned CA with exactly these bytes (a CA certificate is accepted only byte for byte). */
  findByDer(der: Uint8Array): PinnedCa | undefined {
    return this.cas.find((ca) => bytesEqual(ca.der, der));
  }

  /** Pinned CAs whose subject Name equals this Name DER (there may be several after a re-key). */
  findBySubject(subjectDer: Uint8Array): PinnedCa[] {
    return this.cas.filter((ca) => bytesEqual(ca.subjectDer, subjectDer));
  }

  /** The pinned CA that issued the certificate (RFC 5280 §6.1.3: the name chains, the signature verifies). */
  async issuerOf(certificate: pkijs.Certificate): Promise<PinnedCa | undefined> {
    for (const ca of this.findBySubject(nameDer(certificate.issuer))) {
      if (await isIssuedBy(certificate, ca)) return ca;
    }
    return undefined;
  }

  /** The pinned CA named by an OCSP CertID, for the CertID's own hash algorithm. */
  findByCertId(alg: HashAlgorithmName, nameHashHex: string, keyHashHex: string): PinnedCa | undefined {
    return this.cas.find(
      (ca) => ca.certIdHashes[alg].nameHash === nameHashHex && ca.certIdHashes[alg].keyHash === keyHashHex,
    );
  }
}

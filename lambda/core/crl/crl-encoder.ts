/**
 * Encodes a v2 CRL (RFC 5280 §5.1) octet by octet for the pre-signer: the full CRL of a CA, or a
 * partition of it (RFC 5280 §5.2.5) carrying a critical Issuing Distribution Point that names the
 * URL it is published at, as CA/B Forum BR §7.2.2 asks of partitioned CRLs. Signing is the
 * caller's: it gets the tbsCertList octets and gives back the signature value.
 */
import {
  derBitString,
  derEnumerated,
  derExplicit,
  derExtension,
  derImplicitConstructed,
  derImplicitPrimitive,
  derIntegerFromBigInt,
  derIntegerFromHex,
  derSequence,
  derSmallInteger,
  derTime,
} from '../encoding/der-writer.ts';
import { OID } from '../pki/oids.ts';

export interface CrlEntryToWrite {
  serialHex: string;
  revokedAt: Date;
  /** CRLReason (RFC 5280 §5.3.1); undefined writes no reasonCode (BR §7.2.2: never unspecified). */
  reason?: number;
}

export interface TbsCertListInput {
  signatureAlgorithm: Uint8Array;
  /** The CA's subject Name DER, exactly as in its certificate (RFC 5280 §5.1.2.3). */
  issuerNameDer: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: Iterable<CrlEntryToWrite>;
  crlNumber: bigint;
  /** The CA's subjectKeyIdentifier, for the Authority Key Identifier (RFC 5280 §5.2.1). */
  authorityKeyId?: Uint8Array;
  /** A partition's URL: written as a critical Issuing Distribution Point (RFC 5280 §5.2.5). */
  distributionPointUrl?: string;
}

/** CRL numbers are at most 20 octets (RFC 5280 §5.2.3). */
const MAX_CRL_NUMBER = (1n << 159n) - 1n;

/**
 * IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName, ... } with
 * DistributionPointName's fullName [0] GeneralNames holding one uniformResourceIdentifier [6].
 */
export function issuingDistributionPointDer(url: string): Uint8Array {
  const uri = derImplicitPrimitive(6, new TextEncoder().encode(url));
  return derSequence(derExplicit(0, derImplicitConstructed(0, uri)));
}

function entryDer(entry: CrlEntryToWrite): Uint8Array {
  const fields = [derIntegerFromHex(entry.serialHex), derTime(entry.revokedAt)];
  if (entry.reason !== undefined && entry.reason !== 0) {
    fields.push(derSequence(derExtension(OID.crlReason, derEnumerated(entry.reason))));
  }
  return derSequence(...fields);
}

export function encodeTbsCertList(input: TbsCertListInput): Uint8Array {
  if (input.crlNumber < 0n || input.crlNumber > MAX_CRL_NUMBER)
    throw new Error('CRL number must fit in 20 octets (RFC 5280 §5.2.3)');
  const entries = [...input.entries].map(entryDer);
  const extensions = [
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING, ... }
    ...(input.authorityKeyId
      ? [derExtension(OID.authorityKeyIdentifier, derSequence(derImplicitPrimitive(0, input.authorityKeyId)))]
      : []),
    derExtension(OID.crlNumber, derIntegerFromBigInt(input.crlNumber)),
    ...(input.distributionPointUrl
      ? [
          derExtension(
            OID.issuingDistributionPoint,
            issuingDistributionPointDer(input.distributionPointUrl),
            true,
          ),
        ]
      : []),
  ];
  return derSequence(
    derSmallInteger(1), // v2 (RFC 5280 §5.1.2.1): extensions are present
    input.signatureAlgorithm,
    input.issuerNameDer,
    derTime(input.thisUpdate),
    derTime(input.nextUpdate),
    // revokedCertificates is absent, not empty, when nothing is revoked (RFC 5280 §5.1.2.6).
    ...(entries.length > 0 ? [derSequence(...entries)] : []),
    derExplicit(0, derSequence(...extensions)),
  );
}

/** CertificateList { tbsCertList, signatureAlgorithm, signatureValue } (RFC 5280 §5.1.1). */
export function encodeCrl(
  tbs: Uint8Array,
  signatureAlgorithm: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  return derSequence(tbs, signatureAlgorithm, derBitString(signature));
}

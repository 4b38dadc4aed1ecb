/**
 * The OCSP request a relying party sends for a sentinel certificate (RFC 6960 §4.1.1), built the
 * way OpenSSL and Java build it: one Request, no requestorName, no signature, CertID hash algorithm
 * with NULL parameters; without a nonce (Java, GET), or with one as `openssl ocsp` sends by
 * default on POST (`withNonce`): a pre-produced response cannot echo it (RFC 9919) and OpenSSL
 * accepts its absence, but refuses a response carrying another nonce.
 *
 * The issuer hashes come from the pinned CA's exact subject DER and key (trust-store.ts), never
 * from a re-encoding, so the request names the same object key the publish gate stored.
 */
import * as asn1js from 'asn1js';
import { fromHex } from '../encoding/bytes.ts';
import { HASH_ALGORITHM_OID, type HashAlgorithmName } from '../pki/hash-algorithms.ts';
import { OID } from '../pki/oids.ts';
import type { CertIdKey } from '../ocsp/ocsp-object-key.ts';
import { RejectedError } from '../rejection.ts';
import { formatName, parseCertificate, pinCa } from '../pki/trust-store.ts';
import { isIssuedBy, serialHexOf } from '../pki/x509.ts';

export interface OcspProbeRequest {
  der: Uint8Array;
  /** The CertID the response must answer, in the form the OCSP store keys use. */
  certId: CertIdKey;
  /** Subject of the sentinel certificate, for targets and details. */
  subject: string;
  /**
   * The same request carrying a nonce extension (RFC 6960 §4.4.1; its value an OCTET STRING of
   * `nonce`, RFC 8954 §2.1, as OpenSSL writes it), and the extnValue octets a response must echo.
   */
  withNonce(nonce: Uint8Array): { der: Uint8Array; extnValue: Uint8Array };
}

/** Builds the DER OCSPRequest for `certificateDer`, issued by `issuerDer`. */
export async function buildOcspRequest(
  certificateDer: Uint8Array,
  issuerDer: Uint8Array,
  hashAlgorithm: HashAlgorithmName = 'sha1',
): Promise<OcspProbeRequest> {
  const certificate = parseCertificate(certificateDer);
  const issuer = await pinCa(issuerDer);
  // A sentinel whose issuer is wrong would probe a CertID nobody published: a configuration error.
  if (!(await isIssuedBy(certificate, issuer))) {
    throw new RejectedError(
      `sentinel certificate "${formatName(certificate.subject)}" is not issued by "${issuer.subject}"`,
    );
  }
  const { nameHash, keyHash } = issuer.certIdHashes[hashAlgorithm];
  const certId = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.ObjectIdentifier({ value: HASH_ALGORITHM_OID[hashAlgorithm] }), new asn1js.Null()],
      }),
      new asn1js.OctetString({ valueHex: fromHex(nameHash) }),
      new asn1js.OctetString({ valueHex: fromHex(keyHash) }),
      certificate.serialNumber,
    ],
  });
  // OCSPRequest { tbsRequest { requestList { Request { reqCert } }, [2] EXPLICIT requestExtensions? } }
  const encode = (extensions: asn1js.BaseBlock[]) =>
    new Uint8Array(
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [certId] })] }),
              ...extensions,
            ],
          }),
        ],
      }).toBER(),
    );
  const withNonce = (nonce: Uint8Array) => {
    const extnValue = new Uint8Array(new asn1js.OctetString({ valueHex: nonce }).toBER());
    const extension = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: OID.ocspNonce }), // id-pkix-ocsp-nonce
        new asn1js.OctetString({ valueHex: extnValue }),
      ],
    });
    const requestExtensions = new asn1js.Constructed({
      idBlock: { tagClass: 3, tagNumber: 2 },
      value: [new asn1js.Sequence({ value: [extension] })],
    });
    return { der: encode([requestExtensions]), extnValue };
  };
  return {
    der: encode([]),
    withNonce,
    certId: {
      hashAlgorithm,
      issuerNameHashHex: nameHash,
      issuerKeyHashHex: keyHash,
      serialHex: serialHexOf(certificate.serialNumber),
    },
    subject: formatName(certificate.subject),
  };
}

/**
 * The GET form of a request (RFC 6960 Appendix A.1): the URL-encoding of the base64 of the DER,
 * appended to the responder URL. Percent-encoding `+`, `/` and `=` is what Java sends.
 */
export function ocspGetUrl(responderUrl: string, der: Uint8Array): string {
  const base = responderUrl.endsWith('/') ? responderUrl : `${responderUrl}/`;
  return `${base}${encodeURIComponent(Buffer.from(der).toString('base64'))}`;
}

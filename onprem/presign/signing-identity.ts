/**
 * Who signs what the pre-signer produces, checked before the first signature: the CA's key signs
 * CRLs (RFC 5280 §5.1.1.3) and OCSP responses unless a delegated responder does (RFC 6960
 * §4.2.2.2). A delegated responder's certificate must be issued by the CA with id-kp-OCSPSigning
 * and be valid from thisUpdate through every nextUpdate it signs; without id-pkix-ocsp-nocheck a
 * relying party may try to check its status and fail (§4.2.2.2.1), so that is warned.
 */
import type * as pkijs from 'pkijs';
import { OID } from '../../lambda/core/pki/oids.ts';
import { formatName, parseCertificate } from '../../lambda/core/pki/trust-store.ts';
import {
  extendedKeyUsages,
  isCaCertificate,
  isIssuedBy,
  nameDer,
  publicKeyBits,
} from '../../lambda/core/pki/x509.ts';
import { responderIdByName, type IssuerIdentity } from '../../lambda/core/ocsp/ocsp-response-encoder.ts';
import { signatureAlgorithmDer } from '../../lambda/core/pki/signature-encoding.ts';
import { assertSignerMatches, type Signer } from './signer.ts';

export class SigningIdentityError extends Error {}

export interface CaIdentity extends IssuerIdentity {
  certificate: pkijs.Certificate;
  name: string;
  /** subjectKeyIdentifier, for the CRL's Authority Key Identifier (RFC 5280 §5.2.1). */
  keyId?: Uint8Array;
  signer: Signer;
  signatureAlgorithm: Uint8Array;
}

export interface ResponderIdentity {
  /** ResponderID byName of whoever signs the responses. */
  responderId: Uint8Array;
  signer: Signer;
  signatureAlgorithm: Uint8Array;
  /** Carried in every response: the delegated responder's certificate (RFC 6960 §4.2.1 certs). */
  certs: Uint8Array[];
}

/** The Name exactly as encoded in the certificate: what CertID and ResponderID hash or carry. */
function subjectDerOf(certificate: pkijs.Certificate): Uint8Array {
  const raw = certificate.subject.valueBeforeDecode;
  return raw.byteLength > 0 ? new Uint8Array(raw) : nameDer(certificate.subject);
}

function spkiDer(certificate: pkijs.Certificate): Uint8Array {
  return new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER());
}

function readCertificate(der: Uint8Array, what: string): pkijs.Certificate {
  try {
    return parseCertificate(der);
  } catch (error) {
    throw new SigningIdentityError(`${what} is not a certificate (${(error as Error).message})`);
  }
}

export async function caIdentity(der: Uint8Array, signer: Signer): Promise<CaIdentity> {
  const certificate = readCertificate(der, '--ca');
  const name = formatName(certificate.subject);
  if (!isCaCertificate(certificate))
    throw new SigningIdentityError(`--ca "${name}" is not a CA certificate (basicConstraints cA)`);
  await assertSignerMatches(signer, spkiDer(certificate), `the CA certificate "${name}"`).catch(
    (error: Error) => {
      throw new SigningIdentityError(error.message);
    },
  );
  const ski = certificate.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier)?.parsedValue as
    { valueBlock: { valueHexView: Uint8Array } } | undefined;
  return {
    certificate,
    name,
    subjectDer: subjectDerOf(certificate),
    publicKeyBits: publicKeyBits(certificate),
    ...(ski ? { keyId: new Uint8Array(ski.valueBlock.valueHexView) } : {}),
    signer,
    signatureAlgorithm: signatureAlgorithmDer(signer.keyType),
  };
}

export function caAsResponder(ca: CaIdentity): ResponderIdentity {
  return {
    responderId: responderIdByName(ca.subjectDer),
    signer: ca.signer,
    signatureAlgorithm: ca.signatureAlgorithm,
    certs: [],
  };
}

/** A delegated responder, refused unless it may sign every response of this run. */
export async function delegatedResponder(input: {
  der: Uint8Array;
  signer: Signer;
  ca: CaIdentity;
  thisUpdate: Date;
  lastNextUpdate: Date;
  warn(message: string): void;
}): Promise<ResponderIdentity> {
  const certificate = readCertificate(input.der, '--responder-cert');
  const name = formatName(certificate.subject);
  const refuse = (why: string) => {
    throw new SigningIdentityError(`--responder-cert "${name}" ${why}`);
  };
  if (!(extendedKeyUsages(certificate) ?? []).includes(OID.kpOcspSigning))
    refuse('lacks extended key usage id-kp-OCSPSigning (RFC 6960 §4.2.2.2)');
  if (!(await isIssuedBy(certificate, input.ca.certificate)))
    refuse(`is not issued by the CA "${input.ca.name}" (RFC 6960 §4.2.2.2)`);
  const notBefore = certificate.notBefore.value;
  const notAfter = certificate.notAfter.value;
  if (notBefore > input.thisUpdate) refuse(`is not valid yet (notBefore ${notBefore.toISOString()})`);
  if (notAfter < input.lastNextUpdate)
    refuse(
      `expires (${notAfter.toISOString()}) before the responses it would sign (nextUpdate ${input.lastNextUpdate.toISOString()})`,
    );
  if (!certificate.extensions?.some((e) => e.extnID === OID.ocspNoCheck))
    input.warn(
      `--responder-cert "${name}" has no id-pkix-ocsp-nocheck: relying parties may try to check its revocation (RFC 6960 §4.2.2.2.1)`,
    );
  await assertSignerMatches(input.signer, spkiDer(certificate), `the responder certificate "${name}"`).catch(
    (error: Error) => {
      throw new SigningIdentityError(error.message);
    },
  );
  return {
    responderId: responderIdByName(subjectDerOf(certificate)),
    signer: input.signer,
    signatureAlgorithm: signatureAlgorithmDer(input.signer.keyType),
    certs: [input.der],
  };
}

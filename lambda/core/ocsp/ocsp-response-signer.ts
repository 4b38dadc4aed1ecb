/**
 * Who signed an OCSP response (RFC 6960 §4.2.2.2): a pinned CA itself, or a delegated responder
 * whose certificate the response carries, issued by that CA with id-kp-OCSPSigning and valid at
 * producedAt. The ResponderID must name the signer (§4.2.2.3) and the signature must verify.
 */
import type * as pkijs from 'pkijs';
import { bytesEqual, digestSync } from '../encoding/bytes.ts';
import { OID } from '../pki/oids.ts';
import { isoTime } from '../policy.ts';
import { RejectedError } from '../rejection.ts';
import { formatName, parseCertificate, type PinnedCa, type TrustStore } from '../pki/trust-store.ts';
import {
  extendedKeyUsages,
  isValidAt,
  nameDer,
  publicKeyBits,
  publicKeyOf,
  verifySignature,
  type PublicKey,
} from '../pki/x509.ts';

/** What the signer check reads of a BasicOCSPResponse (RFC 6960 §4.2.1). */
export interface SignedResponseFields {
  /** tbsResponseData exactly as received: the bytes the signature covers. */
  tbs: Uint8Array;
  /** ResponderID (§4.2.2.3): byName as the Name DER `nameDer` gives, byKey as the SHA-1 key hash. */
  responderId: { byName: Uint8Array } | { byKey: Uint8Array };
  producedAt: Date;
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
  /** The signature BIT STRING's bits. */
  signature: Uint8Array;
  certs: CarriedCertificate[];
}

/**
 * A certificate carried in a response (`certs`, RFC 6960 §4.2.1) and what the rules learn about it.
 * Everything here follows from the certificate's bytes and the TrustStore alone, so a delegated
 * responder's certificate, carried by every response it signs, is parsed, chained to its pinned CA
 * and read into a key once per store (see `carriedCertificate`), not once per response.
 */
export class CarriedCertificate {
  readonly name: string;
  /** Subject Name DER, for ResponderID byName. */
  readonly subjectDer: Uint8Array;
  /** SHA-1 of the subjectPublicKey bits, for ResponderID byKey (§4.2.2.3). */
  readonly keyId: Uint8Array;
  private key?: PublicKey;
  private authorisation?: Promise<{ ca: PinnedCa } | { refusal: string }>;

  constructor(readonly certificate: pkijs.Certificate) {
    this.name = formatName(certificate.subject);
    this.subjectDer = nameDer(certificate.subject);
    this.keyId = digestSync('sha1', publicKeyBits(certificate));
  }

  get publicKey(): PublicKey {
    this.key ??= publicKeyOf(this.certificate);
    return this.key;
  }

  /**
   * The pinned CA that authorised this certificate as its OCSP responder (§4.2.2.2: issued by that
   * CA, id-kp-OCSPSigning), or why it cannot be one. Validity at producedAt and the signature over a
   * response are checked per response by the caller.
   */
  authorisedBy(trust: TrustStore): Promise<{ ca: PinnedCa } | { refusal: string }> {
    this.authorisation ??= this.authorise(trust);
    return this.authorisation;
  }

  private async authorise(trust: TrustStore): Promise<{ ca: PinnedCa } | { refusal: string }> {
    const { certificate, name } = this;
    if (trust.findBySubject(this.subjectDer).length > 0 && !trust.findByDer(delegateDer(certificate))) {
      return {
        refusal: `signed by a rogue CA: a certificate named "${name}" like a pinned CA, but not the pinned one`,
      };
    }
    const ca = await trust.issuerOf(certificate);
    if (!ca) return { refusal: `responder certificate "${name}" is not issued by a pinned CA` };
    if (!(extendedKeyUsages(certificate) ?? []).includes(OID.kpOcspSigning)) {
      return { refusal: `responder certificate "${name}" lacks extended key usage id-kp-OCSPSigning` };
    }
    return { ca };
  }
}

/** Distinct carried certificates remembered per TrustStore; past this the memory starts again. */
const MAX_REMEMBERED_CERTIFICATES = 256;
const rememberedCertificates = new WeakMap<TrustStore, Map<string, CarriedCertificate>>();

/**
 * The CarriedCertificate for these exact DER octets, remembered for this TrustStore (immutable, so
 * what was learnt against it stays true). The key is every octet of the certificate: one that
 * differs anywhere (another key, another issuer's signature, another validity) is parsed and judged
 * afresh. Undefined when the octets are not a certificate pkijs reads.
 */
export function carriedCertificate(der: Uint8Array, trust: TrustStore): CarriedCertificate | undefined {
  let remembered = rememberedCertificates.get(trust);
  if (!remembered) {
    remembered = new Map();
    rememberedCertificates.set(trust, remembered);
  }
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
  let carried = remembered.get(key);
  if (!carried) {
    try {
      carried = new CarriedCertificate(parseCertificate(der));
    } catch {
      return undefined;
    }
    if (remembered.size >= MAX_REMEMBERED_CERTIFICATES) remembered.clear();
    remembered.set(key, carried);
  }
  return carried;
}

/** Does the ResponderID name this certificate, by its subject or its key hash (RFC 6960 §4.2.2.3)? */
function responderIdNames(fields: SignedResponseFields, subjectDer: Uint8Array, keyId: Uint8Array): boolean {
  const responderId = fields.responderId;
  return 'byName' in responderId
    ? bytesEqual(responderId.byName, subjectDer)
    : bytesEqual(responderId.byKey, keyId);
}

function signedBy(fields: SignedResponseFields, key: PublicKey): Promise<boolean> {
  return verifySignature({
    signedBytes: fields.tbs,
    signature: fields.signature,
    algorithm: fields.signatureAlgorithm,
    signer: key,
  });
}

/** Finds who signed the response: a pinned CA itself, or a delegated responder it authorised. */
export async function identifySigner(
  fields: SignedResponseFields,
  trust: TrustStore,
): Promise<{ ca: PinnedCa; delegate?: CarriedCertificate }> {
  for (const ca of trust.cas) {
    // The CA's own name, key hash and key, computed when it was pinned (PinnedCa).
    if (responderIdNames(fields, ca.subjectDer, ca.keyId) && (await signedBy(fields, ca.publicKey)))
      return { ca };
  }
  const producedAt = fields.producedAt;
  const reasons: string[] = [];
  for (const delegate of fields.certs) {
    if (!responderIdNames(fields, delegate.subjectDer, delegate.keyId)) continue;
    const authorisation = await delegate.authorisedBy(trust);
    if ('refusal' in authorisation) {
      reasons.push(authorisation.refusal);
      continue;
    }
    const name = delegate.name;
    if (!isValidAt(delegate.certificate, producedAt)) {
      reasons.push(`responder certificate "${name}" is not valid at producedAt ${isoTime(producedAt)}`);
      continue;
    }
    if (!(await signedBy(fields, delegate.publicKey))) {
      reasons.push(`signature does not verify with responder certificate "${name}"`);
      continue;
    }
    return { ca: authorisation.ca, delegate };
  }
  throw new RejectedError(
    reasons[0] ?? 'OCSP response is not signed by a pinned CA or by a responder certificate it carries',
  );
}

function delegateDer(certificate: pkijs.Certificate): Uint8Array {
  return new Uint8Array(certificate.toSchema().toBER());
}

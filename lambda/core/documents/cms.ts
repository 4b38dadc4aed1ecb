/**
 * CMS SignedData verification (RFC 5652) for detached signatures over a document, with the signer
 * certificate chained to a pinned CA (RFC 5280 §6.1, trust anchors configured, never discovered).
 *
 * pkijs `SignedData.verify` is not used for the signature itself: it only checks that the
 * content-type attribute is present (not that it says id-data, RFC 5652 §11.1), takes the first of
 * several message-digest attributes, and cannot verify an empty document. The checks below are done
 * here with the pkijs WebCrypto engine instead.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseBer } from '../encoding/asn1.ts';
import { bytesEqual, digest, toArrayBuffer } from '../encoding/bytes.ts';
import { HASH_NAME_BY_OID, OID, WEBCRYPTO_HASH, type HashAlgorithmName } from '../pki/oids.ts';
import { isoTime } from '../policy.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import { formatName, type PinnedCa, type TrustStore } from '../pki/trust-store.ts';
import { decodeDer, isIssuedBy, keyIdOf, nameDer, serialHexOf } from '../pki/x509.ts';

/** Most certificates in a path, signer and pinned CA included (room for three intermediates). */
export const MAX_CHAIN_LENGTH = 5;

/**
 * Hashes accepted for the message digest and for the signature. SHA-1 is refused: a chosen-prefix
 * collision lets whoever obtains one signed document present the signature over another.
 */
const ACCEPTED_HASHES: readonly HashAlgorithmName[] = ['sha256', 'sha384', 'sha512'];

/** WebCrypto hash names as the pkijs engine spells them, back to our names. */
const HASH_NAME_BY_WEBCRYPTO: Readonly<Record<string, HashAlgorithmName>> = Object.fromEntries(
  Object.entries(WEBCRYPTO_HASH).map(([name, webCrypto]) => [webCrypto, name as HashAlgorithmName]),
);

export interface VerifiedSignature {
  /** The signer certificate's subject, as the operator reads it. */
  signerSubject: string;
  signerCertDer: Uint8Array;
  /** The pinned CA the signer certificate chains to. */
  signingCa: PinnedCa;
}

export interface VerifyDetachedSignatureOptions {
  /** DER (or BER) ContentInfo holding a SignedData without eContent. */
  signedDataDer: Uint8Array;
  /** The exact bytes the signature must cover. */
  content: Uint8Array;
  trust: TrustStore;
  now: Date;
}

/** Parses a ContentInfo whose contentType is id-signedData (RFC 5652 §3, §5.1). */
export function parseSignedData(der: Uint8Array): pkijs.SignedData {
  const schema = decodeDer(der, 'CMS signature', (asn1) => asn1);
  let contentInfo: pkijs.ContentInfo;
  try {
    contentInfo = new pkijs.ContentInfo({ schema });
  } catch {
    throw new RejectedError('CMS signature: not a CMS ContentInfo (RFC 5652 §3)');
  }
  requireThat(
    contentInfo.contentType === OID.cmsSignedData,
    `CMS signature: content type ${contentInfo.contentType} is not id-signedData (${OID.cmsSignedData})`,
  );
  try {
    return new pkijs.SignedData({ schema: contentInfo.content });
  } catch (error) {
    throw new RejectedError(`CMS signature: malformed SignedData (${(error as Error).message})`);
  }
}

/**
 * Verifies a detached CMS signature over `content` and chains its signer to a pinned CA.
 * Every failure is a RejectedError whose message says which check failed.
 */
export async function verifyDetachedSignature(
  options: VerifyDetachedSignatureOptions,
): Promise<VerifiedSignature> {
  const { content, trust, now } = options;
  const signedData = parseSignedData(options.signedDataDer);
  requireThat(
    !signedData.encapContentInfo.eContent,
    'CMS signature encapsulates its content: a detached signature (no eContent) is required so that it covers the published bytes',
  );
  requireThat(
    signedData.signerInfos.length === 1,
    `CMS signature has ${signedData.signerInfos.length} SignerInfos: exactly one is required`,
  );
  const signerInfo = signedData.signerInfos[0] as pkijs.SignerInfo;
  const certificates = (signedData.certificates ?? []).filter(
    (item): item is pkijs.Certificate => item instanceof pkijs.Certificate,
  );
  const signer = await findSignerCertificate(signerInfo, certificates);
  await verifySignerInfo({
    signerInfo,
    eContentType: signedData.encapContentInfo.eContentType,
    content,
    signer,
  });
  const signingCa = await chainToPinnedCa(signer, certificates, trust, now);
  return {
    signerSubject: formatName(signer.subject),
    signerCertDer: new Uint8Array(signer.toSchema().toBER()),
    signingCa,
  };
}

/** The signer certificate named by the SignerIdentifier (RFC 5652 §5.3), among those the CMS carries. */
async function findSignerCertificate(
  signerInfo: pkijs.SignerInfo,
  certificates: readonly pkijs.Certificate[],
): Promise<pkijs.Certificate> {
  const sid: unknown = signerInfo.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const issuer = nameDer(sid.issuer);
    const serial = serialHexOf(sid.serialNumber);
    const found = certificates.find(
      (c) => bytesEqual(nameDer(c.issuer), issuer) && serialHexOf(c.serialNumber) === serial,
    );
    requireThat(
      found,
      `signer certificate (issuer "${formatName(sid.issuer)}", serial ${serial}) is not among the certificates the CMS signature carries`,
    );
    return found;
  }
  const keyId = subjectKeyIdentifierOf(sid);
  for (const certificate of certificates) {
    const declared = declaredKeyIdentifier(certificate);
    // RFC 5652 §5.3 names the certificate's subjectKeyIdentifier extension; when a certificate has
    // none, RFC 5280 §4.2.1.2 method (1) is how signers derive the identifier.
    const candidate = declared ?? (await keyIdOf(certificate));
    if (bytesEqual(candidate, keyId)) return certificate;
  }
  throw new RejectedError(
    `signer certificate (subjectKeyIdentifier ${Buffer.from(keyId).toString('hex')}) is not among the certificates the CMS signature carries`,
  );
}

/** Key identifier of a `[0] SubjectKeyIdentifier` SignerIdentifier, primitive or (BER) constructed. */
function subjectKeyIdentifierOf(sid: unknown): Uint8Array {
  const block = sid as asn1js.BaseBlock & {
    valueBlock: { value?: asn1js.BaseBlock[]; valueHexView?: Uint8Array };
  };
  requireThat(
    block?.idBlock?.tagClass === 3 && block.idBlock.tagNumber === 0,
    'SignerInfo sid is neither issuerAndSerialNumber nor subjectKeyIdentifier',
  );
  if (block.idBlock.isConstructed) {
    const inner = block.valueBlock.value?.[0];
    requireThat(
      inner instanceof asn1js.OctetString,
      'SignerInfo subjectKeyIdentifier is not an OCTET STRING',
    );
    return new Uint8Array(inner.valueBlock.valueHexView);
  }
  return new Uint8Array(block.valueBlock.valueHexView ?? []);
}

/** Value of the subjectKeyIdentifier extension, if the certificate has one. */
function declaredKeyIdentifier(certificate: pkijs.Certificate): Uint8Array | undefined {
  const extension = certificate.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  if (!extension) return undefined;
  const asn1 = parseBer(new Uint8Array(extension.extnValue.valueBlock.valueHexView));
  if (!asn1.ok || !(asn1.result instanceof asn1js.OctetString)) return undefined;
  return new Uint8Array(asn1.result.valueBlock.valueHexView);
}

function acceptedHash(oid: string, what: string): HashAlgorithmName {
  const name = HASH_NAME_BY_OID[oid];
  requireThat(name, `${what} ${oid} is not SHA-256, SHA-384 or SHA-512`);
  requireThat(
    ACCEPTED_HASHES.includes(name),
    `${what} is ${WEBCRYPTO_HASH[name]}: only SHA-256, SHA-384 or SHA-512 are accepted`,
  );
  return name;
}

/** The only value of the only attribute of this type, or a rejection (RFC 5652 §11.1, §11.2). */
function singleAttributeValue(attributes: readonly pkijs.Attribute[], type: string, name: string): unknown {
  const matching = attributes.filter((a) => a.type === type);
  requireThat(matching.length > 0, `signed attributes lack the mandatory ${name} attribute (RFC 5652 §5.3)`);
  requireThat(
    matching.length === 1,
    `signed attributes hold ${matching.length} ${name} attributes: exactly one is allowed`,
  );
  const values = (matching[0] as pkijs.Attribute).values;
  requireThat(
    values.length === 1,
    `the ${name} attribute has ${values.length} values: exactly one is required`,
  );
  return values[0];
}

/**
 * Checks the SignerInfo's signature: over the DER SET OF signed attributes after checking them
 * against the content (RFC 5652 §5.4, §11), or over the content itself when there are none.
 */
async function verifySignerInfo(options: {
  signerInfo: pkijs.SignerInfo;
  eContentType: string;
  content: Uint8Array;
  signer: pkijs.Certificate;
}): Promise<void> {
  const { signerInfo, eContentType, content, signer } = options;
  requireThat(
    eContentType === OID.cmsData,
    `CMS signature eContentType ${eContentType} is not id-data: it does not sign a plain document`,
  );
  const digestAlgorithm = acceptedHash(signerInfo.digestAlgorithm.algorithmId, 'SignerInfo digest algorithm');
  let signedBytes = content;
  if (signerInfo.signedAttrs) {
    const attributes = signerInfo.signedAttrs.attributes;
    const contentType = singleAttributeValue(attributes, OID.cmsContentType, 'content-type');
    requireThat(
      contentType instanceof asn1js.ObjectIdentifier && contentType.valueBlock.toString() === eContentType,
      'the content-type signed attribute does not say id-data, the eContentType of the signature',
    );
    const messageDigest = singleAttributeValue(attributes, OID.cmsMessageDigest, 'message-digest');
    requireThat(
      messageDigest instanceof asn1js.OctetString,
      'the message-digest signed attribute is not an OCTET STRING',
    );
    const actual = await digest(digestAlgorithm, content);
    requireThat(
      bytesEqual(new Uint8Array(messageDigest.valueBlock.valueHexView), actual),
      `signature does not verify over the document bytes: the message-digest attribute is not the ${WEBCRYPTO_HASH[digestAlgorithm]} digest of the document`,
    );
    // pkijs keeps the attributes as received with the [0] IMPLICIT tag turned back into SET OF,
    // which is exactly the input of the signature (RFC 5652 §5.4).
    signedBytes = new Uint8Array(signerInfo.signedAttrs.encodedValue);
  }
  const verified = await verifyWithSignerKey(signedBytes, signerInfo, digestAlgorithm, signer);
  requireThat(
    verified,
    signerInfo.signedAttrs
      ? 'signature does not verify over the document bytes: the signature over the signed attributes is invalid for the signer certificate key'
      : 'signature does not verify over the document bytes',
  );
}

/** RSA PKCS#1 v1.5, RSA-PSS or ECDSA verification with the signer certificate's public key. */
async function verifyWithSignerKey(
  signedBytes: Uint8Array,
  signerInfo: pkijs.SignerInfo,
  digestAlgorithm: HashAlgorithmName,
  signer: pkijs.Certificate,
): Promise<boolean> {
  const crypto = pkijs.getCrypto(true);
  const algorithm = signerInfo.signatureAlgorithm;
  const family = keyFamily(algorithm.algorithmId);
  requireThat(
    family,
    `signature algorithm ${algorithm.algorithmId} is not RSA PKCS#1 v1.5, RSA-PSS or ECDSA`,
  );
  // The engine would pick the verifier from the key alone; an identifier that names another
  // algorithm than the key's is a malformed SignerInfo, not a signature to accept.
  requireThat(
    family === keyFamily(signer.subjectPublicKeyInfo.algorithm.algorithmId),
    `signature algorithm ${algorithm.algorithmId} does not fit the signer certificate's key type`,
  );
  // rsaEncryption and id-ecPublicKey name only the key type; the hash is the SignerInfo's digest
  // algorithm (RFC 3370 §3.2, RFC 5753 §2.1.1). Other identifiers carry their own hash.
  const keyOnly = algorithm.algorithmId === OID.rsaEncryption || algorithm.algorithmId === OID.ecPublicKey;
  const hash = keyOnly ? digestAlgorithm : HASH_NAME_BY_WEBCRYPTO[crypto.getHashAlgorithm(algorithm)];
  requireThat(
    hash,
    `signature algorithm ${algorithm.algorithmId} is not RSA PKCS#1 v1.5, RSA-PSS or ECDSA with SHA-2`,
  );
  requireThat(
    ACCEPTED_HASHES.includes(hash),
    `signature algorithm uses ${WEBCRYPTO_HASH[hash]}: only SHA-256, SHA-384 or SHA-512 are accepted`,
  );
  try {
    return await crypto.verifyWithPublicKey(
      toArrayBuffer(signedBytes),
      signerInfo.signature,
      signer.subjectPublicKeyInfo,
      algorithm,
      keyOnly ? WEBCRYPTO_HASH[hash] : undefined,
    );
  } catch {
    // A key and algorithm that do not fit, or a malformed signature value, is a signature that
    // does not verify.
    return false;
  }
}

/** 'rsa' or 'ec' for a signature or public key algorithm identifier, as the pkijs engine knows it. */
function keyFamily(oid: string): 'rsa' | 'ec' | undefined {
  const known = pkijs.getCrypto(true).getAlgorithmByOID(oid);
  const name = 'name' in known ? String(known.name) : '';
  if (name.startsWith('RSA')) return 'rsa';
  if (name === 'ECDSA') return 'ec';
  return undefined;
}

/** Why the certificate is not usable at `now`, or undefined when it is (RFC 5280 §6.1.3 (a)(2)). */
function validityProblem(certificate: pkijs.Certificate, what: string, now: Date): string | undefined {
  const notBefore = certificate.notBefore.value;
  const notAfter = certificate.notAfter.value;
  if (now < notBefore) return `${what} is not valid before ${isoTime(notBefore)}`;
  if (now > notAfter) return `${what} expired on ${isoTime(notAfter)}`;
  return undefined;
}

/** keyUsage bits (RFC 5280 §4.2.1.3), or undefined when the extension is absent. */
function keyUsageBits(certificate: pkijs.Certificate): { has(bit: number): boolean } | undefined {
  const extension = certificate.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!extension) return undefined;
  const asn1 = parseBer(new Uint8Array(extension.extnValue.valueBlock.valueHexView));
  const bits =
    asn1.ok && asn1.result instanceof asn1js.BitString
      ? new Uint8Array(asn1.result.valueBlock.valueHexView)
      : new Uint8Array();
  return { has: (bit) => (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1 };
}

const KEY_USAGE_DIGITAL_SIGNATURE = 0;
const KEY_USAGE_NON_REPUDIATION = 1;
const KEY_USAGE_KEY_CERT_SIGN = 5;

/** basicConstraints cA (RFC 5280 §4.2.1.9): whether the certificate is a CA certificate. */
export function isCa(certificate: pkijs.Certificate): boolean {
  const extension = certificate.extensions?.find((e) => e.extnID === OID.basicConstraints);
  const parsed = extension?.parsedValue as pkijs.BasicConstraints | undefined;
  return parsed instanceof pkijs.BasicConstraints && parsed.cA === true;
}

/** Why a carried certificate cannot be an intermediate CA (RFC 5280 §6.1.4 (k), (n)), or undefined. */
function intermediateProblem(certificate: pkijs.Certificate, now: Date): string | undefined {
  const what = `intermediate CA certificate "${formatName(certificate.subject)}"`;
  if (!isCa(certificate)) return `${what} is not a CA (basicConstraints cA is not set)`;
  const usage = keyUsageBits(certificate);
  if (usage && !usage.has(KEY_USAGE_KEY_CERT_SIGN)) return `${what} keyUsage lacks keyCertSign`;
  return validityProblem(certificate, what, now);
}

/**
 * Builds signer → carried intermediates → pinned CA, trying every candidate issuer so that a
 * same-named certificate with another key cannot hide the real one.
 */
async function chainToPinnedCa(
  signer: pkijs.Certificate,
  carried: readonly pkijs.Certificate[],
  trust: TrustStore,
  now: Date,
): Promise<PinnedCa> {
  const signerProblem = validityProblem(signer, 'signer certificate', now);
  if (signerProblem) throw new RejectedError(signerProblem);
  const usage = keyUsageBits(signer);
  requireThat(
    !usage || usage.has(KEY_USAGE_DIGITAL_SIGNATURE) || usage.has(KEY_USAGE_NON_REPUDIATION),
    'signer certificate keyUsage allows neither digitalSignature nor nonRepudiation',
  );
  const reasons: string[] = [];
  const ca = await extendPath([signer], carried, trust, now, reasons);
  if (ca) return ca;
  const issuer = formatName(signer.issuer);
  throw new RejectedError(
    `signer certificate is not issued by a pinned CA: ${
      reasons.length > 0
        ? [...new Set(reasons)].join('; ')
        : `its issuer "${issuer}" is neither a pinned CA nor an intermediate CA carried in the signature`
    }`,
  );
}

async function extendPath(
  path: readonly pkijs.Certificate[],
  carried: readonly pkijs.Certificate[],
  trust: TrustStore,
  now: Date,
  reasons: string[],
): Promise<PinnedCa | undefined> {
  const tip = path[path.length - 1] as pkijs.Certificate;
  const issuerDer = nameDer(tip.issuer);

  for (const ca of trust.findBySubject(issuerDer)) {
    if (!(await isIssuedBy(tip, ca))) {
      // The usual sign of a rogue CA: the pinned CA's name, another key.
      const who = path.length === 1 ? 'its' : `intermediate CA certificate "${formatName(tip.subject)}"'s`;
      reasons.push(
        `${who} issuer is named like pinned CA "${ca.subject}" but the certificate signature does not verify with that CA's key`,
      );
      continue;
    }
    // The pinned CA is the trust anchor; a CA past its validity must not vouch for new documents.
    const problem = validityProblem(ca.certificate, `pinned CA "${ca.subject}"`, now);
    if (problem) {
      reasons.push(problem);
      continue;
    }
    return ca;
  }

  // One more intermediate still needs room for the pinned CA above it.
  if (path.length + 2 > MAX_CHAIN_LENGTH) {
    reasons.push(`no pinned CA within ${MAX_CHAIN_LENGTH} certificates of the signer`);
    return undefined;
  }
  for (const candidate of carried) {
    if (path.includes(candidate) || !bytesEqual(nameDer(candidate.subject), issuerDer)) continue;
    if (!(await isIssuedBy(tip, candidate))) continue;
    const problem = intermediateProblem(candidate, now);
    if (problem) {
      reasons.push(problem);
      continue;
    }
    const ca = await extendPath([...path, candidate], carried, trust, now, reasons);
    if (ca) return ca;
  }
  return undefined;
}

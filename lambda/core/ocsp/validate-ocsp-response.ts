/**
 * OCSP response rule (RFC 6960 §4.2, RFC 9919): a successful BasicOCSPResponse signed by a pinned
 * CA or by its delegated responder (ocsp-response-signer.ts); every SingleResponse names a pinned
 * CA for its own hash algorithm, has a nextUpdate in the future and a validity interval within
 * policy (CA/B Forum BR §4.9.10), and never goes back in time against the response already served
 * for the same CertID. The response is read by ocsp-response-fields.ts.
 */
import { toHex } from '../encoding/bytes.ts';
import { certIdHashOfOid, certStatusOfTag, type CertStatus } from './cert-id.ts';
import { ocspObjectKey, type CertIdKey } from './ocsp-object-key.ts';
import {
  readOcspResponse,
  readOcspResponseUnpinned,
  responseNonce,
  type BasicOcspFields,
  type SingleFields,
} from './ocsp-response-fields.ts';
import {
  identifySigner,
  type CarriedCertificate,
  type SignedResponseFields,
} from './ocsp-response-signer.ts';
import { isoTime, type ValidationPolicy } from '../policy.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import type { HashAlgorithmName } from '../pki/hash-algorithms.ts';
import type { PinnedCa, TrustStore } from '../pki/trust-store.ts';

export interface SingleResponseFacts {
  certId: CertIdKey;
  /** Object key in the OCSP store. */
  key: string;
  status: CertStatus;
  revokedAt?: Date;
  thisUpdate: Date;
  nextUpdate: Date;
}

export interface OcspResponseFacts {
  kind: 'ocsp-response';
  issuer: PinnedCa;
  producedAt: Date;
  /** 'ca' when the CA signed it, else the delegated responder's subject. */
  signer: 'ca' | string;
  responses: SingleResponseFacts[];
  /** The nonce extension's value when the response carries one (RFC 6960 §4.4.1). */
  nonce?: Uint8Array;
  /** The ResponderID as received (RFC 6960 §4.2.2.3), for the OCSP lints (ocsp/lints). */
  responderId: SignedResponseFields['responderId'];
  /** The delegated responder's certificate when one signed (RFC 6960 §4.2.2.2), for the OCSP lints. */
  delegate?: CarriedCertificate;
}

/** What is already served for one CertID, read from the store's metadata. */
export interface PreviousOcspEntry {
  thisUpdate: Date;
}

export interface ValidateOcspResponseInput {
  der: Uint8Array;
  trust: TrustStore;
  now: Date;
  policy: ValidationPolicy;
  /** What is served now under an OCSP store key (a port: the service reads it from the store). */
  lookupPrevious?: (key: string) => Promise<PreviousOcspEntry | undefined>;
}

/** Status of a SingleResponse: good [0], revoked [1], unknown [2] (RFC 6960 §4.2.1). */
function readCertStatus(single: SingleFields): { status: CertStatus; revokedAt?: Date } {
  const status = certStatusOfTag(single.statusTag);
  if (!status) throw new RejectedError('SingleResponse has an unrecognised certStatus');
  return status === 'revoked' ? { status, revokedAt: single.revokedAt } : { status };
}

function readCertId(single: SingleFields): CertIdKey & { hashAlgorithm: HashAlgorithmName } {
  const hashAlgorithm = certIdHashOfOid(single.hashAlgorithmId);
  requireThat(
    hashAlgorithm,
    `CertID hash algorithm ${single.hashAlgorithmId} is not SHA-1, SHA-256, SHA-384 or SHA-512`,
  );
  return {
    hashAlgorithm,
    issuerNameHashHex: toHex(single.issuerNameHash),
    issuerKeyHashHex: toHex(single.issuerKeyHash),
    serialHex: single.serialHex,
  };
}

export async function validateOcspResponse(input: ValidateOcspResponseInput): Promise<OcspResponseFacts> {
  const { der, trust, now, policy, lookupPrevious } = input;
  const fields = readOcspResponse(der, trust);
  const { ca: signingCa, delegate } = await identifySigner(fields, trust);
  const producedAt = checkProducedAt(fields, now, policy);

  const responses: SingleResponseFacts[] = [];
  const seenKeys = new Set<string>();
  for (const single of fields.responses) {
    const certId = readCertId(single);
    const serial = certId.serialHex;
    const named = trust.findByCertId(certId.hashAlgorithm, certId.issuerNameHashHex, certId.issuerKeyHashHex);
    requireThat(named, `serial ${serial}: CertID issuer hashes (${certId.hashAlgorithm}) match no pinned CA`);
    // A delegated responder may only answer for the CA that authorised it (RFC 6960 §4.2.2.2).
    requireThat(
      named === signingCa,
      `serial ${serial}: CertID names "${named.subject}" but the response is signed for "${signingCa.subject}"`,
    );
    const { status, revokedAt } = readCertStatus(single);
    const { thisUpdate, nextUpdate } = checkValidityWindow(serial, single, now, policy);
    const key = ocspObjectKey(certId);
    requireThat(!seenKeys.has(key), `serial ${serial}: the same CertID appears twice`);
    seenKeys.add(key);
    const before = await lookupPrevious?.(key);
    requireThat(
      !before || thisUpdate >= before.thisUpdate,
      `serial ${serial}: thisUpdate ${isoTime(thisUpdate)} is older than the response already published (${isoTime(
        before?.thisUpdate ?? thisUpdate,
      )})`,
    );
    responses.push({ certId, key, status, revokedAt, thisUpdate, nextUpdate });
  }

  const nonce = responseNonce(fields);
  return {
    kind: 'ocsp-response',
    issuer: signingCa,
    producedAt,
    signer: delegate ? delegate.name : 'ca',
    responses,
    ...(nonce ? { nonce } : {}),
    responderId: fields.responderId,
    ...(delegate ? { delegate } : {}),
  };
}

function checkProducedAt(
  fields: Pick<BasicOcspFields, 'producedAt' | 'responses'>,
  now: Date,
  policy: ValidationPolicy,
): Date {
  const producedAt = fields.producedAt;
  requireThat(
    producedAt.getTime() <= now.getTime() + policy.clockSkewSeconds * 1000,
    `OCSP producedAt ${isoTime(producedAt)} is in the future`,
  );
  requireThat(fields.responses.length > 0, 'OCSP response holds no SingleResponse');
  return producedAt;
}

/**
 * A SingleResponse's validity window: thisUpdate not in the future, a nextUpdate (pre-produced
 * responses must expire) still ahead, and an interval within policy (CA/B Forum BR §4.9.10).
 */
function checkValidityWindow(
  serial: string,
  single: SingleFields,
  now: Date,
  policy: ValidationPolicy,
): { thisUpdate: Date; nextUpdate: Date } {
  const thisUpdate = single.thisUpdate;
  requireThat(
    thisUpdate.getTime() <= now.getTime() + policy.clockSkewSeconds * 1000,
    `serial ${serial}: thisUpdate ${isoTime(thisUpdate)} is in the future`,
  );
  requireThat(single.nextUpdate, `serial ${serial}: no nextUpdate (pre-produced responses must expire)`);
  const nextUpdate = single.nextUpdate;
  requireThat(nextUpdate > now, `serial ${serial}: expired, nextUpdate ${isoTime(nextUpdate)} has passed`);
  const validitySeconds = (nextUpdate.getTime() - thisUpdate.getTime()) / 1000;
  requireThat(validitySeconds > 0, `serial ${serial}: nextUpdate is not after thisUpdate`);
  requireThat(
    validitySeconds <= policy.maxOcspValiditySeconds,
    `serial ${serial}: validity ${(validitySeconds / 86400).toFixed(2)} days exceeds the ${(
      policy.maxOcspValiditySeconds / 86400
    ).toFixed(2)}-day limit`,
  );
  return { thisUpdate, nextUpdate };
}

/**
 * A pre-generated response is served to every client, so a nonce in it (RFC 6960 §4.4.1; `openssl
 * ocsp -respout` copies the request's unless told `-no_nonce`) echoes one old request: OpenSSL's
 * default client, which sends its own nonce, then refuses it ("Nonce Verify error").
 */
export function refuseNonce(nonce: Uint8Array | undefined): void {
  requireThat(
    nonce === undefined,
    'carries a nonce (id-pkix-ocsp-nonce, RFC 6960 §4.4.1), which a pre-generated response can only echo from the one request it was made for: `openssl ocsp` clients that send their own nonce (the default) refuse it with "Nonce Verify error"; make it again with `openssl ocsp ... -no_nonce`',
  );
}

/**
 * The checks of an OCSP response that need no pinned CA (the uploader's pre-flight without
 * `--trust`): it parses, carries no nonce, and every SingleResponse's validity window holds. The
 * signature and CertIDs are left to the gate (or to the pre-flight with `--trust`).
 */
export function precheckOcspResponse(der: Uint8Array, now: Date, policy: ValidationPolicy): void {
  const fields = readOcspResponseUnpinned(der);
  checkProducedAt(fields, now, policy);
  for (const single of fields.responses) checkValidityWindow(single.serialHex, single, now, policy);
  refuseNonce(responseNonce(fields));
}

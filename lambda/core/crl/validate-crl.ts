/**
 * CRL rule (RFC 5280 §5): signed by a pinned CA, carries a cRLNumber (§5.2.3) that strictly
 * increases at its URL (a relying party must never be handed an older list), thisUpdate not in the
 * future, nextUpdate present and in the future (§5.1.2.5; CA/B Forum BR §4.9.7).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseBer } from '../encoding/asn1.ts';
import { bytesEqual } from '../encoding/bytes.ts';
import { OID } from '../pki/oids.ts';
import { crlEntries, type CrlEntry } from './crl-reason.ts';
import { issuingDistributionPointOf, type IssuingDistributionPoint } from './issuing-distribution-point.ts';
import { isoTime, type ValidationPolicy } from '../policy.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import { formatName, type PinnedCa, type TrustStore } from '../pki/trust-store.ts';
import { decodeDer, nameDer, sameAlgorithm, verifySignature } from '../pki/x509.ts';

export interface CrlFacts {
  kind: 'crl';
  issuer: PinnedCa;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  revokedCount: number;
  isDelta: boolean;
  /** True when the same bytes are already published at this path (idempotent re-publish). */
  unchanged: boolean;
  /** The revoked certificates it lists, by serial. */
  entries: Map<string, CrlEntry>;
  /** The CRL it replaces at this path (when not the same bytes): what revocation finality compares with. */
  replaces?: { entries: Map<string, CrlEntry>; thisUpdate: Date };
  /** Its Issuing Distribution Point (a partition), when it carries one (RFC 5280 §5.2.5). */
  idp?: IssuingDistributionPoint;
  /** The IDP of the CRL served at this path (null: a full CRL); absent when nothing is served. */
  previousIdp?: IssuingDistributionPoint | null;
  /** The decoded CRL, for the lints (crl/lints). */
  parsed: pkijs.CertificateRevocationList;
}

export interface ValidateCrlInput {
  der: Uint8Array;
  trust: TrustStore;
  now: Date;
  policy: ValidationPolicy;
  /** The CRL currently published at the same path, if any. */
  previousDer?: Uint8Array;
}

export function parseCrl(der: Uint8Array): pkijs.CertificateRevocationList {
  return decodeDer(der, 'CRL', (schema) => new pkijs.CertificateRevocationList({ schema }));
}

/** The cRLNumber extension value (RFC 5280 §5.2.3), or undefined when absent. */
export function crlNumberOf(crl: pkijs.CertificateRevocationList): bigint | undefined {
  const extension = crl.crlExtensions?.extensions.find((e) => e.extnID === OID.crlNumber);
  if (!extension) return undefined;
  const parsed = parseBer(new Uint8Array(extension.extnValue.valueBlock.valueHexView));
  if (!parsed.ok || !(parsed.result instanceof asn1js.Integer)) {
    throw new RejectedError('CRL number extension is not an INTEGER');
  }
  return parsed.result.toBigInt();
}

async function findSigningCa(crl: pkijs.CertificateRevocationList, trust: TrustStore): Promise<PinnedCa> {
  const candidates = trust.findBySubject(nameDer(crl.issuer));
  if (candidates.length === 0) {
    throw new RejectedError(`CRL issuer "${formatName(crl.issuer)}" is not a pinned CA`);
  }
  for (const ca of candidates) {
    const verified = await verifySignature({
      signedBytes: crl.tbsView,
      signature: crl.signatureValue.valueBlock.valueHexView,
      algorithm: crl.signatureAlgorithm,
      signer: ca.publicKey,
    });
    if (verified) return ca;
  }
  throw new RejectedError(`CRL signature does not verify with the pinned CA "${formatName(crl.issuer)}"`);
}

/**
 * What a CRL must carry whoever signed it: a cRLNumber (§5.2.3), thisUpdate not in the future,
 * nextUpdate present (§5.1.2.5), after thisUpdate and still ahead.
 */
function checkCrlWindow(
  crl: pkijs.CertificateRevocationList,
  now: Date,
  policy: ValidationPolicy,
): { crlNumber: bigint; thisUpdate: Date; nextUpdate: Date } {
  const crlNumber = crlNumberOf(crl);
  requireThat(crlNumber !== undefined, 'CRL has no CRL number extension (RFC 5280 §5.2.3 requires one)');
  const thisUpdate = crl.thisUpdate.value;
  const skewMs = policy.clockSkewSeconds * 1000;
  requireThat(
    thisUpdate.getTime() <= now.getTime() + skewMs,
    `CRL thisUpdate ${isoTime(thisUpdate)} is in the future (now ${isoTime(now)})`,
  );
  requireThat(crl.nextUpdate, 'CRL has no nextUpdate (RFC 5280 §5.1.2.5: conforming CAs include it)');
  const nextUpdate = crl.nextUpdate.value;
  requireThat(nextUpdate > thisUpdate, 'CRL nextUpdate is not after thisUpdate');
  requireThat(nextUpdate > now, `CRL expired: nextUpdate ${isoTime(nextUpdate)} has passed`);
  return { crlNumber, thisUpdate, nextUpdate };
}

/** The checks of a CRL that need no pinned CA (the uploader's pre-flight without `--trust`). */
export function precheckCrl(der: Uint8Array, now: Date, policy: ValidationPolicy): void {
  const crl = parseCrl(der);
  requireThat(
    sameAlgorithm(crl.signature, crl.signatureAlgorithm),
    'CRL signatureAlgorithm differs from the signature field inside tbsCertList (RFC 5280 §5.1.1.2)',
  );
  checkCrlWindow(crl, now, policy);
}

export async function validateCrl(input: ValidateCrlInput): Promise<CrlFacts> {
  const { der, trust, now, policy, previousDer } = input;
  const crl = parseCrl(der);
  requireThat(
    sameAlgorithm(crl.signature, crl.signatureAlgorithm),
    'CRL signatureAlgorithm differs from the signature field inside tbsCertList (RFC 5280 §5.1.1.2)',
  );
  const issuer = await findSigningCa(crl, trust);
  const { crlNumber, thisUpdate, nextUpdate } = checkCrlWindow(crl, now, policy);

  const idp = issuingDistributionPointOf(crl);
  let unchanged = false;
  let replaces: CrlFacts['replaces'];
  let previousIdp: IssuingDistributionPoint | null | undefined;
  if (previousDer) {
    if (bytesEqual(previousDer, der)) {
      unchanged = true;
      previousIdp = idp ?? null;
    } else {
      const previous = parseCrl(previousDer);
      previousIdp = issuingDistributionPointOf(previous) ?? null;
      requireThat(
        bytesEqual(nameDer(previous.issuer), nameDer(crl.issuer)),
        `this path already serves a CRL of "${formatName(previous.issuer)}", not "${formatName(crl.issuer)}"`,
      );
      const previousNumber = crlNumberOf(previous) ?? -1n;
      requireThat(
        crlNumber > previousNumber,
        `CRL number ${crlNumber} is not greater than ${previousNumber}, already published at this path`,
      );
      replaces = { entries: crlEntries(previous), thisUpdate: previous.thisUpdate.value };
    }
  }

  return {
    kind: 'crl',
    issuer,
    crlNumber,
    thisUpdate,
    nextUpdate,
    revokedCount: crl.revokedCertificates?.length ?? 0,
    isDelta: crl.crlExtensions?.extensions.some((e) => e.extnID === OID.deltaCrlIndicator) ?? false,
    unchanged,
    entries: crlEntries(crl),
    ...(replaces ? { replaces } : {}),
    ...(idp ? { idp } : {}),
    ...(previousIdp !== undefined ? { previousIdp } : {}),
    parsed: crl,
  };
}

/**
 * Evidence certificates: an expired end-entity certificate a bundle carries beside a CRL of its
 * issuer, to show that a revoked entry the CRL drops belonged to a certificate that had expired
 * (revocation-finality.ts; RFC 5280 §3.3, BR §4.10.1). It is checked (issued by a pinned CA,
 * expired), recorded in the receipt and in the CA's revocation history, and never served: the
 * repository publishes CA material, not its subscribers' certificates.
 */
import * as pkijs from 'pkijs';
import { bytesEqual, digest, toHex } from '../../encoding/bytes.ts';
import { isCa } from '../../pki/ca-constraints.ts';
import { parseCrl } from '../../crl/validate-crl.ts';
import { RejectedError } from '../../rejection.ts';
import { decodeDer, isIssuedBy, nameDer, serialHexOf } from '../../pki/x509.ts';
import { formatName, type PinnedCa } from '../../pki/trust-store.ts';
import { isoTime } from '../../policy.ts';
import type { ExpiryEvidence } from '../revocation-finality.ts';
import { emptyAssessment, type ArtifactKindModule, type CandidateFile } from './artifact-kind-module.ts';

function certificateOf(file: CandidateFile): pkijs.Certificate | undefined {
  if (file.content.type !== 'certificate') return undefined;
  try {
    return decodeDer(file.content.der, 'certificate', (schema) => new pkijs.Certificate({ schema }));
  } catch {
    return undefined;
  }
}

/** The evidence a part's certificates give for a CRL of `issuer`, by serial. */
export async function expiryEvidenceIn(
  part: ReadonlyMap<string, CandidateFile>,
  issuer: PinnedCa,
): Promise<Map<string, ExpiryEvidence>> {
  const evidence = new Map<string, ExpiryEvidence>();
  for (const file of part.values()) {
    const certificate = certificateOf(file);
    if (!certificate || isCa(certificate) || !(await isIssuedBy(certificate, issuer))) continue;
    evidence.set(serialHexOf(certificate.serialNumber), {
      notAfter: certificate.notAfter.value,
      sha256: toHex(await digest('sha256', file.bytes)),
    });
  }
  return evidence;
}

/** The first CRL of the part issued under `issuer`'s name: what the evidence is for. */
function crlOfIssuer(part: ReadonlyMap<string, CandidateFile>, issuer: PinnedCa): CandidateFile | undefined {
  return [...part.values()].find((file) => {
    if (file.content.type !== 'crl') return false;
    try {
      return bytesEqual(nameDer(parseCrl(file.content.der).issuer), issuer.subjectDer);
    } catch {
      return false;
    }
  });
}

export const evidenceCertificateKind: ArtifactKindModule = {
  // An end-entity certificate can never be a pinned CA certificate: the only use it may have here.
  claims: (file) => {
    const certificate = certificateOf(file);
    return certificate !== undefined && !isCa(certificate);
  },

  async assess(file, context) {
    const certificate = certificateOf(file)!;
    const subject = formatName(certificate.subject);
    const refuse = (why: string) =>
      new RejectedError(
        `certificate "${subject}" is not a pinned CA certificate; an end-entity certificate is accepted only as evidence for a CRL that drops its expired entry, and ${why}`,
      );
    const issuer = await context.trust.issuerOf(certificate);
    if (!issuer) throw refuse('no pinned CA issued it');
    const notAfter = certificate.notAfter.value;
    if (notAfter >= context.now) throw refuse(`it has not expired (notAfter ${isoTime(notAfter)})`);
    const crl = crlOfIssuer(context.part, issuer);
    if (!crl) throw refuse(`this bundle part holds no CRL of "${issuer.subject}"`);
    const assessment = emptyAssessment();
    assessment.accepted.push({ file: file.path, kind: 'evidence-certificate', url: `/${crl.path}` });
    return assessment;
  },
};

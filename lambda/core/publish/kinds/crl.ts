/**
 * CRLs: verified against the pinned issuer and compared with the CRL served at the same path, so a
 * lower CRL number never replaces a higher one (crl/validate-crl.ts), and a revoked entry never
 * leaves it before its certificate expired (revocation-finality.ts; RFC 5280 §3.3, BR §4.10.1).
 * The write is conditional on the object compared with: of two publishes racing on one path, the
 * higher number wins. What it revokes is remembered in the CA's revocation history.
 * A partition (Issuing Distribution Point) is accepted only at the URL its IDP names
 * (crl/crl-partition.ts); every CRL is linted with its CA's profile (crl/lints), errors refuse.
 */
import { digest, toHex } from '../../encoding/bytes.ts';
import type { CrlFacts } from '../../crl/validate-crl.ts';
import { precheckCrl, validateCrl } from '../../crl/validate-crl.ts';
import { META } from '../../serving/cache-policy.ts';
import { placeCrl } from '../../crl/crl-partition.ts';
import { CRL_LINTS } from '../../crl/lints/crl-lints.ts';
import { formatFinding, runLints } from '../../crl/lints/lint.ts';
import { assertCrlStillAccepted } from '../../crl/retired-ca.ts';
import { RejectedError } from '../../rejection.ts';
import { policyOf } from '../ca-policy.ts';
import type { RevocationRecord, RevocationUpdate } from '../revocation-history.ts';
import { droppedCrlEntries } from '../revocation-finality.ts';
import { assertServesKind } from '../served-object.ts';
import { planWrite } from '../write-plan.ts';
import {
  contentOf,
  emptyAssessment,
  type ArtifactKindModule,
  type CandidateFile,
} from './artifact-kind-module.ts';
import { expiryEvidenceIn } from './evidence-certificate.ts';

/** What the CA's history learns from a CRL: its entries, the holds released, the entries gone after expiry. */
async function revocationUpdate(
  facts: CrlFacts,
  url: string,
  part: ReadonlyMap<string, CandidateFile>,
): Promise<RevocationUpdate> {
  const source = `crl:${url}`;
  const revoked: Record<string, RevocationRecord> = {};
  for (const entry of facts.entries.values()) {
    revoked[entry.serialHex] = {
      revokedAt: entry.revokedAt.toISOString(),
      ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      source,
    };
  }
  let released: string[] = [];
  if (facts.replaces) {
    const dropped = droppedCrlEntries({
      previous: facts.replaces.entries,
      previousThisUpdate: facts.replaces.thisUpdate,
      next: facts.entries,
      evidence: await expiryEvidenceIn(part, facts.issuer),
    });
    released = dropped.released;
    for (const { entry, evidence } of dropped.expired) {
      revoked[entry.serialHex] = {
        revokedAt: entry.revokedAt.toISOString(),
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
        source,
        droppedAfterExpiry: { certificateSha256: evidence.sha256, notAfter: evidence.notAfter.toISOString() },
      };
    }
  }
  return { ca: facts.issuer.fingerprints.sha256, issuer: facts.issuer.subject, revoked, released };
}

export const crlKind: ArtifactKindModule = {
  claims: (file) => file.content.type === 'crl',

  precheck(file, context) {
    precheckCrl(contentOf(file, 'crl').der, context.now, context.policy);
  },

  async assess(file, context) {
    const { der } = contentOf(file, 'crl');
    const served = await context.served.get(file.path);
    if (served) assertServesKind(served, 'crl');
    const facts = await validateCrl({
      der,
      trust: context.trust,
      now: context.now,
      policy: context.policy,
      previousDer: served?.body,
    });
    const url = `/${file.path}`;
    const policy = policyOf(context.caPolicies, facts.issuer.fingerprints.sha256);
    assertCrlStillAccepted(policy, facts.issuer.subject, context.now);
    const placement = placeCrl({
      idp: facts.idp,
      path: file.path,
      publicBaseUrls: context.publicBaseUrls,
      ...(facts.previousIdp !== undefined ? { previousIdp: facts.previousIdp } : {}),
    });
    const findings = runLints(CRL_LINTS, { crl: facts.parsed, der, issuer: facts.issuer, policy }, policy);
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      throw new RejectedError(
        `refused by the ${policy.profile} lint profile: ${errors.map(formatFinding).join('; ')}`,
      );
    }
    const warnings = findings.map(formatFinding);
    const crlNumber = facts.crlNumber.toString();
    const assessment = emptyAssessment();
    // Delta CRLs (RFC 5280 §5.2.4) list changes only: what they omit says nothing.
    if (!facts.isDelta) assessment.revocations = [await revocationUpdate(facts, url, context.part)];
    assessment.accepted.push({
      file: file.path,
      kind: 'crl',
      url,
      unchanged: facts.unchanged,
      ...(warnings.length > 0 ? { warnings } : {}),
    });
    if (facts.unchanged) {
      if (served) assessment.unchanged.push({ key: file.path, served });
    } else {
      const write = planWrite(
        {
          key: file.path,
          body: der,
          kind: 'crl',
          sha256: toHex(await digest('sha256', der)),
          thisUpdate: facts.thisUpdate,
          nextUpdate: facts.nextUpdate,
          metadata: { [META.crlNumber]: crlNumber },
          served,
        },
        context,
      );
      assessment.writes.push(write);
    }
    assessment.changes.crls = [
      {
        url,
        issuer: facts.issuer.subject,
        crlNumber,
        thisUpdate: facts.thisUpdate.toISOString(),
        nextUpdate: facts.nextUpdate.toISOString(),
        revokedCount: facts.revokedCount,
        delta: facts.isDelta,
        ca: facts.issuer.fingerprints.sha256,
        scope: placement.scope,
        ...(placement.publicUrl ? { publicUrl: placement.publicUrl } : {}),
        size: der.byteLength,
        ...(warnings.length > 0 ? { warnings } : {}),
      },
    ];
    return assessment;
  },
};

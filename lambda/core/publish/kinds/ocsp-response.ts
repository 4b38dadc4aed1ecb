/**
 * Pre-produced OCSP responses: verified (ocsp/validate-ocsp-response.ts) and stored once per
 * SingleResponse under its CertID key, where the edge finds it; the receipt names the OCSP endpoint
 * as their URL. A refresh that keeps the certificate's status may stay cached at the edge until
 * its max-age; a status change (good → revoked) must reach relying parties now. A revoked
 * certificate never becomes good or unknown again, except after a certificateHold
 * (revocation-finality.ts; RFC 5280 §3.3, §5.3.1); what it revokes is remembered in the CA's
 * revocation history, which outlives the served response. Every response is linted with its CA's
 * profile (ocsp/lints: validity interval, responder certificate, ResponderID); errors refuse,
 * warnings reach the receipt.
 */
import { digest, toHex } from '../../encoding/bytes.ts';
import {
  precheckOcspResponse,
  refuseNonce,
  validateOcspResponse,
  type OcspResponseFacts,
} from '../../ocsp/validate-ocsp-response.ts';
import { formatFinding, runLints } from '../../crl/lints/lint.ts';
import { OCSP_LINTS } from '../../ocsp/lints/ocsp-lints.ts';
import { RejectedError } from '../../rejection.ts';
import { policyOf } from '../ca-policy.ts';
import { META } from '../../serving/cache-policy.ts';
import type { RevocationUpdate } from '../revocation-history.ts';
import { assertOcspKeepsRevocation, ocspRevocationReasons } from '../revocation-finality.ts';
import { readServedMetadata } from '../served-object.ts';
import {
  contentOf,
  emptyAssessment,
  placeObject,
  type ArtifactKindModule,
  type ServedView,
} from './artifact-kind-module.ts';

/**
 * Refuses the response when a SingleResponse would take back a revocation the repository served
 * or recorded; answers what the CA's revocation history learns from it.
 */
async function keepRevocationsFinal(
  facts: OcspResponseFacts,
  der: Uint8Array,
  served: ServedView,
): Promise<RevocationUpdate> {
  const history = await served.revocations(facts.issuer);
  const anyRevoked = facts.responses.some((single) => single.status === 'revoked');
  const reasons = anyRevoked ? ocspRevocationReasons(der) : new Map<string, number | undefined>();
  const update: RevocationUpdate = {
    ca: facts.issuer.fingerprints.sha256,
    issuer: facts.issuer.subject,
    revoked: {},
    released: [],
  };
  for (const single of facts.responses) {
    const serial = single.certId.serialHex;
    const head = await served.head(single.key);
    const servedMeta = head && readServedMetadata(head.metadata);
    let servedReason: number | undefined;
    if (servedMeta?.certStatus === 'revoked' && single.status !== 'revoked') {
      const body = await served.get(single.key);
      servedReason = body && ocspRevocationReasons(body.body).get(serial);
    }
    const recorded = history.revoked[serial];
    assertOcspKeepsRevocation(serial, single, {
      served: servedMeta && {
        status: servedMeta.certStatus,
        thisUpdate: servedMeta.thisUpdate,
        reason: servedReason,
      },
      history: recorded,
    });
    if (single.status === 'revoked') {
      const reason = reasons.get(serial);
      update.revoked[serial] = {
        revokedAt: (single.revokedAt ?? single.thisUpdate).toISOString(),
        ...(reason === undefined ? {} : { reason }),
        source: 'ocsp',
      };
    } else if (recorded || servedMeta?.certStatus === 'revoked') {
      update.released.push(serial); // a certificateHold lifted (the only revocation that may be)
    }
  }
  return update;
}

export const ocspResponseKind: ArtifactKindModule = {
  claims: (file) => file.content.type === 'ocsp-response',

  precheck(file, context) {
    precheckOcspResponse(contentOf(file, 'ocsp-response').der, context.now, context.policy);
  },

  async assess(file, context) {
    const { der } = contentOf(file, 'ocsp-response');
    const { served } = context;
    const facts = await validateOcspResponse({
      der,
      trust: context.trust,
      now: context.now,
      policy: context.policy,
      lookupPrevious: async (key) => {
        const head = await served.head(key);
        const thisUpdate = head && readServedMetadata(head.metadata).thisUpdate;
        return thisUpdate ? { thisUpdate } : undefined;
      },
    });
    refuseNonce(facts.nonce);
    const policy = policyOf(context.caPolicies, facts.issuer.fingerprints.sha256);
    const findings = runLints(OCSP_LINTS, { facts, policy }, policy);
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      throw new RejectedError(
        `refused by the ${policy.profile} lint profile: ${errors.map(formatFinding).join('; ')}`,
      );
    }
    const warnings = findings.map(formatFinding);
    // One CertID may be answered by one file of a bundle only: which one should win is ambiguous.
    for (const single of facts.responses) {
      const owner = await context.claim(single.key, file.path);
      if (owner) {
        throw new RejectedError(
          `serial ${single.certId.serialHex}: the same CertID is also answered by ${owner} in this bundle`,
        );
      }
    }
    const assessment = emptyAssessment();
    assessment.revocations = [await keepRevocationsFinal(facts, der, served)];
    const sha256 = toHex(await digest('sha256', file.bytes));
    let unchanged = true;
    for (const single of facts.responses) {
      const head = await served.head(single.key);
      const statusChanged = head && readServedMetadata(head.metadata).certStatus !== single.status;
      const placedUnchanged = placeObject(
        assessment,
        {
          key: single.key,
          body: der,
          kind: 'ocsp-response',
          sha256,
          thisUpdate: single.thisUpdate,
          nextUpdate: single.nextUpdate,
          metadata: { [META.certStatus]: single.status },
          served: head,
          invalidateOnReplace: Boolean(statusChanged),
        },
        context,
      );
      unchanged &&= placedUnchanged;
    }
    assessment.accepted.push({
      file: file.path,
      kind: 'ocsp-response',
      url: context.ocspUrl,
      unchanged,
      ...(warnings.length > 0 ? { warnings } : {}),
    });
    assessment.changes.ocspIssuers = [
      {
        issuer: facts.issuer.subject,
        lastPublishedAt: context.now.toISOString(),
        latestProducedAt: facts.producedAt.toISOString(),
      },
    ];
    return assessment;
  },
};

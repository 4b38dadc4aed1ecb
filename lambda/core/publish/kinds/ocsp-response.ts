/**
 * Pre-produced OCSP responses: verified (ocsp/validate-ocsp-response.ts) and stored once per
 * SingleResponse under its CertID key, where the edge finds it; the receipt names the OCSP endpoint
 * as their URL. A refresh that keeps the certificate's status may stay cached at the edge until
 * its max-age; a status change (good → revoked) must reach relying parties now.
 */
import { digest, toHex } from '../../encoding/bytes.ts';
import { validateOcspResponse } from '../../ocsp/validate-ocsp-response.ts';
import { RejectedError } from '../../rejection.ts';
import { META } from '../../serving/cache-policy.ts';
import { readServedMetadata } from '../served-object.ts';
import { contentOf, emptyAssessment, placeObject, type ArtifactKindModule } from './artifact-kind-module.ts';

export const ocspResponseKind: ArtifactKindModule = {
  claims: (file) => file.content.type === 'ocsp-response',

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
    // One CertID may be answered by one file of a bundle only: which one should win is ambiguous.
    for (const single of facts.responses) {
      const owner = context.claim(single.key, file.path);
      if (owner) {
        throw new RejectedError(
          `serial ${single.certId.serialHex}: the same CertID is also answered by ${owner} in this bundle`,
        );
      }
    }
    const sha256 = toHex(await digest('sha256', file.bytes));
    const assessment = emptyAssessment();
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
    assessment.accepted.push({ file: file.path, kind: 'ocsp-response', url: context.ocspUrl, unchanged });
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

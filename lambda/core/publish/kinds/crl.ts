/**
 * CRLs: verified against the pinned issuer and compared with the CRL served at the same path, so a
 * lower CRL number never replaces a higher one (crl/validate-crl.ts). The write is conditional on
 * the object compared with: of two publishes racing on one path, the higher number wins.
 */
import { digest, toHex } from '../../encoding/bytes.ts';
import { validateCrl } from '../../crl/validate-crl.ts';
import { META } from '../../serving/cache-policy.ts';
import { assertServesKind } from '../served-object.ts';
import { planWrite } from '../write-plan.ts';
import { contentOf, emptyAssessment, type ArtifactKindModule } from './artifact-kind-module.ts';

export const crlKind: ArtifactKindModule = {
  claims: (file) => file.content.type === 'crl',

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
    const crlNumber = facts.crlNumber.toString();
    const assessment = emptyAssessment();
    assessment.accepted.push({ file: file.path, kind: 'crl', url, unchanged: facts.unchanged });
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
      },
    ];
    return assessment;
  },
};

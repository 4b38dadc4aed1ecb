/**
 * CA certificates: published only when byte for byte one of the pinned CA certificates
 * (pki/validate-ca-certificate.ts), always as DER under the bundle path, with their fingerprints in
 * the index (Digital Agency survey item 3513).
 */
import { validateCaCertificate } from '../../pki/validate-ca-certificate.ts';
import { contentOf, emptyAssessment, placeObject, type ArtifactKindModule } from './artifact-kind-module.ts';

export const caCertificateKind: ArtifactKindModule = {
  claims: (file) => file.content.type === 'certificate',

  async assess(file, context) {
    const { der } = contentOf(file, 'certificate');
    const { ca } = validateCaCertificate(der, context.trust);
    const url = `/${file.path}`;
    const assessment = emptyAssessment();
    const unchanged = placeObject(
      assessment,
      {
        key: file.path,
        body: der,
        kind: 'ca-certificate',
        sha256: ca.fingerprints.sha256,
        served: await context.served.head(file.path),
      },
      context,
    );
    assessment.accepted.push({ file: file.path, kind: 'ca-certificate', url, unchanged });
    assessment.changes.caCertificates = [
      {
        url,
        subject: ca.subject,
        notBefore: ca.certificate.notBefore.value.toISOString(),
        notAfter: ca.certificate.notAfter.value.toISOString(),
        ...ca.fingerprints,
      },
    ];
    return assessment;
  },
};

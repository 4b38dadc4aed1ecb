/**
 * Signed documents (CP/CPS): a PDF signed inside (PAdES) or by a detached CMS signature published
 * beside it as `<name>.pdf.p7s` in the same part (documents/validate-document.ts). The signature is
 * judged with its PDF and refused with it; a CMS signature without its PDF is refused alone.
 */
import { digest, toHex } from '../../encoding/bytes.ts';
import { validateDocument } from '../../documents/validate-document.ts';
import { RejectedError } from '../../rejection.ts';
import {
  contentOf,
  emptyAssessment,
  placeObject,
  type ArtifactKindModule,
  type CandidateFile,
} from './artifact-kind-module.ts';

const SIGNATURE_SUFFIX = '.p7s';

/** The `<pdf>.p7s` CMS signature beside a PDF in the same part: the PDF's detached signature. */
function detachedSignatureOf(
  file: CandidateFile,
  part: ReadonlyMap<string, CandidateFile>,
): CandidateFile | undefined {
  if (file.content.type !== 'pdf') return undefined;
  const signature = part.get(`${file.path}${SIGNATURE_SUFFIX}`);
  return signature?.content.type === 'cms-signature' ? signature : undefined;
}

/** A CMS signature reaches a kind alone only when no PDF in its part claimed it. */
function refuseSignatureAlone(file: CandidateFile): void {
  if (file.content.type === 'cms-signature') {
    throw new RejectedError(
      `a CMS signature is published only as <document>.p7s beside its PDF in the same bundle (no ${file.path.replace(/\.p7s$/, '')} here)`,
    );
  }
}

export const documentKind: ArtifactKindModule = {
  claims: (file) => file.content.type === 'pdf' || file.content.type === 'cms-signature',

  companions(file, part) {
    const signature = detachedSignatureOf(file, part);
    return signature ? [signature] : [];
  },

  precheck: refuseSignatureAlone,

  async assess(file, context) {
    refuseSignatureAlone(file);
    const detached = detachedSignatureOf(file, context.part);
    const facts = await validateDocument({
      pdf: file.bytes,
      detachedSignature: detached && contentOf(detached, 'cms-signature').der,
      signatureFile: detached?.path,
      fileName: file.path,
      trust: context.trust,
      now: context.now,
    });
    const url = `/${file.path}`;
    const sha256 = toHex(await digest('sha256', file.bytes));
    const assessment = emptyAssessment();
    const unchanged = placeObject(
      assessment,
      {
        key: file.path,
        body: file.bytes,
        kind: 'document',
        sha256,
        served: await context.served.head(file.path),
      },
      context,
    );
    assessment.accepted.push({ file: file.path, kind: 'document', url, unchanged });
    let signatureUrl = 'embedded';
    if (detached) {
      signatureUrl = `/${detached.path}`;
      const signatureUnchanged = placeObject(
        assessment,
        {
          key: detached.path,
          body: detached.bytes,
          kind: 'signature',
          sha256: toHex(await digest('sha256', detached.bytes)),
          served: await context.served.head(detached.path),
        },
        context,
        // Written before the document so a reader never finds a document without its signature.
        'first',
      );
      assessment.accepted.push({
        file: detached.path,
        kind: 'signature',
        url: signatureUrl,
        unchanged: signatureUnchanged,
      });
    }
    assessment.changes.documents = [{ url, signature: signatureUrl, signer: facts.signerSubject, sha256 }];
    return assessment;
  },
};

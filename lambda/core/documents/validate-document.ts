/**
 * Document rule: a CP/CPS PDF is published only if a signer certificate chaining to a pinned CA
 * signed exactly the bytes that will be served.
 *
 * - The file must be a PDF (ISO 32000-1 §7.5.2 header).
 * - A sibling `<file>.p7s` is a detached CMS SignedData (RFC 5652 §5) over the exact PDF bytes.
 * - Otherwise the PDF must carry an embedded signature (ISO 32000-1 §12.8, ETSI EN 319 142-1
 *   PAdES) whose CMS covers its /ByteRange, and the last one must cover the whole file except its
 *   own /Contents hex string (§12.8.1): anything else was added or changed after signing.
 * - In both cases the CMS signature is checked as in RFC 5652 §5.4 and §11, and the signer
 *   certificate must chain to a pinned CA (RFC 5280 §6.1), see ../cms.ts.
 */
import { concatBytes } from '../encoding/bytes.ts';
import { verifyDetachedSignature, type VerifiedSignature } from './cms.ts';
import { findEmbeddedSignatures, isPdf, type EmbeddedSignature } from './pdf-signature.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import type { TrustStore } from '../pki/trust-store.ts';

export interface DocumentFacts {
  kind: 'document';
  signature: 'detached' | 'embedded';
  signerSubject: string;
  signatureFile?: string;
}

export interface ValidateDocumentInput {
  pdf: Uint8Array;
  /** DER CMS of the sibling `<file>.p7s`, already PEM-decoded. */
  detachedSignature?: Uint8Array;
  /** Name of that sibling file, reported in the facts and in reasons. */
  signatureFile?: string;
  /** Name of the PDF, for reasons only. */
  fileName?: string;
  trust: TrustStore;
  now: Date;
}

/**
 * SubFilters whose /Contents is a detached CMS SignedData over the ByteRange (ISO 32000-1
 * §12.8.3.3, ETSI EN 319 142-1 §5.1). adbe.pkcs7.sha1 signs a SHA-1 digest, adbe.x509.rsa_sha1 is
 * not CMS, and ETSI.RFC3161 is a TSA's document timestamp, not the CA's signature.
 */
const CMS_DETACHED_SUB_FILTERS: readonly string[] = ['adbe.pkcs7.detached', 'ETSI.CAdES.detached'];

export async function validateDocument(input: ValidateDocumentInput): Promise<DocumentFacts> {
  const { pdf, detachedSignature, trust, now } = input;
  requireThat(isPdf(pdf), 'not a PDF: no %PDF- header in the first 1024 bytes');

  if (detachedSignature) {
    const where = input.signatureFile ? `detached signature ${input.signatureFile}` : 'detached signature';
    const verified = await explainFailure(where, () =>
      verifyDetachedSignature({ signedDataDer: detachedSignature, content: pdf, trust, now }),
    );
    return {
      kind: 'document',
      signature: 'detached',
      signerSubject: verified.signerSubject,
      ...(input.signatureFile ? { signatureFile: input.signatureFile } : {}),
    };
  }

  const signatures = findEmbeddedSignatures(pdf);
  requireThat(
    signatures.length > 0,
    `unsigned PDF: no detached ${input.fileName ?? '<file>'}.p7s and no embedded signature`,
  );
  const last = pickLastSignature(signatures);
  requireWholeFileCovered(last, pdf.byteLength);
  const [, firstLength, secondOffset, secondLength] = last.byteRange;
  const signedBytes = concatBytes([
    pdf.subarray(0, firstLength),
    pdf.subarray(secondOffset, secondOffset + secondLength),
  ]);
  const verified = await explainFailure('embedded signature', () =>
    verifyDetachedSignature({ signedDataDer: last.contents, content: signedBytes, trust, now }),
  );
  return { kind: 'document', signature: 'embedded', signerSubject: verified.signerSubject };
}

/** The signature covering the most of the file; on a tie, the one written later. */
function pickLastSignature(signatures: readonly EmbeddedSignature[]): EmbeddedSignature {
  const coveredEnd = (s: EmbeddedSignature) => s.byteRange[2] + s.byteRange[3];
  return signatures.reduce((best, s) => (coveredEnd(s) >= coveredEnd(best) ? s : best));
}

/**
 * The last signature must cover byte 0 to end of file, leaving out only its own /Contents
 * `<...>` (ISO 32000-1 §12.8.1): any other unsigned byte could have been changed after signing.
 */
function requireWholeFileCovered(signature: EmbeddedSignature, fileLength: number): void {
  const [a, b, c, d] = signature.byteRange;
  const [contentsStart, contentsEnd] = signature.contentsSpan;
  const subFilter = signature.subFilter;
  requireThat(
    subFilter === undefined || CMS_DETACHED_SUB_FILTERS.includes(subFilter),
    `embedded signature /SubFilter /${subFilter} is not accepted: only ${CMS_DETACHED_SUB_FILTERS.map((f) => `/${f}`).join(' or ')} (detached CMS)`,
  );
  requireThat(
    a === 0,
    `embedded signature ByteRange starts at byte ${a}, not 0: the start of the file is not signed`,
  );
  const end = c + d;
  requireThat(
    end <= fileLength,
    `embedded signature ByteRange ends at byte ${end}, past the end of the ${fileLength}-byte file`,
  );
  requireThat(
    end === fileLength,
    `${fileLength - end} bytes were appended after the embedded signature (it covers up to byte ${end} of ${fileLength})`,
  );
  requireThat(
    b === contentsStart && c === contentsEnd,
    `embedded signature ByteRange leaves bytes ${b}..${c} unsigned, which is not exactly its /Contents string (bytes ${contentsStart}..${contentsEnd})`,
  );
}

/** Prefixes a rule's reason with which signature it is about. */
async function explainFailure(
  where: string,
  verify: () => Promise<VerifiedSignature>,
): Promise<VerifiedSignature> {
  try {
    return await verify();
  } catch (error) {
    if (error instanceof RejectedError) throw new RejectedError(`${where}: ${error.message}`);
    throw error;
  }
}

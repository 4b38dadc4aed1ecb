/**
 * The receipt the publish gate writes for every bundle (ingest store, `receipts/<bundle>.json`):
 * the uploader's only answer from the cloud, so its shape is a contract between both sides.
 */
import type { ArtifactKind } from './artifact-kind.ts';

export const RECEIPT_FORMAT = 'ca-repo-receipt/1';

export interface AcceptedFile {
  file: string;
  kind: ArtifactKind;
  /** Path-absolute URL on the repository (the OCSP endpoint for OCSP responses). */
  url: string;
  /** The same bytes were already served: nothing was written. */
  unchanged?: boolean;
}

export interface RejectedFile {
  file: string;
  reason: string;
}

export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  bundleId: string;
  status: 'completed' | 'failed';
  receivedAt: string;
  completedAt: string;
  accepted: AcceptedFile[];
  rejected: RejectedFile[];
  /** Object keys whose served content changed. */
  replaced: string[];
  /** CDN paths invalidated after the publish (replaced URLs; OCSP keys whose status changed). */
  invalidated: string[];
  /** Why the bundle as a whole failed (status 'failed'). */
  error?: string;
}

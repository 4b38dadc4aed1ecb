/**
 * S3 ObjectCreated → publish. Only the manifest (written last by the uploader) starts a publish;
 * part uploads are ignored. The same function runs in Lambda and in the local repository.
 */
import type { PublishService, Receipt } from '../services/publish-service.ts';

export interface S3EventRecordLike {
  eventName?: string;
  s3: { bucket: { name: string }; object: { key: string } };
}

export interface S3EventLike {
  Records?: S3EventRecordLike[];
}

/** S3 event keys are URL-encoded with `+` for spaces (S3 event notification format). */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export function createPublishHandler(service: PublishService): (event: S3EventLike) => Promise<Receipt[]> {
  return async (event) => {
    const receipts: Receipt[] = [];
    for (const record of event.Records ?? []) {
      const receipt = await service.publishManifestKey(decodeS3EventKey(record.s3.object.key));
      if (receipt) receipts.push(receipt);
    }
    return receipts;
  };
}

/**
 * S3 ObjectCreated → publish. Only the manifest (written last by the uploader) starts a publish;
 * part uploads are ignored. The same function runs in Lambda and in the local repository.
 */
import type { PublishService } from '../services/publish/publish-service.ts';
import type { Receipt } from '../core/publish/receipt.ts';

import { decodeS3EventKey } from '../adapters/s3-event.ts';

/** The parts of an S3 event record the handler reads (a full `S3Event` fits). */
export interface S3EventLike {
  Records?: { s3: { object: { key: string } } }[];
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

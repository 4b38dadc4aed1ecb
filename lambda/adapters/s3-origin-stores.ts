/**
 * In Lambda@Edge the bucket behind an S3 origin is known only from the event: the origin's
 * regional domain name (`bucket.s3.region.amazonaws.com`) and, for the replica, a custom origin
 * header. Clients are kept per Region across invocations of a warm container.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { headerValue, type CfS3Origin } from '../core/serving/cloudfront-events.ts';
import { ORIGIN_HEADER } from '../core/contract/edge-origin-headers.ts';
import type { StoresForOrigin } from '../services/ports.ts';
import { S3ObjectStore } from '../storage/s3-object-store.ts';

const clients = new Map<string, S3Client>();

function clientFor(region: string): S3Client {
  let client = clients.get(region);
  if (!client) {
    client = new S3Client({ region });
    clients.set(region, client);
  }
  return client;
}

/** Bucket and Region of an S3 REST endpoint domain name. */
export function parseS3DomainName(
  domainName: string,
  regionHint?: string,
): { bucket: string; region: string } {
  const match = /^(.+?)\.s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/.exec(domainName);
  if (!match?.[1]) throw new Error(`not an S3 origin domain name: ${domainName}`);
  return { bucket: match[1], region: regionHint ?? match[2] ?? 'us-east-1' };
}

export const storesForS3Origin: StoresForOrigin = (origin: CfS3Origin | undefined) => {
  if (!origin) throw new Error('origin event without an S3 origin');
  const primary = parseS3DomainName(origin.s3.domainName, origin.s3.region);
  const replicaDomain = headerValue(origin.s3.customHeaders, ORIGIN_HEADER.replicaDomain);
  const replica = replicaDomain ? parseS3DomainName(replicaDomain) : undefined;
  return {
    primary: new S3ObjectStore({ client: clientFor(primary.region), bucket: primary.bucket }),
    replica: replica && new S3ObjectStore({ client: clientFor(replica.region), bucket: replica.bucket }),
  };
};

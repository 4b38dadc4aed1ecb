/**
 * S3 as a CloudFront origin answers: the object with its system and user metadata as headers, or
 * 403 AccessDenied for a missing key (the reader may not s3:ListBucket), or 503 when the store
 * fails. The local CDN fetches through this, and the OCSP POST path reads the same way, so both
 * see exactly what the GET path sees in AWS.
 */
import type { OriginAnswer } from '../../core/serving/edge-response-policy.ts';
import type { ObjectStore, StoredObject } from '../ports.ts';

export interface OriginFetch extends OriginAnswer {
  body?: Uint8Array;
}

export function s3HeadersOf(object: StoredObject): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': object.contentType,
    'content-length': String(object.size),
    etag: `"${object.etag}"`,
    'last-modified': object.lastModified.toUTCString(),
  };
  if (object.cacheControl) headers['cache-control'] = object.cacheControl;
  if (object.expires) headers.expires = object.expires.toUTCString();
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

const ACCESS_DENIED = new Uint8Array(
  Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
  ),
);

export async function fetchFromS3Origin(store: ObjectStore, key: string): Promise<OriginFetch> {
  let object: StoredObject | undefined;
  try {
    object = await store.get(key);
  } catch {
    return { status: 503, headers: { 'content-type': 'application/xml' } };
  }
  if (!object) {
    return {
      status: 403,
      headers: { 'content-type': 'application/xml', 'content-length': String(ACCESS_DENIED.length) },
      body: ACCESS_DENIED,
    };
  }
  return { status: 200, headers: s3HeadersOf(object), body: object.body };
}

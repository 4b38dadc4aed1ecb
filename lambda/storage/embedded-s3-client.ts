/**
 * The one way to reach the embedded S3 server of a local repository with the real AWS SDK: used by
 * the local repository itself, the uploader (`ca-repo publish --repo`), the benchmarks and the tests.
 * Kept apart from embedded-s3.ts so that a client does not load the server.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** s3rver accepts any key pair; these are its documented defaults. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** `requestHandler`: how to reach it (the uploader passes its proxy-aware one); the SDK's default otherwise. */
export function embeddedS3Client(
  target: { endpoint: string; region?: string },
  requestHandler?: S3ClientConfig['requestHandler'],
): S3Client {
  return new S3Client({
    requestHandler,
    endpoint: target.endpoint,
    region: target.region ?? 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
    // The SDK's default checksums send streamed bodies `aws-chunked`; s3rver stores the chunk framing as
    // object bytes. Only checksum what an operation requires (S3ObjectStore sends its own SHA-256).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Composition of the publish service inside Lambda: configuration from the function's
 * environment (set by the CDK publisher construct), stores on S3, the pinned CA certificates from
 * the function's own code package, CloudFront invalidation of its own distribution.
 */
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { S3Client } from '@aws-sdk/client-s3';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudFrontInvalidator } from '../adapters/cloudfront-invalidator.ts';
import { S3ObjectStore } from '../storage/s3-object-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { parseCacheCaps, type CacheCaps } from '../core/serving/cache-policy.ts';
import { CERTIFICATE_FILE_NAME, certificatesInFile } from '../core/pki/certificate-file.ts';
import { TrustStore } from '../core/pki/trust-store.ts';
import { PublishService } from '../services/publish/publish-service.ts';

export class PublishEnvironmentError extends Error {
  override name = 'PublishEnvironmentError';
}

export interface PublishEnvironment {
  ingestBucket: string;
  repositoryBucket: string;
  publishQueueUrl?: string;
  ocspUrl: string;
  distributionId?: string;
  trustDir: string;
  cacheCaps: CacheCaps;
}

function readCacheCaps(json: string | undefined): CacheCaps {
  try {
    return parseCacheCaps(json);
  } catch (error) {
    throw new PublishEnvironmentError(`environment variable CACHE_CAPS: ${(error as Error).message}`);
  }
}

export function readPublishEnvironment(env: Record<string, string | undefined>): PublishEnvironment {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new PublishEnvironmentError(`environment variable ${name} is not set`);
    return value;
  };
  return {
    ingestBucket: required('INGEST_BUCKET'),
    repositoryBucket: required('REPOSITORY_BUCKET'),
    publishQueueUrl: env.PUBLISH_QUEUE_URL || undefined,
    ocspUrl: env.OCSP_URL || '/ocsp',
    distributionId: env.DISTRIBUTION_ID || undefined,
    trustDir: env.TRUST_DIR || 'trust',
    cacheCaps: readCacheCaps(env.CACHE_CAPS),
  };
}

/** Every certificate file (PEM or DER) in the trust directory shipped with the function. */
export async function readTrustDirectory(dir: string): Promise<Uint8Array[]> {
  const ders: Uint8Array[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!CERTIFICATE_FILE_NAME.test(name)) continue;
    ders.push(...certificatesInFile(new Uint8Array(await readFile(join(dir, name)))));
  }
  if (ders.length === 0) throw new PublishEnvironmentError(`no pinned CA certificate in ${dir}`);
  return ders;
}

export async function createPublishService(environment: PublishEnvironment): Promise<PublishService> {
  const s3 = new S3Client({});
  return new PublishService({
    ingest: new S3ObjectStore({ client: s3, bucket: environment.ingestBucket }),
    repository: new S3ObjectStore({ client: s3, bucket: environment.repositoryBucket }),
    trust: await TrustStore.fromDer(await readTrustDirectory(environment.trustDir)),
    clock: systemClock,
    ocspUrl: environment.ocspUrl,
    cacheCaps: environment.cacheCaps,
    cdn: environment.distributionId
      ? new CloudFrontInvalidator(new CloudFrontClient({}), environment.distributionId)
      : undefined,
  });
}

/**
 * Composition of the publish service inside Lambda: configuration from the function's
 * environment (set by the CDK publisher construct, names in core/contract/lambda-environment.ts),
 * stores on S3, the pinned CA certificates from the function's trust layer, CloudFront
 * invalidation of its own distribution.
 */
import { EDGE_POST_CACHE_SECONDS } from '../core/contract/edge-post-cache.ts';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { S3Client } from '@aws-sdk/client-s3';
import { CloudFrontInvalidator } from '../adapters/cloudfront-invalidator.ts';
import { S3ObjectStore } from '../storage/s3-object-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { PUBLISH_ENVIRONMENT as ENV } from '../core/contract/lambda-environment.ts';
import { DEFAULT_OCSP_PATH_PREFIX } from '../core/ocsp/ocsp-path.ts';
import { parseCaPolicies, type CaPolicies } from '../core/publish/ca-policy.ts';
import { parsePublicBaseUrls } from '../core/publish/public-urls.ts';
import { parseCacheCaps, type CacheCaps } from '../core/serving/cache-policy.ts';
import { TrustStore } from '../core/pki/trust-store.ts';
import { PublishService } from '../services/publish/publish-service.ts';
import { readTrustDirectory } from './trust-directory.ts';

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
  publicBaseUrls: string[];
  caPolicies: CaPolicies;
}

function readCacheCaps(json: string | undefined): CacheCaps {
  try {
    return parseCacheCaps(json);
  } catch (error) {
    throw new PublishEnvironmentError(`environment variable ${ENV.cacheCaps}: ${(error as Error).message}`);
  }
}

function readSetting<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new PublishEnvironmentError(`environment variable ${name}: ${(error as Error).message}`);
  }
}

export function readPublishEnvironment(env: Record<string, string | undefined>): PublishEnvironment {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new PublishEnvironmentError(`environment variable ${name} is not set`);
    return value;
  };
  return {
    ingestBucket: required(ENV.ingestBucket),
    repositoryBucket: required(ENV.repositoryBucket),
    publishQueueUrl: env[ENV.publishQueueUrl] || undefined,
    ocspUrl: env[ENV.ocspUrl] || DEFAULT_OCSP_PATH_PREFIX,
    distributionId: env[ENV.distributionId] || undefined,
    trustDir: env[ENV.trustDir] || 'trust',
    cacheCaps: readCacheCaps(env[ENV.cacheCaps]),
    publicBaseUrls: readSetting(ENV.publicBaseUrls, () => parsePublicBaseUrls(env[ENV.publicBaseUrls])),
    caPolicies: readSetting(ENV.caPolicies, () => parseCaPolicies(env[ENV.caPolicies])),
  };
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
    publicBaseUrls: environment.publicBaseUrls,
    caPolicies: environment.caPolicies,
    cdn: environment.distributionId
      ? new CloudFrontInvalidator(new CloudFrontClient({}), environment.distributionId)
      : undefined,
    // No CloudFront invalidation reaches the Lambda@Edge containers' POST answers: the uploader waits.
    edgePostCacheSeconds: EDGE_POST_CACHE_SECONDS,
  });
}

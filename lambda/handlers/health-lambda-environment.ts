/**
 * Composition of the health checker inside Lambda: configuration from the function's environment
 * (set by the CDK HealthChecker construct, names in core/contract/lambda-environment.ts), the
 * pinned CA certificates and the sentinel certificates from layers shipped with the function, the
 * ledger on S3, HTTP through fetch.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { NodeHttpClient } from '../adapters/node-http-client.ts';
import { S3ObjectStore } from '../storage/s3-object-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { HEALTH_ENVIRONMENT as ENV } from '../core/contract/lambda-environment.ts';
import { parseSentinelsFile, SentinelsFileError } from '../core/contract/sentinels-file.ts';
import { positiveNumberOf } from '../core/encoding/number-text.ts';
import type { Sentinel } from '../core/health/sentinel.ts';
import type { HealthThresholds } from '../core/health/health-thresholds.ts';
import { TrustStore } from '../core/pki/trust-store.ts';
import { HealthLedger } from '../services/health/health-ledger.ts';
import { HealthProbe } from '../services/health/health-probe.ts';
import { readTrustDirectory } from './trust-directory.ts';

import { parseCaPolicies, type CaPolicies } from '../core/publish/ca-policy.ts';

export class HealthEnvironmentError extends Error {
  override name = 'HealthEnvironmentError';
}

export interface HealthEnvironment {
  /** Base URLs to probe (plain HTTP first; HTTPS when the distribution serves it). */
  repositoryUrls: string[];
  ledgerBucket: string;
  trustDir: string;
  /** The sentinels file (core/contract/sentinels-file.ts); absent: OCSP is not probed. */
  sentinelsFile?: string;
  ocspUrl?: string;
  thresholds: Partial<HealthThresholds>;
  metricNamespace?: string;
  /** Compare each CRL's replica copy with the primary's (REPOSITORY_BUCKET, REPLICA_BUCKET, REPLICA_REGION). */
  replica?: { repositoryBucket: string; replicaBucket: string; replicaRegion: string };
  /** Each CA's CRL scope and OCSP coverage (CA_POLICIES): its CRL reissue deadline. */
  caPolicies?: CaPolicies;
  /** AWS_REGION, set by the Lambda runtime: recorded in each run (ProbeRun.region). */
  region?: string;
}

function optionalNumber(env: Record<string, string | undefined>, name: string): number | undefined {
  const value = env[name];
  if (!value) return undefined;
  const number = positiveNumberOf(value);
  if (number === undefined) throw new HealthEnvironmentError(`${name}=${value} is not a positive number`);
  return number;
}

export function readHealthEnvironment(env: Record<string, string | undefined>): HealthEnvironment {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new HealthEnvironmentError(`environment variable ${name} is not set`);
    return value;
  };
  const repositoryUrls = required(ENV.repositoryUrls)
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (repositoryUrls.length === 0) throw new HealthEnvironmentError(`${ENV.repositoryUrls} lists no URL`);
  return {
    repositoryUrls,
    ledgerBucket: required(ENV.ledgerBucket),
    trustDir: env[ENV.trustDir] || 'trust',
    sentinelsFile: env[ENV.sentinelsFile] || undefined,
    ocspUrl: env[ENV.ocspUrl] || undefined,
    thresholds: {
      timeoutMs: optionalNumber(env, ENV.probeTimeoutMs),
      crlMinHoursToNextUpdate: optionalNumber(env, ENV.crlMarginHours),
      crlMaxAgeHours: optionalNumber(env, ENV.crlMaxAgeHours),
      ocspMaxAgeHours: optionalNumber(env, ENV.ocspMaxAgeHours),
    },
    metricNamespace: env[ENV.metricNamespace] || undefined,
    // Set by the Lambda runtime: each Region's checker records where its probes ran from.
    ...(env[ENV.region] ? { region: env[ENV.region] } : {}),
    ...(env[ENV.caPolicies] ? { caPolicies: readCaPoliciesVariable(env[ENV.caPolicies]) } : {}),
    ...(env[ENV.replicaBucket]
      ? {
          replica: {
            repositoryBucket: required(ENV.repositoryBucket),
            replicaBucket: required(ENV.replicaBucket),
            replicaRegion: required(ENV.replicaRegion),
          },
        }
      : {}),
  };
}

/** The sentinels in the file the HealthChecker construct ships in its layer. */
async function readSentinelsFile(path: string): Promise<Sentinel[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new HealthEnvironmentError(`cannot read the sentinels file ${path}: ${(error as Error).message}`);
  }
  try {
    return parseSentinelsFile(text);
  } catch (error) {
    if (error instanceof SentinelsFileError)
      throw new HealthEnvironmentError(`sentinels file ${path}: ${error.message}`);
    throw error;
  }
}

function readCaPoliciesVariable(value: string | undefined): CaPolicies {
  try {
    return parseCaPolicies(value);
  } catch (error) {
    throw new HealthEnvironmentError(`${ENV.caPolicies}: ${(error as Error).message}`);
  }
}

export async function createHealthChecker(
  environment: HealthEnvironment,
): Promise<{ probe: HealthProbe; ledger: HealthLedger }> {
  const probe = await HealthProbe.create({
    http: new NodeHttpClient(),
    clock: systemClock,
    trust: await TrustStore.fromDer(await readTrustDirectory(environment.trustDir)),
    repositoryUrls: environment.repositoryUrls,
    ocspUrl: environment.ocspUrl,
    sentinels: environment.sentinelsFile ? await readSentinelsFile(environment.sentinelsFile) : [],
    thresholds: environment.thresholds,
    caPolicies: environment.caPolicies,
    ...(environment.region ? { region: environment.region } : {}),
    ...(environment.replica
      ? {
          replica: {
            primary: new S3ObjectStore({
              client: new S3Client({}),
              bucket: environment.replica.repositoryBucket,
            }),
            replica: new S3ObjectStore({
              client: new S3Client({ region: environment.replica.replicaRegion }),
              bucket: environment.replica.replicaBucket,
            }),
          },
        }
      : {}),
  });
  const ledger = new HealthLedger({
    store: new S3ObjectStore({ client: new S3Client({}), bucket: environment.ledgerBucket }),
  });
  return { probe, ledger };
}

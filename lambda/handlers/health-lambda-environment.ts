/**
 * Composition of the health checker inside Lambda: configuration from the function's environment
 * (set by the CDK HealthChecker construct), the pinned CA certificates and the sentinel
 * certificates from layers shipped with the function, the ledger on S3, HTTP through fetch.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { NodeHttpClient } from '../adapters/node-http-client.ts';
import { S3ObjectStore } from '../storage/s3-object-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import type { HealthThresholds } from '../core/health/health-thresholds.ts';
import { TrustStore } from '../core/pki/trust-store.ts';
import { HealthLedger } from '../services/health/health-ledger.ts';
import { HealthProbe, type Sentinel } from '../services/health/health-probe.ts';
import { readTrustDirectory } from './publish-lambda-environment.ts';
import type { SentinelFileEntry } from '../core/contract/sentinels-file.ts';

export class HealthEnvironmentError extends Error {
  override name = 'HealthEnvironmentError';
}

export interface HealthEnvironment {
  /** Base URLs to probe (plain HTTP first; HTTPS when the distribution serves it). */
  repositoryUrls: string[];
  ledgerBucket: string;
  trustDir: string;
  /** JSON list of sentinels (see `SentinelFileEntry`); absent: OCSP is not probed. */
  sentinelsFile?: string;
  ocspUrl?: string;
  thresholds: Partial<HealthThresholds>;
  metricNamespace?: string;
  /** Compare each CRL's replica copy with the primary's (REPOSITORY_BUCKET, REPLICA_BUCKET, REPLICA_REGION). */
  replica?: { repositoryBucket: string; replicaBucket: string; replicaRegion: string };
}

function optionalNumber(env: Record<string, string | undefined>, name: string): number | undefined {
  const value = env[name];
  if (!value) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new HealthEnvironmentError(`${name}=${value} is not a positive number`);
  return number;
}

export function readHealthEnvironment(env: Record<string, string | undefined>): HealthEnvironment {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new HealthEnvironmentError(`environment variable ${name} is not set`);
    return value;
  };
  const repositoryUrls = required('REPOSITORY_URLS')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (repositoryUrls.length === 0) throw new HealthEnvironmentError('REPOSITORY_URLS lists no URL');
  return {
    repositoryUrls,
    ledgerBucket: required('LEDGER_BUCKET'),
    trustDir: env.TRUST_DIR || 'trust',
    sentinelsFile: env.SENTINELS_FILE || undefined,
    ocspUrl: env.OCSP_URL || undefined,
    thresholds: {
      timeoutMs: optionalNumber(env, 'PROBE_TIMEOUT_MS'),
      crlMinHoursToNextUpdate: optionalNumber(env, 'CRL_MARGIN_HOURS'),
      crlMaxAgeHours: optionalNumber(env, 'CRL_MAX_AGE_HOURS'),
      ocspMaxAgeHours: optionalNumber(env, 'OCSP_MAX_AGE_HOURS'),
    },
    metricNamespace: env.METRIC_NAMESPACE || undefined,
    ...(env.REPLICA_BUCKET
      ? {
          replica: {
            repositoryBucket: required('REPOSITORY_BUCKET'),
            replicaBucket: env.REPLICA_BUCKET,
            replicaRegion: required('REPLICA_REGION'),
          },
        }
      : {}),
  };
}

export async function readSentinelsFile(path: string): Promise<Sentinel[]> {
  let entries: SentinelFileEntry[];
  try {
    entries = JSON.parse(await readFile(path, 'utf8')) as SentinelFileEntry[];
  } catch (error) {
    throw new HealthEnvironmentError(`cannot read the sentinels file ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new HealthEnvironmentError(`${path} is not a JSON list`);
  return entries.map((entry) => ({
    certificate: new Uint8Array(Buffer.from(entry.certificate, 'base64')),
    issuer: new Uint8Array(Buffer.from(entry.issuer, 'base64')),
    expectedStatus: entry.expectedStatus,
    ...(entry.hashAlgorithm ? { hashAlgorithm: entry.hashAlgorithm } : {}),
  }));
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

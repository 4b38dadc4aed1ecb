/**
 * `ca-repo local`: the repository on one machine. An embedded S3-protocol server (s3rver) holds
 * the ingest, repository and (optionally) replica buckets; its ObjectCreated events drive the same
 * publish handler the Lambda runs and, for the replica, stand in for cross-Region replication; a
 * local CloudFront (LocalCdn) runs the built edge code in front of them. At startup, a bundle whose
 * publish was interrupted (manifest without a receipt) is published again, as AWS would redeliver.
 */
import { INGEST_DISCOVERY_PATH, type IngestDiscovery } from '../core/contract/ingest-discovery.ts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { DirectoryObjectStore } from '../storage/directory-object-store.ts';
import { NodeHttpClient } from '../adapters/node-http-client.ts';
import { encodeS3EventKey } from '../adapters/s3-event.ts';
import { systemClock } from '../adapters/system-clock.ts';
import type { HealthThresholds } from '../core/health/health-thresholds.ts';
import type { CacheCaps } from '../core/serving/cache-policy.ts';
import type { ValidationPolicy } from '../core/policy.ts';
import { TrustStore } from '../core/pki/trust-store.ts';
import { bundleIdOfManifestKey, manifestKey, receiptKey } from '../core/publish/bundle.ts';
import { createPublishHandler } from '../handlers/publish-handler.ts';
import {
  runHealthCheck,
  startHealthSchedule,
  type HealthCheckOutcome,
  type HealthSchedule,
} from '../services/health/health-check.ts';
import { HealthLedger } from '../services/health/health-ledger.ts';
import { HealthProbe } from '../services/health/health-probe.ts';
import type { Sentinel } from '../core/health/sentinel.ts';
import type { Clock } from '../services/ports.ts';
import { PublishService } from '../services/publish/publish-service.ts';
import type { Receipt } from '../core/publish/receipt.ts';
import { startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.ts';
import { closeServer, listen, portOf } from './http-server.ts';
import { LocalCdn } from './local-cdn.ts';
import { OutageSwitch } from './outage-switch.ts';

export const INGEST_BUCKET = 'ca-repo-ingest';
export const REPOSITORY_BUCKET = 'ca-repo-repository';
export const REPLICA_BUCKET = 'ca-repo-replica';
/** Where the uploader CLI learns the local ingest store; the CDN never serves this path. */

export interface LocalRepositoryOptions {
  /** HTTP port for relying parties; 0 picks a free one. */
  port: number;
  host?: string;
  /** Data directory: buckets persist here across restarts. */
  dataDir: string;
  /** DER of the pinned CA certificates. */
  trust: Uint8Array[];
  /** Keep a replica bucket, replicated asynchronously, behind an origin group (second Region). */
  replica?: boolean;
  /** Path of the OCSP responder; `/` for a dedicated OCSP hostname. Default `/ocsp`. */
  ocspPathPrefix?: string;
  clock?: Clock;
  policy?: ValidationPolicy;
  cacheCaps?: CacheCaps;
  title?: string;
  /** Called with each receipt (the CLI prints them; tests await them). */
  onReceipt?: (receipt: Receipt) => void;
  /** Probe this repository as a relying party on an interval, recording to `<dataDir>/health-ledger`. */
  healthCheck?: LocalHealthCheckOptions;
}

export interface LocalHealthCheckOptions {
  intervalSeconds: number;
  sentinels?: Sentinel[];
  thresholds?: Partial<HealthThresholds>;
  onOutcome?: (outcome: HealthCheckOutcome) => void;
  onError?: (error: unknown) => void;
}

export interface LocalRepository {
  url: string;
  s3: EmbeddedS3;
  cdn: LocalCdn;
  /** Switches that take the primary or replica bucket down, as a Regional outage would. */
  outage: { primary: OutageSwitch; replica?: OutageSwitch };
  /** The interval health checker, when `healthCheck` was given. */
  health?: { ledgerDir: string; schedule: HealthSchedule };
  /** Resolves when every publish and replication started so far has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalRepository(options: LocalRepositoryOptions): Promise<LocalRepository> {
  const clock = options.clock ?? systemClock;
  const trust = await TrustStore.fromDer(options.trust);
  const s3Dir = join(options.dataDir, 's3');
  await mkdir(s3Dir, { recursive: true });
  const buckets = [INGEST_BUCKET, REPOSITORY_BUCKET, ...(options.replica ? [REPLICA_BUCKET] : [])];
  const s3 = await startEmbeddedS3({ directory: s3Dir, buckets });
  const primary = new OutageSwitch(s3.store(REPOSITORY_BUCKET), REPOSITORY_BUCKET);
  const replica = options.replica ? new OutageSwitch(s3.store(REPLICA_BUCKET), REPLICA_BUCKET) : undefined;
  const ocspPathPrefix = options.ocspPathPrefix ?? '/ocsp';
  const cdn = new LocalCdn({ primary, replica, clock, ocspPathPrefix, caps: options.cacheCaps });
  const service = new PublishService({
    ingest: s3.store(INGEST_BUCKET),
    repository: s3.store(REPOSITORY_BUCKET),
    trust,
    clock,
    policy: options.policy,
    cacheCaps: options.cacheCaps,
    ocspUrl: ocspPathPrefix,
    title: options.title,
    cdn: { invalidate: async (paths) => void cdn.invalidate(paths) },
  });
  const handler = createPublishHandler(service);

  // Publishes run one after another, as a Lambda with reserved concurrency 1 would take them;
  // replication copies each new repository object to the replica afterwards, as S3 CRR does.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>, what: string) => {
    queue = queue
      .then(work)
      .catch((error: unknown) => console.error(`ca-repo local: ${what} failed:`, error));
  };
  s3.onS3Event((event) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const bucket = record.s3.bucket.name;
      if (bucket === INGEST_BUCKET) {
        enqueue(async () => {
          for (const receipt of await handler({ Records: [record] })) options.onReceipt?.(receipt);
        }, 'publish');
      } else if (bucket === REPOSITORY_BUCKET && options.replica) {
        const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
        enqueue(() => replicate(s3, key), `replication of ${key}`);
      }
    }
  });

  const discovery: IngestDiscovery = { endpoint: s3.endpoint, bucket: INGEST_BUCKET, region: 'us-east-1' };
  let server: Server;
  try {
    server = await listen(
      async (request, body) => {
        if (request.url === INGEST_DISCOVERY_PATH) {
          const json = Buffer.from(JSON.stringify(discovery));
          return {
            status: 200,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
            body: json,
          };
        }
        return cdn.handle(request, body);
      },
      options.port,
      options.host,
    );
  } catch (error) {
    await s3.close();
    throw error;
  }

  const url = `http://${options.host ?? '127.0.0.1'}:${portOf(server)}`;
  let health: LocalRepository['health'];
  if (options.healthCheck) {
    try {
      health = await startLocalHealthCheck(url, options.dataDir, options.trust, clock, options.healthCheck);
    } catch (error) {
      await closeServer(server);
      await s3.close();
      throw error;
    }
  }

  // A publish interrupted by a crash or kill left its manifest without a receipt. In AWS the S3
  // event (Lambda retries) or the SQS message is delivered again; here nothing would, so at
  // startup every such bundle goes through the same handler, as if its manifest had just landed.
  enqueue(async () => {
    const ingest = s3.store(INGEST_BUCKET);
    for await (const key of ingest.list('bundles/')) {
      const bundleId = bundleIdOfManifestKey(key);
      if (!bundleId || (await ingest.head(receiptKey(bundleId)))) continue;
      console.log(`ca-repo local: resuming bundle ${bundleId}: its publish was interrupted (no receipt)`);
      const record = { s3: { object: { key: encodeS3EventKey(manifestKey(bundleId)) } } };
      enqueue(async () => {
        for (const receipt of await handler({ Records: [record] })) options.onReceipt?.(receipt);
      }, `publish of the interrupted bundle ${bundleId}`);
    }
  }, 'the search for interrupted publishes');

  return {
    url,
    s3,
    cdn,
    outage: { primary, replica },
    ...(health ? { health } : {}),
    idle: async () => {
      // Replications enqueued by a publish land behind it: wait until the queue stops growing.
      let current: Promise<void>;
      do {
        current = queue;
        await current;
      } while (current !== queue);
    },
    close: async () => {
      await health?.schedule.stop();
      await closeServer(server);
      await queue;
      await s3.close();
    },
  };
}

async function replicate(s3: EmbeddedS3, key: string): Promise<void> {
  const object = await s3.store(REPOSITORY_BUCKET).get(key);
  if (!object) return;
  await s3.store(REPLICA_BUCKET).put(key, object.body, {
    contentType: object.contentType,
    cacheControl: object.cacheControl,
    expires: object.expires,
    metadata: object.metadata,
  });
}

/** The health checker the scheduled Lambda runs in AWS, on an interval against this repository. */
async function startLocalHealthCheck(
  url: string,
  dataDir: string,
  trust: Uint8Array[],
  clock: Clock,
  options: LocalHealthCheckOptions,
): Promise<{ ledgerDir: string; schedule: HealthSchedule }> {
  const ledgerDir = join(dataDir, 'health-ledger');
  const probe = await HealthProbe.create({
    http: new NodeHttpClient(),
    clock,
    trust: await TrustStore.fromDer(trust),
    repositoryUrls: [url],
    sentinels: options.sentinels,
    thresholds: options.thresholds,
  });
  const ledger = new HealthLedger({ store: new DirectoryObjectStore(ledgerDir) });
  const onError = options.onError ?? ((error) => console.error('ca-repo local: health check failed:', error));
  const schedule = startHealthSchedule({
    intervalMs: options.intervalSeconds * 1000,
    check: () => runHealthCheck({ probe, ledger, clock }),
    onOutcome: (outcome) => {
      if (outcome.ledgerError !== undefined) onError(outcome.ledgerError);
      options.onOutcome?.(outcome);
    },
    onError,
  });
  return { ledgerDir, schedule };
}

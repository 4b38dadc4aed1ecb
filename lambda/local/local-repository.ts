/**
 * `ca-repo local`: the repository on one machine. An embedded S3-protocol server (s3rver) holds
 * the ingest, repository and (optionally) replica buckets. Its ObjectCreated events on the ingest
 * bucket go to the dispatcher handler the dispatcher Lambda runs, which queues one message per part
 * on an in-process queue with SQS's delivery rules; the queue feeds the worker handler the worker
 * Lambda runs. On the repository bucket the events stand in for cross-Region replication. A local
 * CloudFront (LocalCdn) runs the built edge code in front of the buckets. At startup, a bundle whose
 * publish was interrupted (manifest without a receipt) is dispatched again, as AWS would redeliver.
 */
import { INGEST_DISCOVERY_PATH, type IngestDiscovery } from '../core/contract/ingest-discovery.ts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { DirectoryObjectStore } from '../storage/directory-object-store.ts';
import { NodeHttpClient } from '../adapters/node-http-client.ts';
import { decodeS3EventKey, encodeS3EventKey } from '../adapters/s3-event.ts';
import { systemClock } from '../adapters/system-clock.ts';
import type { HealthThresholds } from '../core/health/health-thresholds.ts';
import type { CacheCaps } from '../core/serving/cache-policy.ts';
import type { ValidationPolicy } from '../core/policy.ts';
import type { CaPolicies } from '../core/publish/ca-policy.ts';
import { TrustStore } from '../core/pki/trust-store.ts';
import { bundleIdOfManifestKey, manifestKey, receiptKey } from '../core/publish/bundle.ts';
import { createPublishDispatchHandler } from '../handlers/publish-dispatch-handler.ts';
import { createPublishWorkerHandler } from '../handlers/publish-worker-handler.ts';
import {
  PUBLISH_WORK_QUEUE,
  serialisePartMessage,
  type PartQueue,
} from '../core/contract/publish-work-queue.ts';
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
import { writeInitialIndex } from '../services/publish/initial-index.ts';
import { DEFAULT_CACHE_CAPS } from '../core/serving/cache-policy.ts';
import type { Receipt } from '../core/publish/receipt.ts';
import { startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.ts';
import { InProcessQueue, type InProcessQueueSettings } from './in-process-queue.ts';
import { closeServer, listen, portOf } from './http-server.ts';
import { LocalCdn } from './local-cdn.ts';
import { OutageSwitch } from './outage-switch.ts';

export const INGEST_BUCKET = 'ca-repo-ingest';
export const REPOSITORY_BUCKET = 'ca-repo-repository';
export const REPLICA_BUCKET = 'ca-repo-replica';

/**
 * `fan-out`: the dispatcher queues one message per part and workers publish the parts, as in AWS.
 * `single-process`: the dispatcher publishes the whole bundle itself (no queue), for comparison.
 */
export type PublishPath = 'fan-out' | 'single-process';

/**
 * The local work queue keeps the deployed queue's receive count and batch size. Its visibility
 * timeout only spaces the retries of a failed part (the queue never hands out a message whose
 * worker still runs), so one second replaces SQS's 30 minutes. One worker at a time: parts of a
 * bundle are published one after another, as the single-process path does, on the event loop that
 * also serves relying parties (two workers publish about a third faster on two cores).
 */
export const LOCAL_WORK_QUEUE: InProcessQueueSettings = {
  visibilityTimeoutMs: 1000,
  maxReceiveCount: PUBLISH_WORK_QUEUE.maxReceiveCount,
  batchSize: PUBLISH_WORK_QUEUE.batchSize,
  concurrency: 1,
};

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
  /** Public base URLs relying parties use (`http://repo.example.jp`); default the local address. */
  publicBaseUrls?: readonly string[];
  /** Each pinned CA's lint profile, CRL scope and retirement, by CA SHA-256. */
  caPolicies?: CaPolicies;
  /**
   * Called with each receipt (the CLI prints them; tests await them). In a fan-out, two workers
   * that finish a bundle together both report it.
   */
  onReceipt?: (receipt: Receipt) => void;
  /** Default `fan-out`. */
  publishPath?: PublishPath;
  /** The fan-out's work queue; unset fields take LOCAL_WORK_QUEUE's. */
  workQueue?: Partial<InProcessQueueSettings>;
  /** Probe this repository as a relying party on an interval, recording to `<dataDir>/health-ledger`. */
  healthCheck?: LocalHealthCheckOptions;
  /** How long a local CDN invalidation stays InProgress (LocalCdn's default when unset). */
  invalidationDelayMs?: number;
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
  /** What the publish gate takes as the repository's public base URLs. */
  publicBaseUrls: readonly string[];
  s3: EmbeddedS3;
  cdn: LocalCdn;
  /** The queue between the dispatcher and the workers (fan-out only): counts and dead letters. */
  workQueue?: InProcessQueue;
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
  const cdn = new LocalCdn({
    primary,
    replica,
    clock,
    ocspPathPrefix,
    caps: options.cacheCaps,
    invalidationDelayMs: options.invalidationDelayMs,
  });
  // The local address is known once the server listens (port 0 picks one): the array is filled then.
  const publicBaseUrls: string[] = [...(options.publicBaseUrls ?? [])];
  const service = new PublishService({
    publicBaseUrls,
    caPolicies: options.caPolicies,
    ingest: s3.store(INGEST_BUCKET),
    repository: s3.store(REPOSITORY_BUCKET),
    trust,
    clock,
    policy: options.policy,
    cacheCaps: options.cacheCaps,
    ocspUrl: ocspPathPrefix,
    title: options.title,
    cdn: {
      invalidate: async (paths) => cdn.createInvalidation(paths),
      waitForCompletion: (id, timeoutMs) => cdn.waitForInvalidation(id, timeoutMs),
    },
  });
  const onReceipt = (receipt: Receipt) => options.onReceipt?.(receipt);
  const workQueue =
    (options.publishPath ?? 'fan-out') === 'fan-out'
      ? new InProcessQueue(createPublishWorkerHandler({ service, onReceipt }), {
          ...LOCAL_WORK_QUEUE,
          ...options.workQueue,
          name: 'ca-repo-local-publish-work',
          onDeadLetter: (letter) =>
            console.error(
              `ca-repo local: part message ${letter.body} dead-lettered after ${letter.receiveCount} receives; send the bundle again (a restart resumes it too)`,
            ),
        })
      : undefined;
  const parts: PartQueue | undefined = workQueue && {
    sendParts: async (bundleId, indexes) =>
      void workQueue.send(indexes.map((part) => serialisePartMessage({ bundleId, part }))),
  };
  const dispatch = createPublishDispatchHandler({ service, queue: parts, onReceipt });

  // Dispatches run one after another, as a Lambda with reserved concurrency 1 would take them;
  // replication copies each new repository object to the replica afterwards, as S3 CRR does.
  let serial: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>, what: string) => {
    serial = serial
      .then(work)
      .catch((error: unknown) => console.error(`ca-repo local: ${what} failed:`, error));
  };
  s3.onS3Event((event) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const bucket = record.s3.bucket.name;
      if (bucket === INGEST_BUCKET) {
        enqueue(() => dispatch({ Records: [record] }), 'publish');
      } else if (bucket === REPOSITORY_BUCKET && options.replica) {
        const key = decodeS3EventKey(record.s3.object.key);
        enqueue(() => replicate(s3, key), `replication of ${key}`);
      }
    }
  });

  // Before the first publish, an empty index and a page saying so, never over a real index.
  try {
    await writeInitialIndex(
      s3.store(REPOSITORY_BUCKET),
      ocspPathPrefix,
      options.cacheCaps ?? DEFAULT_CACHE_CAPS,
      options.title,
    );
  } catch (error) {
    await s3.close();
    throw error;
  }

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
  if (publicBaseUrls.length === 0) publicBaseUrls.push(url);
  let health: LocalRepository['health'];
  if (options.healthCheck) {
    try {
      health = await startLocalHealthCheck(url, options.dataDir, options.trust, clock, {
        ...options.healthCheck,
        caPolicies: options.caPolicies,
      });
    } catch (error) {
      await closeServer(server);
      await s3.close();
      throw error;
    }
  }

  // A publish interrupted by a crash or kill left its manifest without a receipt. In AWS the S3
  // event (Lambda retries) or the SQS message is delivered again; here the queue died with the
  // process, so at startup every such bundle goes to the dispatcher, as if its manifest had just
  // landed. A bundle whose part was dead-lettered has no receipt either: it is retried here too.
  enqueue(async () => {
    const ingest = s3.store(INGEST_BUCKET);
    for await (const key of ingest.list('bundles/')) {
      const bundleId = bundleIdOfManifestKey(key);
      if (!bundleId || (await ingest.head(receiptKey(bundleId)))) continue;
      console.log(`ca-repo local: resuming bundle ${bundleId}: its publish was interrupted (no receipt)`);
      const record = { s3: { object: { key: encodeS3EventKey(manifestKey(bundleId)) } } };
      enqueue(() => dispatch({ Records: [record] }), `publish of the interrupted bundle ${bundleId}`);
    }
  }, 'the search for interrupted publishes');

  // Work begets work (a dispatch queues parts, a worker's writes replicate): wait until none grows.
  const idle = async () => {
    for (;;) {
      const current = serial;
      await current;
      await workQueue?.idle();
      if (current === serial && !workQueue?.depth) return;
    }
  };

  return {
    url,
    publicBaseUrls,
    s3,
    cdn,
    ...(workQueue ? { workQueue } : {}),
    outage: { primary, replica },
    ...(health ? { health } : {}),
    idle,
    close: async () => {
      await health?.schedule.stop();
      await closeServer(server);
      // Publishes under way finish first; a part that keeps failing ends in the dead letters.
      await idle();
      await workQueue?.stop();
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
  options: LocalHealthCheckOptions & { caPolicies?: CaPolicies },
): Promise<{ ledgerDir: string; schedule: HealthSchedule }> {
  const ledgerDir = join(dataDir, 'health-ledger');
  const probe = await HealthProbe.create({
    http: new NodeHttpClient(),
    clock,
    trust: await TrustStore.fromDer(trust),
    repositoryUrls: [url],
    sentinels: options.sentinels,
    thresholds: options.thresholds,
    caPolicies: options.caPolicies,
  });
  const ledgerStore = new DirectoryObjectStore(ledgerDir);
  await ledgerStore.sweepAbandonedPartials();
  const ledger = new HealthLedger({ store: ledgerStore });
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

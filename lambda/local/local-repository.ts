/**
 * `ca-repo local`: the repository on one machine. An embedded S3-protocol server (s3rver) holds
 * the ingest and repository buckets; its ObjectCreated events drive the same publish handler the
 * Lambda runs; an HTTP server answers relying parties as the CDN will.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { systemClock } from '../adapters/system-clock.ts';
import type { CacheCaps } from '../core/cache-policy.ts';
import type { ValidationPolicy } from '../core/policy.ts';
import { TrustStore } from '../core/trust-store.ts';
import { createPublishHandler } from '../handlers/publish-handler.ts';
import type { Clock } from '../services/ports.ts';
import { PublishService, type Receipt } from '../services/publish-service.ts';
import { RepositoryReader } from '../services/repository-reader.ts';
import { startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.ts';
import { closeServer, listen, portOf } from './http-server.ts';

export const INGEST_BUCKET = 'ca-repo-ingest';
export const REPOSITORY_BUCKET = 'ca-repo-repository';
/** Where the uploader CLI learns the local ingest store; the CDN never serves this path. */
export const INGEST_DISCOVERY_PATH = '/_ca-repo/ingest';

export interface IngestDiscovery {
  endpoint: string;
  bucket: string;
  region: string;
}

export interface LocalRepositoryOptions {
  /** HTTP port for relying parties; 0 picks a free one. */
  port: number;
  host?: string;
  /** Data directory: buckets persist here across restarts. */
  dataDir: string;
  /** DER of the pinned CA certificates. */
  trust: Uint8Array[];
  clock?: Clock;
  policy?: ValidationPolicy;
  cacheCaps?: CacheCaps;
  title?: string;
  /** Called with each receipt (the CLI prints them; tests await them). */
  onReceipt?: (receipt: Receipt) => void;
}

export interface LocalRepository {
  url: string;
  s3: EmbeddedS3;
  /** Resolves when every publish started so far has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalRepository(options: LocalRepositoryOptions): Promise<LocalRepository> {
  const clock = options.clock ?? systemClock;
  const trust = await TrustStore.fromDer(options.trust);
  const s3Dir = join(options.dataDir, 's3');
  await mkdir(s3Dir, { recursive: true });
  const s3 = await startEmbeddedS3({ directory: s3Dir, buckets: [INGEST_BUCKET, REPOSITORY_BUCKET] });
  const repository = s3.store(REPOSITORY_BUCKET);
  const service = new PublishService({
    ingest: s3.store(INGEST_BUCKET),
    repository,
    trust,
    clock,
    policy: options.policy,
    cacheCaps: options.cacheCaps,
    title: options.title,
  });
  const handler = createPublishHandler(service);

  // Publishes run one after another, as a Lambda with reserved concurrency 1 would take them.
  let queue: Promise<void> = Promise.resolve();
  // The handler gets the notification exactly as S3 would deliver it to Lambda (keys URL-encoded).
  s3.onS3Event((event) => {
    const created = event.Records.filter(
      (r) => r.s3.bucket.name === INGEST_BUCKET && r.eventName.startsWith('ObjectCreated:'),
    );
    if (created.length === 0) return;
    queue = queue.then(async () => {
      try {
        for (const receipt of await handler({ Records: created })) options.onReceipt?.(receipt);
      } catch (error) {
        console.error('ca-repo local: publish failed:', error);
      }
    });
  });

  const reader = new RepositoryReader({ store: repository, clock, cacheCaps: options.cacheCaps });
  const discovery: IngestDiscovery = { endpoint: s3.endpoint, bucket: INGEST_BUCKET, region: 'us-east-1' };
  let server: Server;
  try {
    server = await listen(
      async (request) => {
        if (request.url === INGEST_DISCOVERY_PATH) {
          const body = Buffer.from(JSON.stringify(discovery));
          return {
            status: 200,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
            body,
          };
        }
        return reader.respond(request);
      },
      options.port,
      options.host,
    );
  } catch (error) {
    await s3.close();
    throw error;
  }

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${portOf(server)}`,
    s3,
    idle: () => queue,
    close: async () => {
      await closeServer(server);
      await queue;
      await s3.close();
    },
  };
}

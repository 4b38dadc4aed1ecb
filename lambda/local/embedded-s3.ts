import { AsyncLocalStorage } from 'node:async_hooks';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import { S3ObjectStore } from '../storage/s3-object-store.ts';
import {
  decodeS3EventKey,
  encodeS3EventKey,
  type S3Event,
  type S3EventRecord,
} from '../adapters/s3-event.ts';
import { embeddedS3Client } from '../storage/embedded-s3-client.ts';
import {
  makeObjectWritesAtomic,
  repairInterruptedWrites,
  sweepAbandonedPartialFiles,
} from './s3rver-atomic-objects.ts';
import { enforceConditionalWrites } from './s3rver-conditional-writes.ts';

export type { S3Event, S3EventRecord };

export interface EmbeddedS3Options {
  /** Where s3rver keeps buckets; kept across restarts. */
  directory: string;
  /** Created if missing. */
  buckets: string[];
  /** 0 = any free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  address?: string;
  /** Where a failing event listener is reported (events never fail the write). Default: console.error. */
  onListenerError?: (error: unknown, event: S3Event) => void;
}

/** An `s3:ObjectCreated:*` notification reduced to what a handler needs; `key` is decoded. */
export interface ObjectCreatedEvent {
  bucket: string;
  key: string;
  size: number;
  /** `ObjectCreated:Put`, `ObjectCreated:Copy`, `ObjectCreated:CompleteMultipartUpload`, ... */
  eventName: string;
}

export interface EmbeddedS3 {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  client: S3Client;
  store(bucket: string): S3ObjectStore;
  onObjectCreated(listener: (event: ObjectCreatedEvent) => void | Promise<void>): void;
  /** Every notification (ObjectCreated:* and ObjectRemoved:*), shaped as a Lambda receives it. */
  onS3Event(listener: (event: S3Event) => void | Promise<void>): void;
  /** Waits for pending event deliveries, then stops the server. */
  close(): Promise<void>;
}

const OBJECT_FILE_SUFFIX = '._S3rver_object';

/**
 * Runs s3rver in-process and returns an AWS SDK client wired to it.
 *
 * s3rver 3.7 needs four corrections to behave like S3 for this project:
 * - Atomic replacement: s3rver rewrites an object in place, so a GET racing a PUT could read a torn
 *   body; see s3rver-atomic-objects.ts.
 * - ListObjectsV2 pagination: s3rver encrypts continuation tokens with DES, which OpenSSL 3 (Node >= 17)
 *   refuses, so any truncated listing answers 500. V2 requests are served through s3rver's V1 listing with
 *   our own plain token.
 * - Listing order: s3rver lists in directory-walk order, so `a/b` comes before `a.txt` and a marker skips
 *   keys. The store's listing is replaced by one that sorts by UTF-8 bytes, as S3 does.
 * - Notifications: s3rver reports CompleteMultipartUpload as `ObjectCreated:Post`, leaves keys unencoded and
 *   emits synchronously inside the request (a throwing listener would fail the upload). Events are
 *   reshaped as AWS sends them and delivered asynchronously after the write.
 */
export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const address = options.address ?? '127.0.0.1';
  await sweepAbandonedPartialFiles(options.directory);
  const server = new S3rver({
    address,
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    resetOnClose: false,
    // The client is path-style; never guess a bucket from the Host header (e.g. a docker hostname).
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });

  const requestScope = new AsyncLocalStorage<RequestInfo>();
  const store = server.store;
  await repairInterruptedWrites(store, options.directory);
  const storeClass = store.constructor as unknown as S3rver.FilesystemStoreClass;
  const { getMetadata } = makeObjectWritesAtomic(store);
  insertBeforeRouter(server, [
    (context, next) => requestScope.run({ method: context.method, query: context.query }, next),
    serveListObjectsV2WithoutDes,
    // s3rver ignores If-None-Match / If-Match on PUT; the gate's compare-and-swap writes need them.
    enforceConditionalWrites((bucket, key) =>
      getMetadata(bucket, key).then(
        (metadata) => metadata.etag,
        () => undefined,
      ),
    ),
  ]);
  store.listObjects = (bucket, listOptions) =>
    listObjectsInByteOrder(store, getMetadata, storeClass.decodeKeyPath, bucket, listOptions);

  const createdListeners: ((event: ObjectCreatedEvent) => void | Promise<void>)[] = [];
  const eventListeners: ((event: S3Event) => void | Promise<void>)[] = [];
  const deliveries = new Set<Promise<void>>();
  const reportListenerError =
    options.onListenerError ??
    ((error: unknown, event: S3Event) =>
      console.error(`embedded S3: listener for ${event.Records[0]?.eventName} failed`, error));

  const deliver = (event: S3Event, listener: () => void | Promise<void>) => {
    // Like S3 → Lambda: after the write is acknowledged, and a failing consumer never fails the write.
    const delivery = new Promise<void>((resolve) => setImmediate(resolve))
      .then(listener)
      .catch((error: unknown) => reportListenerError(error, event))
      .finally(() => deliveries.delete(delivery));
    deliveries.add(delivery);
  };

  server.on('event', (raw) => {
    const event = reshapeEvent(raw, requestScope.getStore());
    for (const listener of eventListeners) deliver(event, () => listener(event));
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const created: ObjectCreatedEvent = {
        bucket: record.s3.bucket.name,
        key: decodeS3EventKey(record.s3.object.key),
        size: record.s3.object.size ?? 0,
        eventName: record.eventName,
      };
      for (const listener of createdListeners) deliver(event, () => listener(created));
    }
  });

  const { port } = await server.run();
  const endpoint = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const client = embeddedS3Client({ endpoint });

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    client,
    store: (bucket) => new S3ObjectStore({ client, bucket }),
    onObjectCreated(listener) {
      createdListeners.push(listener);
    },
    onS3Event(listener) {
      eventListeners.push(listener);
    },
    close() {
      // Memoised: a second close (e.g. a test's afterAll after a failed test closed it) must not throw.
      closing ??= shutDown();
      return closing;
    },
  };

  async function shutDown(): Promise<void> {
    // Listeners may write (and so trigger more events) while the server is still up.
    while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
    client.destroy();
    const stopped = server.close();
    // Otherwise close() waits for idle keep-alive sockets (other clients') to time out.
    server.httpServer?.closeAllConnections();
    await stopped;
  }
}

interface RequestInfo {
  method: string;
  query: S3rver.Context['query'];
}

function reshapeEvent(raw: S3rver.Event, request: RequestInfo | undefined): S3Event {
  return {
    Records: raw.Records.map((record) => ({
      ...record,
      eventName: isCompleteMultipartUpload(record.eventName, request)
        ? 'ObjectCreated:CompleteMultipartUpload'
        : record.eventName,
      s3: {
        ...record.s3,
        bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
        object: { ...record.s3.object, key: encodeS3EventKey(record.s3.object.key) },
      },
    })),
  };
}

/** s3rver names both browser form uploads and multipart completions `Post`; only the latter has an uploadId. */
function isCompleteMultipartUpload(eventName: string, request: RequestInfo | undefined): boolean {
  return (
    eventName === 'ObjectCreated:Post' && request?.method === 'POST' && request.query.uploadId !== undefined
  );
}

function insertBeforeRouter(server: S3rver, middleware: S3rver.Middleware[]): void {
  // Placed after s3rver's XML encoder and vhost rewrite, so paths are path-style and bodies still objects.
  const router = server.middleware.at(-1);
  if (router?.name !== 'dispatch') {
    throw new Error('embedded S3: unexpected s3rver middleware layout (is s3rver still 3.7?)');
  }
  server.middleware.splice(-1, 0, ...middleware);
}

interface ListBucketResult {
  [field: string]: unknown;
  IsTruncated: boolean;
  Contents: { Key: string; Owner?: unknown }[];
  CommonPrefixes: { Prefix: string }[];
}

/** Answers ListObjectsV2 through s3rver's V1 listing, which pages with a plain marker instead of DES. */
async function serveListObjectsV2WithoutDes(context: S3rver.Context, next: () => Promise<void>) {
  const match = /^\/([^/]+)\/?$/.exec(context.path);
  const bucket = match?.[1];
  if (context.method !== 'GET' || firstValue(context.query['list-type']) !== '2' || bucket === undefined) {
    return next();
  }
  const {
    'list-type': _listType,
    'continuation-token': tokenParameter,
    'start-after': startAfterParameter,
    'fetch-owner': fetchOwner,
    ...rest
  } = context.query;
  const token = firstValue(tokenParameter);
  const startAfter =
    token === undefined ? firstValue(startAfterParameter) : readContinuationToken(token, bucket);
  context.query = startAfter ? { ...rest, marker: startAfter } : rest;

  await next();

  const result = (context.body as { ListBucketResult?: ListBucketResult } | undefined)?.ListBucketResult;
  if (!result) return;
  const {
    Marker: _marker,
    NextMarker: _nextMarker,
    IsTruncated,
    Contents,
    CommonPrefixes,
    ...fields
  } = result;
  const lastEntry = [Contents.at(-1)?.Key, CommonPrefixes.at(-1)?.Prefix]
    .filter((entry): entry is string => entry !== undefined)
    .sort(compareUtf8)
    .at(-1);
  context.body = {
    ListBucketResult: {
      ...fields,
      IsTruncated,
      ContinuationToken: token,
      NextContinuationToken: IsTruncated && lastEntry ? writeContinuationToken(bucket, lastEntry) : undefined,
      StartAfter: token === undefined ? startAfter : undefined,
      KeyCount: Contents.length + CommonPrefixes.length,
      Contents:
        firstValue(fetchOwner) === 'true' ? Contents : Contents.map(({ Owner: _owner, ...entry }) => entry),
      CommonPrefixes,
    },
  };
}

function writeContinuationToken(bucket: string, startAfter: string): string {
  return Buffer.from(JSON.stringify([bucket, startAfter])).toString('base64');
}

function readContinuationToken(token: string, bucket: string): string {
  try {
    const [tokenBucket, startAfter] = JSON.parse(Buffer.from(token, 'base64').toString()) as unknown[];
    if (tokenBucket === bucket && typeof startAfter === 'string') return startAfter;
  } catch {
    // falls through to S3's answer for a token it did not issue
  }
  throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', {
    ArgumentName: 'continuation-token',
  });
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** S3 orders keys by their UTF-8 bytes. */
function compareUtf8(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

/**
 * s3rver's `store.listObjects` with S3's ordering. It walks every key under the prefix for each page, which is
 * fine for a local repository.
 */
async function listObjectsInByteOrder(
  store: S3rver.FilesystemStore,
  getMetadata: (bucket: string, key: string) => Promise<Record<string, string>>,
  decodeKeyPath: (keyPath: string) => string,
  bucket: string,
  options: S3rver.ListObjectsOptions,
): Promise<S3rver.ListObjectsResult> {
  const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
  const keys: string[] = [];
  await collectKeys(store.getBucketPath(bucket), '', prefix, decodeKeyPath, keys);
  keys.sort(compareUtf8);

  const objectKeys: string[] = [];
  const commonPrefixes: string[] = [];
  let isTruncated = false;
  for (const key of keys) {
    if (startAfter && compareUtf8(key, startAfter) <= 0) continue;
    const delimiterAt = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const commonPrefix = delimiterAt === -1 ? undefined : key.slice(0, delimiterAt + delimiter.length);
    if (
      commonPrefix !== undefined &&
      (commonPrefix === commonPrefixes.at(-1) || (startAfter && compareUtf8(commonPrefix, startAfter) <= 0))
    ) {
      continue;
    }
    if (objectKeys.length + commonPrefixes.length === maxKeys) {
      isTruncated = true;
      break;
    }
    if (commonPrefix === undefined) objectKeys.push(key);
    else commonPrefixes.push(commonPrefix);
  }

  const listed = await Promise.all(
    objectKeys.map(async (key): Promise<S3rver.ListedObject | undefined> => {
      const metadata = await getMetadata(bucket, key).catch((error: NodeJS.ErrnoException) => {
        // Deleted since the walk: S3 would not list it either.
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      return (
        metadata && {
          key,
          metadata,
          size: Number(metadata['content-length']),
          lastModifiedDate: new Date(metadata['last-modified'] ?? 0),
        }
      );
    }),
  );
  return {
    objects: listed.filter((object) => object !== undefined),
    commonPrefixes,
    isTruncated,
  };
}

/** Collects the keys of object files under `directory` that start with `prefix`, pruning other subtrees. */
async function collectKeys(
  directory: string,
  keyPrefix: string,
  prefix: string,
  decodeKeyPath: (keyPath: string) => string,
  into: string[],
): Promise<void> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const name = decodeKeyPath(entry.name);
    if (entry.isDirectory()) {
      const nested = `${keyPrefix}${name}/`;
      if (nested.startsWith(prefix) || prefix.startsWith(nested)) {
        await collectKeys(join(directory, entry.name), nested, prefix, decodeKeyPath, into);
      }
    } else if (name.endsWith(OBJECT_FILE_SUFFIX)) {
      const key = keyPrefix + name.slice(0, -OBJECT_FILE_SUFFIX.length);
      if (key.startsWith(prefix)) into.push(key);
    }
  }
}

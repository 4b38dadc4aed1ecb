// Minimal types for the parts of s3rver 3.7 (CommonJS, untyped) that lambda/local/embedded-s3.ts uses.

declare module 's3rver' {
  type AddressInfo = import('node:net').AddressInfo;
  type HttpServer = import('node:http').Server;

  namespace S3rver {
    interface Options {
      address?: string;
      port?: number;
      silent?: boolean;
      directory?: string;
      resetOnClose?: boolean;
      allowMismatchedSignatures?: boolean;
      vhostBuckets?: boolean;
      serviceEndpoint?: string;
      configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
    }

    /** The Koa context, as far as a middleware placed before s3rver's router needs it. */
    interface Context {
      method: string;
      /** Path-style after s3rver's vhost middleware: `/bucket/key`. */
      path: string;
      query: Record<string, string | string[] | undefined>;
      body: unknown;
      status: number;
      get(header: string): string;
    }

    type Middleware = (context: Context, next: () => Promise<void>) => unknown;

    /** What s3rver's `'event'` emitter sends (lib/models/event.js): an S3 notification, key not encoded. */
    interface Event {
      Records: import('../adapters/s3-event.ts').S3EventRecord[];
    }

    interface ListObjectsOptions {
      delimiter?: string;
      startAfter?: string;
      prefix?: string;
      maxKeys?: number;
    }

    /** What s3rver's bucket controller reads from each listed object. */
    interface ListedObject {
      key: string;
      metadata: Record<string, string>;
      size: number;
      lastModifiedDate: Date;
    }

    interface ListObjectsResult {
      objects: ListedObject[];
      commonPrefixes: string[];
      isTruncated: boolean;
    }

    /** lib/models/object.js as the store receives it: a buffered or streamed body. */
    interface StoredObject {
      bucket: string;
      key: string;
      content: Buffer | import('node:stream').Readable;
      metadata: Record<string, string>;
    }

    interface FilesystemStore {
      getBucketPath(bucket: string): string;
      getResourcePath(bucket: string, key: string, resource: string): string;
      getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
      putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
      getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<unknown>;
      putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
      deleteObject(bucket: string, key: string): Promise<void>;
      listObjects(bucket: string, options: ListObjectsOptions): Promise<ListObjectsResult>;
    }

    interface FilesystemStoreClass {
      decodeKeyPath(keyPath: string): string;
    }
  }

  class S3rver {
    constructor(options?: S3rver.Options);
    /** Koa's middleware list; composed when the server starts listening. */
    middleware: S3rver.Middleware[];
    store: S3rver.FilesystemStore;
    httpServer?: HttpServer;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'event', listener: (event: S3rver.Event) => void): this;
  }

  export = S3rver;
}

declare module 's3rver/lib/models/error.js' {
  /** Rendered by s3rver as an S3 XML error with the status S3 uses for `code`. */
  class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, unknown>);
  }
  export = S3Error;
}

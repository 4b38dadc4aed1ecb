/**
 * One place for how ca-repo builds and runs its Lambda functions: runtimes, architecture, ESM
 * bundling, log groups and roles. Regional functions are bundled by NodejsFunction (local esbuild,
 * never Docker); Lambda@Edge functions are bundled here with esbuild's API because EdgeFunction
 * takes plain `lambda.Code`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Root of the ca-repo package: handler entry points and the lock file live under it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Newest Node.js runtime Lambda offers (cdk-nag AwsSolutions-L1 expects the newest). */
export const REGIONAL_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** Newest Node.js runtime Lambda@Edge accepts; Lambda@Edge lags regional Lambda. */
export const EDGE_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Lambda handler entry points, relative to the package root. Written by the publish and OCSP issues. */
export const HANDLER_ENTRIES = {
  publishDispatcher: 'lambda/handlers/publish-lambda.ts',
  publishWorker: 'lambda/handlers/publish-worker-lambda.ts',
  ocspOriginRequest: 'lambda/handlers/ocsp-origin-request-lambda.ts',
  ocspOriginResponse: 'lambda/handlers/ocsp-origin-response-lambda.ts',
} as const;

/**
 * esbuild output is ESM (`index.mjs`); CommonJS dependencies bundled into it call `require`,
 * which ESM lacks, so the banner recreates it.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __caRepoCreateRequire } from 'node:module'; const require = __caRepoCreateRequire(import.meta.url);";

export class LambdaBundlingError extends Error {
  override name = 'LambdaBundlingError';
}

/** Fails synth with a clear message instead of NodejsFunction silently trying Docker. */
export function assertEsbuildInstalled(): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch {
    throw new LambdaBundlingError(
      'esbuild is not installed: run `npm ci` in the ca-repo package (Lambda code is bundled locally, never in Docker)',
    );
  }
}

export function entryPath(entry: string): string {
  const path = join(PACKAGE_ROOT, entry);
  if (!existsSync(path)) {
    throw new LambdaBundlingError(`Lambda handler ${entry} does not exist under ${PACKAGE_ROOT}`);
  }
  return path;
}

export interface RegionalFunctionProps {
  /** Handler entry, one of HANDLER_ENTRIES. */
  entry: string;
  description: string;
  environment: Record<string, string>;
  memorySize: number;
  timeout: Duration;
  logRetentionDays: number;
  layers?: lambda.ILayerVersion[];
  /** Async invocations only (S3 notifications): where events go once retries are exhausted. */
  deadLetterQueue?: sqs.IQueue;
  retryAttempts?: number;
  /**
   * Concurrency reserved for this function alone: a runaway elsewhere in the account cannot starve
   * it, and it cannot run away itself. Absent: the account's unreserved pool.
   */
  reservedConcurrentExecutions?: number;
}

/**
 * A regional Node.js function with its own log group (retention from the configuration) and its
 * own role, which may write only to that log group: no AWS managed policy, no `Resource: *`.
 */
export class RegionalFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RegionalFunctionProps) {
    super(scope, id);
    assertEsbuildInstalled();
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetentionDays as logs.RetentionDays,
      // Publish logs are part of the operational record investigators ask for.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: entryPath(props.entry),
      handler: 'handler',
      description: props.description,
      runtime: REGIONAL_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      layers: props.layers,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      projectRoot: PACKAGE_ROOT,
      depsLockFilePath: join(PACKAGE_ROOT, 'package-lock.json'),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        target: 'node24',
        // The pinned SDK in package-lock.json, not whatever version the runtime ships this month.
        bundleAwsSDK: true,
        forceDockerBundling: false,
      },
    });
    this.logGroup.grantWrite(this.role);
  }
}

export interface EdgeBundleOptions {
  /** Handler entry, one of HANDLER_ENTRIES. */
  entry: string;
  /** Directory that receives `<name>-<sha256>/index.mjs`. */
  buildDirectory: string;
  name: string;
}

/**
 * Bundles a Lambda@Edge handler into a directory holding only `index.mjs` and returns it. The
 * directory is named after the content hash, so concurrent synths write identical bytes and a
 * rebuild of unchanged code reuses the same asset.
 */
export function bundleEdgeHandler(options: EdgeBundleOptions): string {
  assertEsbuildInstalled();
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const result = esbuild.buildSync({
    entryPoints: [entryPath(options.entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    write: false,
    outfile: 'index.mjs',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new LambdaBundlingError(`esbuild produced no output for ${options.entry}`);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const dir = join(options.buildDirectory, `${options.name}-${hash}`);
  if (!existsSync(join(dir, 'index.mjs'))) {
    mkdirSync(dir, { recursive: true });
    const temporary = join(dir, `.index.mjs.${process.pid}`);
    writeFileSync(temporary, code);
    renameSync(temporary, join(dir, 'index.mjs'));
  }
  return dir;
}

/**
 * The code CloudFront runs: a CloudFront Function on viewer-request (GET: decode the request and
 * rewrite the URI to the stored response's key, so every encoding shares one cache entry) and
 * Lambda@Edge on origin-request (POST: CloudFront Functions cannot read a body; GET cache misses,
 * answered from the store with RFC 9919 headers, max-age bounded by nextUpdate, `unauthorized`
 * for an unknown CertID) on the OCSP behaviour, and origin-response on the default behaviour
 * (RFC 9919 headers, a CRL's max-age bounded by its nextUpdate, 403 → 404).
 * Lambda@Edge has no environment variables: its settings travel as origin custom headers (see
 * distribution.ts), and it reads `_ocsp/*` of the repository and replica buckets by name.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { OCSP_STORE_PREFIX } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { EDGE_FUNCTION_MEMORY_MB } from '../../lambda/core/contract/edge-function-sizing.ts';
import { buildViewerRequestFunction } from '../../lambda/edge/build-viewer-request.ts';
import { bundleEdgeHandler, EDGE_RUNTIME, HANDLER_ENTRIES } from './lambda-defaults.ts';
import { acknowledge } from './nag.ts';

export interface OcspEdgeProps {
  ocspPathPrefix: string;
  repositoryBucketName: string;
  replicaBucketName?: string;
  /** Name of the us-east-1 stack EdgeFunction creates for the Lambda@Edge functions. */
  edgeStackName: string;
  /** Scratch directory for the built function code. */
  buildDirectory: string;
}

export class OcspEdge extends Construct {
  readonly viewerRequest: cloudfront.Function;
  readonly originRequest: cloudfront.experimental.EdgeFunction;
  readonly originResponse: cloudfront.experimental.EdgeFunction;

  constructor(scope: Construct, id: string, props: OcspEdgeProps) {
    super(scope, id);
    const functionFile = buildViewerRequestFile(props.ocspPathPrefix, props.buildDirectory);
    this.viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      code: cloudfront.FunctionCode.fromFile({ filePath: functionFile }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: `ca-repo OCSP GET decoding under ${props.ocspPathPrefix}`,
    });

    this.originRequest = this.edgeFunction('OriginRequest', props, {
      entry: HANDLER_ENTRIES.ocspOriginRequest,
      description: 'ca-repo OCSP: answers POST and GET cache misses with the stored response',
      memorySize: EDGE_FUNCTION_MEMORY_MB,
      timeout: Duration.seconds(10),
    });
    this.originResponse = this.edgeFunction('OriginResponse', props, {
      entry: HANDLER_ENTRIES.ocspOriginResponse,
      description:
        'ca-repo origin-response (default behaviour): RFC 9919 headers, max-age bounded by nextUpdate',
      memorySize: EDGE_FUNCTION_MEMORY_MB,
      timeout: Duration.seconds(10),
    });
  }

  private edgeFunction(
    id: string,
    props: OcspEdgeProps,
    options: { entry: string; description: string; memorySize: number; timeout: Duration },
  ): cloudfront.experimental.EdgeFunction {
    const fn = new cloudfront.experimental.EdgeFunction(this, id, {
      stackId: props.edgeStackName,
      runtime: EDGE_RUNTIME,
      // Lambda@Edge runs x86_64 only.
      architecture: lambda.Architecture.X86_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(
        bundleEdgeHandler({
          entry: options.entry,
          buildDirectory: props.buildDirectory,
          name: `edge-${id}`,
        }),
      ),
      description: options.description,
      memorySize: options.memorySize,
      timeout: options.timeout,
    });
    // The role lives in the us-east-1 stack, so bucket ARNs are written from the fixed names
    // rather than referenced across Regions. Lambda@Edge exists in the `aws` partition only.
    const buckets = [props.repositoryBucketName, props.replicaBucketName].filter((b): b is string => !!b);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadStoredOcspResponses',
        actions: ['s3:GetObject'],
        resources: buckets.map((b) => `arn:aws:s3:::${b}/${OCSP_STORE_PREFIX}*`),
      }),
    );
    const inner = fn.lambda;
    acknowledge(
      inner,
      'AwsSolutions-L1',
      `Lambda@Edge supports Node.js up to ${EDGE_RUNTIME.name}; the newest regional runtime is not accepted at the edge.`,
    );
    acknowledge(
      inner,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'Lambda@Edge writes its logs to log groups it creates in whichever Region a replica runs (/aws/lambda/us-east-1.<name> in every Region): AWSLambdaBasicExecutionRole is the policy AWS documents for that and names no other resource.',
    );
    for (const bucket of buckets) {
      acknowledge(
        inner,
        `AwsSolutions-IAM5[Resource::arn:aws:s3:::${bucket}/${OCSP_STORE_PREFIX}*]`,
        'Stored OCSP responses are keyed by CertID (hash algorithm, issuer hashes, serial), unknown in advance: read-only access to the _ocsp/ prefix of the repository bucket(s) is the narrowest grant.',
      );
    }
    return fn;
  }
}

/**
 * Builds the viewer-request function and names the file after its content: FunctionCode.fromFile
 * reads it when the template is written, and a parallel synth of the same code renames identical
 * bytes over it (atomic), never a half-written file.
 */
function buildViewerRequestFile(ocspPathPrefix: string, buildDirectory: string): string {
  const scratch = buildViewerRequestFunction({
    ocspPathPrefix,
    outFile: join(buildDirectory, `.ocsp-viewer-request-${process.pid}.js`),
  });
  const hash = createHash('sha256').update(readFileSync(scratch)).digest('hex').slice(0, 16);
  const file = join(buildDirectory, `ocsp-viewer-request-${hash}.js`);
  renameSync(scratch, file);
  return file;
}

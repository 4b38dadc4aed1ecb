/**
 * The CloudFront distribution relying parties reach. Plain HTTP is allowed and never redirected:
 * CRL distribution points, AIA and OCSP URLs are `http` (RFC 5280 §4.2.1.13, RFC 6960, CA/B Forum
 * BR) and clients do not follow redirects to HTTPS. HTTPS is offered too (TLS 1.2+ with the
 * operator's certificate). Both buckets are read through Origin Access Control only.
 *
 * - default behaviour (certificates, CRLs, CP/CPS, index): GET/HEAD from an origin group, the
 *   repository first and the replica on 403/404/5xx;
 * - OCSP behaviour (`<prefix>*`): all methods because OCSP POSTs; origin groups fail over GET
 *   only, so it targets the repository origin and the origin-request function reads the replica
 *   itself; that function answers GET cache misses too, so the behaviour has no origin-response.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { CacheCaps } from '../../lambda/core/serving/cache-policy.ts';
import { ABUSE_LABEL_HEADER, ORIGIN_HEADER } from '../../lambda/core/contract/edge-origin-headers.ts';
import type { OcspEdge } from './ocsp-edge.ts';
import { acknowledge } from './nag.ts';
import { ocspBehaviourPathPatterns, viewerFunctionRunsOn } from '../../lambda/core/ocsp/ocsp-path.ts';
import { OCSP_EDGE_MAX_SECONDS } from '../../lambda/core/serving/ocsp-edge-lifetime.ts';

/** Primary answers that send a GET/HEAD to the replica: S3 says 403 for a missing key without ListBucket. */
export const FALLBACK_STATUS_CODES = [403, 404, 500, 502, 503, 504];

export interface ReplicaOrigin {
  bucketName: string;
  region: string;
}

export interface DistributionProps {
  repository: s3.IBucket;
  replica?: ReplicaOrigin;
  edge: OcspEdge;
  ocspPathPrefix: string;
  cacheCaps: CacheCaps;
  ocspUnauthorizedMaxAgeSeconds: number;
  logBucket: s3.IBucket;
  priceClass: cloudfront.PriceClass;
  domainNames?: string[];
  certificateArn?: string;
  /** The WAF web ACL on the distribution: ca-repo's abuse limits (ocsp-web-acl.ts) or the operator's. */
  webAclArn?: string;
  /**
   * ca-repo's web ACL labels abusive OCSP POSTs with a header: forward it to the origin-request
   * function on the OCSP behaviour, which then answers tryLater.
   */
  forwardAbuseLabel?: boolean;
}

export function replicaRegionalDomainName(replica: ReplicaOrigin): string {
  return `${replica.bucketName}.s3.${replica.region}.amazonaws.com`;
}

export class RepositoryDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  /**
   * The distribution's ARN exactly as `S3BucketOrigin` writes it into the OAC Allow statement of
   * the repository bucket (`AWS:SourceArn`), for the bucket's other statements about the same reader.
   */
  readonly sourceArn: string;

  constructor(scope: Construct, id: string, props: DistributionProps) {
    super(scope, id);
    const originAccessControl = new cloudfront.S3OriginAccessControl(this, 'OriginAccessControl', {
      description: 'ca-repo: CloudFront reads the repository and replica buckets (SigV4)',
      signing: cloudfront.Signing.SIGV4_ALWAYS,
    });
    // Lambda@Edge has no environment: its settings ride on the origin as custom headers.
    const edgePolicyHeaders = {
      [ORIGIN_HEADER.cacheCaps]: JSON.stringify(props.cacheCaps),
      [ORIGIN_HEADER.unauthorizedMaxAge]: String(props.ocspUnauthorizedMaxAgeSeconds),
    };
    const primaryOrigin = origins.S3BucketOrigin.withOriginAccessControl(props.repository, {
      originAccessControl,
      originAccessLevels: [cloudfront.AccessLevel.READ],
      customHeaders: {
        ...edgePolicyHeaders,
        ...(props.replica ? { [ORIGIN_HEADER.replicaDomain]: replicaRegionalDomainName(props.replica) } : {}),
      },
    });
    let defaultOrigin: cloudfront.IOrigin = primaryOrigin;
    if (props.replica) {
      const replicaBucket = s3.Bucket.fromBucketAttributes(this, 'ReplicaBucket', {
        bucketName: props.replica.bucketName,
        region: props.replica.region,
        bucketRegionalDomainName: replicaRegionalDomainName(props.replica),
      });
      // The replica's bucket policy (replica stack) grants the OAC read, since this stack
      // cannot write a policy onto a bucket of another Region.
      const replicaOrigin = origins.S3BucketOrigin.withOriginAccessControl(replicaBucket, {
        originAccessControl,
        originAccessLevels: [cloudfront.AccessLevel.READ],
        customHeaders: edgePolicyHeaders,
      });
      defaultOrigin = new origins.OriginGroup({
        primaryOrigin,
        fallbackOrigin: replicaOrigin,
        fallbackStatusCodes: FALLBACK_STATUS_CODES,
      });
    }

    const caps = Object.values(props.cacheCaps);
    // Min TTL 0 so the Cache-Control each object carries (bounded by nextUpdate) decides; the
    // maximum is the longest cap, so no setting on an object can pin it longer.
    const cachePolicy = new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'ca-repo: honour origin Cache-Control, cache key is the path only',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(props.cacheCaps.indexSeconds),
      maxTtl: Duration.seconds(Math.max(...caps)),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // The OCSP behaviour's own policy: an answer carries s-maxage up to its BR §4.9.10 refresh
    // deadline (lambda/core/serving/ocsp-edge-lifetime.ts), which a maximum TTL of the longest
    // relying-party cap would cut to an hour. Every status change is invalidated by its publish.
    // No Accept-Encoding in its key (the behaviour does not compress): one entry per path.
    const ocspCachePolicy = new cloudfront.CachePolicy(this, 'OcspCachePolicy', {
      comment: 'ca-repo OCSP: honour the s-maxage computed per answer, cache key is the path only',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(props.cacheCaps.indexSeconds),
      maxTtl: Duration.seconds(OCSP_EDGE_MAX_SECONDS),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
    });
    const responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'ResponseHeaders', {
      comment: 'ca-repo: nosniff (as the local repository sends); no HSTS, plain HTTP must keep working',
      securityHeadersBehavior: { contentTypeOptions: { override: true } },
    });
    // Only the WAF label header: the cache key stays the path (GETs are unaffected, POSTs are not cached).
    const ocspOriginRequestPolicy = props.forwardAbuseLabel
      ? new cloudfront.OriginRequestPolicy(this, 'OcspOriginRequestPolicy', {
          comment: 'ca-repo: forward the WAF abuse label of OCSP POSTs to the origin-request function',
          headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(ABUSE_LABEL_HEADER),
          cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
          queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
        })
      : undefined;
    const originResponse: cloudfront.EdgeLambda = {
      functionVersion: props.edge.originResponse.currentVersion,
      eventType: cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE,
    };

    const ocspBehaviour: cloudfront.BehaviorOptions = {
      origin: primaryOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.ALLOW_ALL,
      // POST for OpenSSL and Firefox. The OAC grant is s3:GetObject only, so any other
      // method that reached S3 would be refused there.
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy: ocspCachePolicy,
      ...(ocspOriginRequestPolicy ? { originRequestPolicy: ocspOriginRequestPolicy } : {}),
      responseHeadersPolicy,
      compress: false,
      functionAssociations: [
        {
          function: props.edge.viewerRequest,
          eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
        },
      ],
      // origin-request only: it answers POST and GET cache misses itself (from the stores,
      // headers computed at answer time), and CloudFront caches what it generates for a GET
      // without an origin-response invocation: one paid invocation per miss, not two.
      edgeLambdas: [
        {
          functionVersion: props.edge.originRequest.currentVersion,
          eventType: cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST,
          includeBody: true,
        },
      ],
    };

    const { functionAssociations: _keyRewrite, ...ocspPostBehaviour } = ocspBehaviour;

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'ca-repo CA repository',
      defaultRootObject: 'index.html',
      priceClass: props.priceClass,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      ...(props.domainNames && props.certificateArn
        ? {
            domainNames: props.domainNames,
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: cloudfront.SSLMethod.SNI,
          }
        : {}),
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'cloudfront/',
      logIncludesCookies: false,
      webAclId: props.webAclArn,
      defaultBehavior: {
        origin: defaultOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.ALLOW_ALL,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        cachePolicy,
        responseHeadersPolicy,
        compress: true,
        // Recomputes max-age at response time so no cached CRL outlives its nextUpdate.
        edgeLambdas: [originResponse],
      },
      // The OCSP prefix itself (POST) and what is below it (GET), never a sibling path such as
      // /ocspca.crt (core/ocsp/ocsp-path.ts: one rule with the local CDN and the gate).
      // The prefix itself takes the POSTs and runs no CloudFront Function (billed per run, and a
      // Function cannot read a body): its origin-request function answers what the Function did.
      additionalBehaviors: Object.fromEntries(
        ocspBehaviourPathPatterns(props.ocspPathPrefix).map((pattern) => [
          pattern,
          viewerFunctionRunsOn(pattern, props.ocspPathPrefix) ? ocspBehaviour : ocspPostBehaviour,
        ]),
      ),
    });

    this.sourceArn = `arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution/${this.distribution.distributionId}`;

    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'A CA repository must answer relying parties wherever certificates are used (CDP, AIA and OCSP URLs are embedded in certificates); geo restriction would break revocation checking abroad.',
    );
    if (props.replica) {
      acknowledge(
        this.distribution,
        'Annotation::@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
        'The replica bucket lives in another Region’s stack; its bucket policy there grants CloudFront (OAC) read access (lib/constructs/replica-bucket.ts).',
      );
    }
    if (!props.webAclArn) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR2',
        'Everything served is public and signed by the CA (integrity does not depend on the edge), GET/HEAD hit the cache and OCSP POST bodies are parsed by a bounded DER reader; set webAclArn in the configuration to attach a WAF web ACL (e.g. rate limiting).',
      );
    }
    if (!props.certificateArn) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        'No custom domain is configured, so HTTPS uses the *.cloudfront.net default certificate whose security policy CloudFront fixes; with domainNames and certificateArn the distribution uses TLSv1.2_2021. Relying parties use the plain-HTTP URLs in certificates anyway.',
      );
    }
  }
}

/**
 * Baseline Requirements: CRL distribution points, AIA and OCSP URLs in certificates are plain
 * `http`, and the clients that fetch them do not follow a redirect to HTTPS. So every cache
 * behaviour must allow HTTP (ViewerProtocolPolicy allow-all, never redirect-to-https or
 * https-only), no HSTS header may teach browsers to upgrade, and no edge function may redirect.
 *
 * Allowing HTTP at the edge is not enough: for an S3 REST origin CloudFront forwards a cache miss
 * with the protocol the viewer used, so every origin bucket behind an HTTP behaviour must let the
 * distribution read (s3:GetObject) without TLS. Its bucket policy is evaluated for exactly that.
 */
import type { AssemblyResource, CloudAssembly } from '../cloud-assembly.ts';
import { cacheBehaviors, distributionConfig, distributionOrigins, originGroups } from '../app-topology.ts';
import {
  bucketArnOf,
  distributionArnOf,
  evaluatePolicy,
  statementName,
  type PolicyEvaluation,
} from '../policy-evaluation.ts';
import { Findings, servingDistributions, type Requirement } from '../requirement.ts';
import { bucketPolicyStatements, describeValue, isRecord, referencedResource } from '../template-query.ts';

/** A CloudFront Function that answers a 30x with an https:// location. */
function redirectsToHttps(code: string): boolean {
  return /statusCode\s*:\s*30[1278]/.test(code) && /['"]https:\/\//.test(code);
}

function behaviorName(pathPattern: string): string {
  return pathPattern === '(default)'
    ? 'the default behaviour (CRLs, CA certificates, CP/CPS)'
    : `behaviour ${pathPattern}`;
}

/** The bucket policy's answer to CloudFront reading an object for `distribution`, with or without TLS. */
function originRead(
  assembly: CloudAssembly,
  distribution: AssemblyResource,
  bucket: AssemblyResource,
  secure: boolean,
): PolicyEvaluation {
  return evaluatePolicy(bucket.stack, bucketPolicyStatements(assembly, bucket), {
    principal: { service: 'cloudfront.amazonaws.com' },
    action: 's3:GetObject',
    resource: `${bucketArnOf(bucket)}/index.json`,
    context: {
      'aws:SecureTransport': String(secure),
      'aws:SourceArn': distributionArnOf(distribution),
      'aws:SourceAccount': distribution.stack.account,
      ...(secure ? { 's3:TlsVersion': '1.2' } : {}),
    },
  });
}

function describeRead(evaluation: PolicyEvaluation): string {
  switch (evaluation.decision) {
    case 'allow':
      return `allowed (${statementName(evaluation)}; no TLS denial applies to the distribution's reads)`;
    case 'deny':
      return `denied by ${statementName(evaluation)}`;
    case 'implicit-deny':
      return 'not allowed (no statement grants it)';
    case 'unknown':
      return `cannot be decided from the template (${statementName(evaluation)})`;
  }
}

export const httpNotRedirectedRequirement: Requirement = {
  id: 'br-http-not-redirected',
  title: 'CDP, AIA and OCSP served over plain HTTP, never redirected',
  source:
    'CA/Browser Forum Baseline Requirements v2.2.6 §7.1.2 (CDP and AIA URIs use the http scheme); RFC 5280 §4.2.1.13 and §4.2.2.1; RFC 6960 Appendix A / RFC 9919 (OCSP over HTTP)',
  group: 'baseline-requirements',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const distributions = servingDistributions(assembly, findings);
    for (const distribution of distributions) {
      const groups = originGroups(distribution);
      /** Origin ID → the HTTP-allowing behaviours that send cache misses to it. */
      const httpOrigins = new Map<string, string[]>();
      for (const behavior of cacheBehaviors(distribution)) {
        const policy = behavior.viewerProtocolPolicy;
        const path = behavior.pathPattern === '(default)' ? '' : ` (${behavior.pathPattern})`;
        findings.check(
          distribution,
          `${behavior.property}.ViewerProtocolPolicy${path}`,
          policy,
          policy === 'allow-all',
          `${behaviorName(behavior.pathPattern)} of ${distribution.logicalId} is ${policy}: plain-HTTP ${policy === 'redirect-to-https' ? 'requests are redirected to HTTPS (301)' : 'requests are refused'}`,
        );
        if (policy === 'allow-all') {
          const targets = groups.find((g) => g.id === behavior.targetOriginId)?.members ?? [
            behavior.targetOriginId,
          ];
          for (const target of targets) {
            httpOrigins.set(target, [...(httpOrigins.get(target) ?? []), behaviorName(behavior.pathPattern)]);
          }
        }
        const methods = behavior.allowedMethods;
        findings.check(
          distribution,
          `${behavior.property}.AllowedMethods${path}`,
          methods.join(', '),
          methods.includes('GET') && methods.includes('HEAD'),
          `behaviour ${behavior.pathPattern} does not allow GET and HEAD`,
        );
        const headersPolicy = referencedResource(
          assembly,
          distribution.stack,
          behavior.json.ResponseHeadersPolicyId,
        );
        if (headersPolicy) {
          const config = isRecord(headersPolicy.properties.ResponseHeadersPolicyConfig)
            ? headersPolicy.properties.ResponseHeadersPolicyConfig
            : {};
          const security = isRecord(config.SecurityHeadersConfig) ? config.SecurityHeadersConfig : {};
          const hsts = security.StrictTransportSecurity;
          findings.check(
            headersPolicy,
            `SecurityHeadersConfig.StrictTransportSecurity (${behavior.pathPattern === '(default)' ? 'default behaviour' : behavior.pathPattern})`,
            hsts === undefined ? 'absent (no HSTS)' : describeValue(hsts),
            hsts === undefined,
            `${headersPolicy.logicalId} sends HSTS: browsers would upgrade the http URLs of certificates to HTTPS`,
          );
        }
      }
      // CloudFront reads an S3 REST origin with the viewer's protocol: plain HTTP for these behaviours.
      const httpBuckets = new Map<string, { bucket: AssemblyResource; behaviors: Set<string> }>();
      for (const origin of distributionOrigins(assembly, distribution)) {
        const behaviors = httpOrigins.get(origin.id);
        if (!origin.bucket || !behaviors) continue;
        const entry = httpBuckets.get(origin.bucket.key) ?? { bucket: origin.bucket, behaviors: new Set() };
        behaviors.forEach((b) => entry.behaviors.add(b));
        httpBuckets.set(origin.bucket.key, entry);
      }
      for (const { bucket, behaviors } of httpBuckets.values()) {
        const http = originRead(assembly, distribution, bucket, false);
        const https = originRead(assembly, distribution, bucket, true);
        const served = [...behaviors].join(' and ');
        findings.check(
          bucket,
          `bucket policy: ${distribution.logicalId} reads without TLS (CloudFront s3:GetObject, aws:SecureTransport false)`,
          describeRead(http),
          http.decision === 'allow',
          http.decision === 'deny' && https.decision === 'allow'
            ? `plain-HTTP cache misses of ${served} of ${distribution.logicalId} are refused: CloudFront forwards them to the S3 origin ${bucket.logicalId} over HTTP (the protocol the viewer used), and its bucket policy (${statementName(http)}) denies requests without TLS (aws:SecureTransport false) with no exemption for this distribution's reads, so S3 answers 403 and relying parties get 404 or OCSP "unauthorized"`
            : `${distribution.logicalId} cannot read ${bucket.logicalId} for plain-HTTP viewers of ${served}: s3:GetObject without TLS is ${describeRead(http)}`,
        );
      }
      const certificate = distributionConfig(distribution).ViewerCertificate;
      findings.note(
        isRecord(certificate) && certificate.AcmCertificateArn !== undefined
          ? "HTTPS is offered alongside with the operator's certificate (TLS 1.2+, SNI)."
          : 'HTTPS is offered alongside with the *.cloudfront.net certificate.',
      );
      findings.command(
        `aws cloudfront get-distribution-config --id ${shell.physicalId(distribution)} --query "DistributionConfig.{Default:DefaultCacheBehavior.ViewerProtocolPolicy,Paths:CacheBehaviors.Items[].[PathPattern,ViewerProtocolPolicy]}"`,
      );
    }
    for (const fn of assembly.ofType('AWS::CloudFront::Function')) {
      const code = String(fn.properties.FunctionCode ?? '');
      const redirects = redirectsToHttps(code);
      findings.check(
        fn,
        'FunctionCode (30x to https://)',
        redirects ? 'redirects to https://' : `no redirect (${code.length} bytes scanned)`,
        !redirects,
        `CloudFront Function ${fn.logicalId} answers a redirect to https://`,
      );
    }
    const host = shell.host(distributions[0]);
    findings.command(
      `curl -s -o /dev/null -w "%{http_code} %{redirect_url}\\n" http://${host}/index.json   # 200 and no redirect; repeat with a CRL path from your certificates`,
    );
    findings.command(
      `openssl ocsp -issuer CA.pem -cert LEAF.pem -url http://${host}/ocsp -no_nonce -resp_text | head -3   # OCSP over plain HTTP`,
    );
    findings.note(
      "CloudFront forwards a request to an S3 REST origin with the protocol the viewer used (Match Viewer, which cannot be changed), so the origin buckets require TLS for every request except the distribution's reads; the rows above evaluate each origin bucket's policy for that read. Confirm a plain-HTTP cache miss answers 200 (first curl above on a newly published path) after each deployment.",
    );
    return findings.conclude(
      {
        met: "Every cache behaviour allows plain HTTP (allow-all) with GET and HEAD, and every origin bucket behind it lets the distribution read without TLS (CloudFront reaches S3 origins with the viewer's protocol); no HSTS header and no edge redirect to HTTPS.",
      },
      [
        'docs/deploy.md §6 (plain HTTP never redirected)',
        'lib/constructs/distribution.ts',
        'lib/constructs/repository-bucket.ts (originBucketTransportStatements)',
        'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPandHTTPSRequests.html',
      ],
    );
  },
};

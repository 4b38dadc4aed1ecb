/**
 * Baseline Requirements: CRL distribution points, AIA and OCSP URLs in certificates are plain
 * `http`, and the clients that fetch them do not follow a redirect to HTTPS. So every cache
 * behaviour must allow HTTP (ViewerProtocolPolicy allow-all, never redirect-to-https or
 * https-only), no HSTS header may teach browsers to upgrade, and no edge function may redirect.
 */
import { cacheBehaviors, distributionConfig } from '../app-topology.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { describeValue, isRecord, refTarget } from '../template-query.ts';

/** A CloudFront Function that answers a 30x with an https:// location. */
function redirectsToHttps(code: string): boolean {
  return /statusCode\s*:\s*30[1278]/.test(code) && /['"]https:\/\//.test(code);
}

export const httpNotRedirectedRequirement: Requirement = {
  id: 'br-http-not-redirected',
  title: 'CDP, AIA and OCSP served over plain HTTP, never redirected',
  source:
    'CA/Browser Forum Baseline Requirements v2.2.6 §7.1.2 (CDP and AIA URIs use the http scheme); RFC 5280 §4.2.1.13 and §4.2.2.1; RFC 6960 Appendix A / RFC 9919 (OCSP over HTTP)',
  group: 'baseline-requirements',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const distributions = assembly.ofType('AWS::CloudFront::Distribution');
    if (distributions.length === 0)
      findings.fail('the app has no CloudFront distribution serving the repository');
    for (const distribution of distributions) {
      for (const behavior of cacheBehaviors(distribution)) {
        const policy = behavior.viewerProtocolPolicy;
        const path = behavior.pathPattern === '(default)' ? '' : ` (${behavior.pathPattern})`;
        findings.check(
          distribution,
          `${behavior.property}.ViewerProtocolPolicy${path}`,
          policy,
          policy === 'allow-all',
          `${behavior.pathPattern === '(default)' ? 'the default behaviour (CRLs, CA certificates, CP/CPS)' : `behaviour ${behavior.pathPattern}`} of ${distribution.logicalId} is ${policy}: plain-HTTP ${policy === 'redirect-to-https' ? 'requests are redirected to HTTPS (301)' : 'requests are refused'}`,
        );
        const methods = behavior.allowedMethods;
        findings.check(
          distribution,
          `${behavior.property}.AllowedMethods${path}`,
          methods.join(', '),
          methods.includes('GET') && methods.includes('HEAD'),
          `behaviour ${behavior.pathPattern} does not allow GET and HEAD`,
        );
        const headersPolicyId = refTarget(behavior.json.ResponseHeadersPolicyId);
        const headersPolicy = headersPolicyId
          ? assembly.find(distribution.stack, headersPolicyId)
          : undefined;
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
      'AWS documents that CloudFront forwards a request to an S3 REST origin with the protocol the viewer used, while every bucket here refuses non-TLS requests (aws:SecureTransport). Confirm a plain-HTTP cache miss answers 200 (first curl above on a newly published path) after each deployment.',
    );
    return findings.conclude(
      {
        met: 'Every cache behaviour allows plain HTTP (allow-all) with GET and HEAD; no HSTS header and no edge redirect to HTTPS.',
      },
      ['docs/deploy.md §6 (plain HTTP never redirected)', 'lib/constructs/distribution.ts'],
    );
  },
};

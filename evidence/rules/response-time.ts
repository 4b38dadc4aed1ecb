/**
 * Baseline Requirements: CRL and OCSP responses within ten seconds under normal operating
 * conditions. From the templates: answers come from CloudFront's edge cache in the relying parties'
 * region (a price class with edge locations in Japan), and the code that runs at the edge is bounded
 * well inside ten seconds. With a ledger, the measured p99 latency is compared with the bound.
 */
import { distributionConfig, lambdaEdgeFunctions, cacheBehaviors } from '../app-topology.ts';
import { BR_RESPONSE_TIME_MS } from '../availability-summary.ts';
import { Findings, servingDistributions, type Requirement } from '../requirement.ts';
import { isRecord, refTarget } from '../template-query.ts';

/** Price classes with edge locations in Japan (PriceClass_100 is North America and Europe only). */
const PRICE_CLASSES_WITH_JAPAN = ['PriceClass_200', 'PriceClass_All'];

export const responseTimeRequirement: Requirement = {
  id: 'br-response-time',
  title: 'Responses within 10 seconds',
  source:
    'CA/Browser Forum Baseline Requirements v2.2.6 §4.10.2 (CRL and OCSP response time of ten seconds or less)',
  group: 'baseline-requirements',
  evaluate({ assembly, shell, availability }) {
    const findings = new Findings();
    const distributions = servingDistributions(assembly, findings);
    for (const distribution of distributions) {
      const priceClass = String(distributionConfig(distribution).PriceClass ?? 'PriceClass_All');
      findings.check(
        distribution,
        'DistributionConfig.PriceClass',
        `${priceClass}${PRICE_CLASSES_WITH_JAPAN.includes(priceClass) ? ' (edge locations in Japan)' : ''}`,
        PRICE_CLASSES_WITH_JAPAN.includes(priceClass),
        `${priceClass} has no edge location in Japan: relying parties there fetch across the Pacific`,
      );
      const seen = new Set<string>();
      for (const behavior of cacheBehaviors(distribution)) {
        const policyId = refTarget(behavior.json.CachePolicyId);
        if (!policyId || seen.has(policyId)) continue;
        seen.add(policyId);
        const policy = assembly.find(distribution.stack, policyId);
        const config =
          policy && isRecord(policy.properties.CachePolicyConfig) ? policy.properties.CachePolicyConfig : {};
        const maxTtl = Number(config.MaxTTL ?? 0);
        if (policy) {
          findings.check(
            policy,
            'CachePolicyConfig.MinTTL / DefaultTTL / MaxTTL',
            `${String(config.MinTTL)} / ${String(config.DefaultTTL)} / ${String(config.MaxTTL)} s (origin Cache-Control decides, bounded by nextUpdate)`,
            maxTtl > 0,
            `${policy.logicalId} never caches at the edge (MaxTTL 0): every request goes to the origin`,
          );
        }
      }
      findings.command(
        `aws cloudfront get-distribution-config --id ${shell.physicalId(distribution)} --query "DistributionConfig.PriceClass"`,
      );
    }
    for (const fn of lambdaEdgeFunctions(assembly)) {
      const timeout = Number(fn.properties.Timeout ?? 3);
      findings.check(
        fn,
        'Timeout',
        `${timeout} s`,
        timeout <= BR_RESPONSE_TIME_MS / 1000,
        `Lambda@Edge ${fn.logicalId} may run ${timeout} s, beyond the 10 s the BR allows for a response`,
      );
    }
    if (availability) {
      const p99 = availability.latency.p99;
      findings.checkRecord(
        availability.ledger,
        'measured latency p50 / p95 / p99 / max',
        `${availability.latency.p50} / ${availability.latency.p95} / ${p99} / ${availability.latency.max} ms over ${availability.latency.count} probe(s)`,
        availability.latency.count > 0 && p99 < BR_RESPONSE_TIME_MS,
        availability.latency.count === 0
          ? 'the ledger holds no probe to measure latency'
          : `measured p99 latency ${p99} ms is not below the 10 s bound`,
      );
      for (const check of availability.checks) {
        findings.checkRecord(
          availability.ledger,
          `p99 latency (${check.check})`,
          `${check.p99Ms} ms over ${check.probes} probe(s)`,
          check.p99Ms < BR_RESPONSE_TIME_MS,
          `${check.check} probes: p99 ${check.p99Ms} ms is not below 10 s`,
        );
      }
    } else {
      findings.note(
        'No ledger was given: the row rests on the design. Give --ledger DIR to compare measured latency with 10 s.',
      );
    }
    const host = shell.host(distributions[0]);
    findings.command(
      `curl -s -o /dev/null -w "%{time_total} s\\n" http://${host}/index.json   # well under 10 s`,
    );
    findings.note(
      'CloudFront retries an unreachable origin (default 10 s connect × 3 attempts, 30 s read) before the origin group fails over: the 10 s bound holds for normal operation, the condition the BR sets, not for a Regional S3 outage.',
    );
    return findings.conclude(
      {
        met: availability
          ? `Served from CloudFront's edge cache; measured p99 ${availability.latency.p99} ms over ${availability.latency.count} probes, below 10 s.`
          : 'Served from CloudFront edge caches with locations in Japan; edge code is bounded by 10 s.',
      },
      ['lib/constructs/distribution.ts (cache policy)', 'lib/constructs/ocsp-edge.ts (timeouts)'],
    );
  },
};

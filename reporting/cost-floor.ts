/**
 * The floor of ca-repo's monthly cost: what no design that keeps the CDN in front of every request,
 * a second Region and Lambda@Edge answering POSTs can remove, however fast its code or warm its
 * caches. Pure, from the same prices and assumptions as cost-model.ts.
 *
 *   CloudFront requests        every OCSP request passes through the CDN
 *   CloudFront Function, GETs  the key rewrite that gives every encoding of a CertID one cache entry
 *                              (without it the bench counts 46× the origin fetches); a POST needs none
 *   Lambda@Edge, per POST      CloudFront caches no POST and a Function cannot read its body: one
 *                              invocation each, billed per request whatever its memory or duration
 *   GET misses                 one invocation and one S3 read per (certificate, edge cache, refresh)
 *                              that is asked at all: a refreshed response must be fetched once
 *   publish and replica PUTs   one write of every response per refresh (BR §4.9.10), in both Regions
 *
 * Left out as removable: Lambda@Edge duration, S3 reads behind POSTs (a cache could answer them),
 * HEADs and ingest requests of publishing, the WAF web ACL, storage and the publish Lambda.
 */
import {
  SECONDS_PER_MONTH,
  expectedGetMisses,
  type CostAssumptions,
  type CostInputs,
  type CostLine,
} from './cost-model.ts';
import type { UnitPrices } from './cost-prices.ts';

export interface CostFloor {
  lines: CostLine[];
  totalUsd: number;
}

export function costFloor(inputs: CostInputs, p: UnitPrices, a: CostAssumptions): CostFloor {
  const m = inputs.requestsPerMonth;
  const posts = m * inputs.postShare;
  const gets = m - posts;
  const billable = (quantity: number, free: number) => Math.max(0, quantity - (a.freeTier ? free : 0));
  const misses = expectedGetMisses(gets, inputs.certificates, a);
  const writes = inputs.certificates * a.keysPerCertificate * (SECONDS_PER_MONTH / 86_400 / a.refreshDays);
  const n = (value: number, unit: string) => `${Math.round(value).toLocaleString('en-US')} ${unit}`;
  const lines: CostLine[] = [
    {
      item: 'CloudFront requests',
      quantity: n(m, 'requests'),
      usd: (billable(m, p.cloudfrontFreeRequests) / 10_000) * p.cloudfrontHttpRequestsPer10k,
    },
    {
      item: 'CloudFront Function on GETs',
      quantity: n(gets, 'invocations'),
      usd: (billable(gets, p.cloudfrontFunctionFreeInvocations) / 1e6) * p.cloudfrontFunctionPerMillion,
    },
    {
      item: 'Lambda@Edge request per POST',
      quantity: n(posts, 'invocations'),
      usd: (posts / 1e6) * p.lambdaEdgeRequestsPerMillion,
    },
    {
      item: 'GET misses: Lambda@Edge request and S3 read each',
      quantity: n(misses, 'misses'),
      usd: (misses / 1e6) * p.lambdaEdgeRequestsPerMillion + (misses / 1000) * p.s3GetPer1000,
    },
    {
      item: 'Publish PUTs (one per response per refresh)',
      quantity: n(writes, 'PUTs'),
      usd: (writes / 1000) * p.s3PutPer1000,
    },
  ];
  if (a.replica) {
    lines.push({
      item: 'Replica PUTs (second Region)',
      quantity: n(writes, 'PUTs'),
      usd: (writes / 1000) * p.replicaPutPer1000,
    });
  }
  return { lines, totalUsd: lines.reduce((sum, l) => sum + l.usd, 0) };
}

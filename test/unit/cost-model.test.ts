/**
 * The cost model against figures worked out by hand from the unit prices (comments show the
 * arithmetic), plus the override file's validation.
 */
import { describe, expect, it } from 'vitest';
import {
  CostModelError,
  DEFAULT_ASSUMPTIONS,
  DEFAULT_UNIT_PRICES,
  PRICE_SOURCES,
  applyOverrides,
  estimateCosts,
  expectedGetMisses,
  expectedPostReads,
  type CostOption,
} from '../../reporting/cost-model.ts';
import { estimateFromOptions, formatCostText } from '../../cli/cost-command.ts';
import { EDGE_POST_CACHE_SECONDS } from '../../lambda/core/contract/edge-post-cache.ts';
import { EDGE_FUNCTION_MEMORY_MB } from '../../lambda/core/contract/edge-function-sizing.ts';

const line = (option: CostOption | undefined, start: string) => {
  const found = option?.lines.find((l) => l.item.startsWith(start));
  if (!found) throw new Error(`no line "${start}" in ${option?.name}`);
  return found.usd;
};

describe('cost model', () => {
  const noFreeTier = { ...DEFAULT_ASSUMPTIONS, freeTier: false };
  const scenario = { certificates: 100_000, requestsPerMonth: 100_000_000, postShare: 0.5 };
  const [ours, privateCa, ec2] = estimateCosts(scenario, DEFAULT_UNIT_PRICES, noFreeTier).options;

  it('CloudFront requests, Function and transfer', () => {
    // 100,000,000 / 10,000 × $0.009 = $90.00
    expect(line(ours, 'CloudFront requests')).toBeCloseTo(90, 6);
    // 50 million GETs × $0.10 per million = $5.00 (POSTs go to the prefix, which has no Function)
    expect(line(ours, 'CloudFront Function')).toBeCloseTo(5, 6);
    // 100,000,000 × (300 + 350) bytes = 65e9 B = 60.5360 GiB × $0.114 = $6.9011
    expect(line(ours, 'CloudFront data transfer')).toBeCloseTo((65e9 / 2 ** 30) * 0.114, 6);
    expect(line(ours, 'CloudFront data transfer')).toBeCloseTo(6.9011, 3);
  });

  it('free tiers come off CloudFront requests and Function invocations', () => {
    const [withFree] = estimateCosts(scenario).options;
    // (100,000,000 − 10,000,000) / 10,000 × $0.009 = $81.00; (50 − 2) million GETs × $0.10 = $4.80
    expect(line(withFree, 'CloudFront requests')).toBeCloseTo(81, 6);
    expect(line(withFree, 'CloudFront Function')).toBeCloseTo(4.8, 6);
    // 60.5 GiB is inside the free terabyte
    expect(line(withFree, 'CloudFront data transfer')).toBe(0);
  });

  it('shows the requested quantity and names every free-tier deduction', () => {
    const quantity = (option: CostOption | undefined, start: string) =>
      option?.lines.find((l) => l.item.startsWith(start))?.quantity;
    const asked = { certificates: 100_000, requestsPerMonth: 50_000_000, postShare: 0.5 };
    const [withFree, , ec2WithFree] = estimateCosts(asked).options;
    expect(quantity(withFree, 'CloudFront requests')).toBe(
      '50,000,000 requests - 10,000,000 free tier = 40,000,000 billable',
    );
    expect(quantity(withFree, 'CloudFront Function')).toBe(
      '25,000,000 invocations - 2,000,000 free tier = 23,000,000 billable',
    );
    // A deduction larger than the quantity names the whole allowance too: 30.27 GB of 1,024 free.
    expect(quantity(withFree, 'CloudFront data transfer')).toBe(
      '30.27 GB - 30.27 free tier (of 1,024) = 0 billable',
    );
    expect(quantity(withFree, 'Publish Lambda')).toMatch(
      /Lambda requests - 240 free tier \(of 1,000,000\) = 0 billable; .* GB-s - .* free tier \(of 400,000\) = 0 billable; 604 SQS requests - 604 free tier \(of 1,000,000\) = 0 billable/,
    );
    expect(quantity(withFree, 'CloudFront invalidations')).toBe(
      '230 paths - 230 free tier (of 1,000) = 0 billable',
    );
    expect(quantity(ec2WithFree, 'Data transfer out')).toBe(
      '30.27 GB - 30.27 free tier (of 100) = 0 billable',
    );
    expect(withFree?.notes[0]).toMatch(/^free tier: deducted once per AWS account and month/);
    const text = formatCostText(estimateCosts(asked));
    expect(text).toContain('50,000,000 OCSP requests/month');
    expect(text).toContain('      50,000,000 requests - 10,000,000 free tier = 40,000,000 billable');
    expect(text).not.toMatch(/^\s*CloudFront requests.*\b40,000,000 requests\b/m);

    // Without the free tier nothing is deducted and nothing says so.
    const [noFree] = estimateCosts(asked, DEFAULT_UNIT_PRICES, noFreeTier).options;
    expect(quantity(noFree, 'CloudFront requests')).toBe('50,000,000 requests');
    expect(noFree?.lines.filter((l) => l.quantity.includes('free tier')).map((l) => l.item)).toEqual([
      'CloudFront invalidations (revocations, CRL updates)', // the first 1,000 paths are always free
    ]);
    expect(noFree?.notes.join('\n')).not.toContain('free tier');
  });

  it('Lambda@Edge: one origin-request invocation per POST and per GET miss (no origin-response on OCSP)', () => {
    // The CDN keeps an answer until its refresh deadline (s-maxage): windows of 3.5 days.
    // slots = 100,000 certs × 4 caches × (2,592,000 s / 302,400 s) = 3,428,571.43
    // GET misses = slots × (1 − e^(−50e6 / slots)) = 3,428,569.84: one per certificate, cache and refresh
    const slots = 100_000 * 4 * (2_592_000 / 302_400);
    const misses = expectedGetMisses(50_000_000, 100_000, DEFAULT_ASSUMPTIONS);
    expect(misses).toBeCloseTo(slots * -Math.expm1(-50e6 / slots), 3);
    expect(Math.round(misses)).toBe(3_428_570);
    // POSTs reading S3: slots = 100,000 certs × 40 containers × (2,592,000 s / 60 s) = 1.728e11,
    // reads = 1.728e11 × (1 − e^(−50e6 / 1.728e11)) = 49,992,767 (to the unit); the rest hit the cache
    const reads = expectedPostReads(50_000_000, 100_000, DEFAULT_ASSUMPTIONS);
    expect(reads).toBeCloseTo(1.728e11 * -Math.expm1(-50e6 / 1.728e11), 0);
    // invocations = 50e6 + misses = 53,428,570 × $0.6/M = $32.06; GB-s = (reads × 20 ms + hits × 1 ms
    // + misses × 20 ms, the miss read from the store) / 1000 × 0.25 GB (the 256 MB
    // lib/constructs/ocsp-edge.ts deploys) = 267,107 GB-s × $0.00005001 = $13.36
    expect(DEFAULT_ASSUMPTIONS.edgeMemoryMb).toBe(EDGE_FUNCTION_MEMORY_MB);
    expect(EDGE_FUNCTION_MEMORY_MB).toBe(256);
    const invocations = 50e6 + misses;
    const gbSeconds = ((reads * 20 + (50e6 - reads) * 1 + misses * 20) / 1000) * 0.25;
    expect(line(ours, 'Lambda@Edge')).toBeCloseTo((invocations / 1e6) * 0.6 + gbSeconds * 0.00005001, 6);
    expect(line(ours, 'Lambda@Edge')).toBeCloseTo(45.42, 1);
    expect(line(ours, 'S3 GET')).toBeCloseTo(((reads + misses) / 1000) * 0.00037, 6);
  });

  it('the CDN keeping an answer to its refresh deadline and no Function on POSTs take ca-repo from $108.92 to $81.38 without the web ACL (100,000 certificates, 50 M requests)', () => {
    const asked = { certificates: 100_000, requestsPerMonth: 50_000_000, postShare: 0.5 };
    const [now, , ec2Pair] = estimateCosts(asked).options;
    const previous = {
      ...DEFAULT_ASSUMPTIONS,
      edgeKeepsUntilRefreshDeadline: false, // max-age 3,600 s at the edge too, as before s-maxage
      viewerFunctionOnPosts: true, // one behaviour, the Function on every request
    };
    const [before] = estimateCosts(asked, DEFAULT_UNIT_PRICES, previous).options;
    // Before: 23,945,658 GET misses (95.8 % of 25 M GETs); now 3,426,236 (13.7 %).
    expect(Math.round(expectedGetMisses(25e6, 100_000, DEFAULT_ASSUMPTIONS))).toBe(3_426_236);
    expect(Math.round(expectedGetMisses(25e6, 100_000, previous))).toBe(23_945_658);
    expect(before!.variants![0]!.totalUsd).toBeCloseTo(108.92, 2);
    // Lambda@Edge $41.61 → $24.16, S3 GET $18.11 → $10.52, Function $4.80 → $2.30
    expect(line(before, 'Lambda@Edge')).toBeCloseTo(41.61, 2);
    expect(line(now, 'Lambda@Edge')).toBeCloseTo(24.16, 2);
    expect(line(before, 'S3 GET')).toBeCloseTo(18.11, 2);
    expect(line(now, 'S3 GET')).toBeCloseTo(10.52, 2);
    expect(line(before, 'CloudFront Function')).toBeCloseTo(4.8, 6);
    expect(line(now, 'CloudFront Function')).toBeCloseTo(2.3, 6);
    expect(now!.variants![0]!.totalUsd).toBeCloseTo(81.38, 2);
    expect(now!.totalUsd).toBeCloseTo(119.38, 2);
    expect(ec2Pair!.totalUsd).toBeCloseTo(63.49, 2);
    expect(now!.notes.join('\n')).toContain('each keeping an answer to its refresh deadline');
    // What is left is mostly per POST: at 10 % POST the same traffic costs less than the EC2 pair.
    const [fewPosts, , ec2Few] = estimateCosts({ ...asked, postShare: 0.1 }).options;
    expect(fewPosts!.variants![0]!.totalUsd).toBeCloseTo(58.98, 2);
    expect(fewPosts!.variants![0]!.totalUsd).toBeLessThan(ec2Few!.totalUsd);
  });

  it('POSTs for few certificates are answered from the edge POST cache, at most one read per lifetime', () => {
    // 10 certificates × 40 containers × 43,200 windows = 17,280,000: 50 M POSTs cannot read more often
    expect(expectedPostReads(50e6, 10, DEFAULT_ASSUMPTIONS)).toBeLessThanOrEqual(17_280_000);
    expect(expectedPostReads(50e6, 10, { ...DEFAULT_ASSUMPTIONS, edgePostCacheSeconds: 0 })).toBe(50e6);
    expect(DEFAULT_ASSUMPTIONS.edgePostCacheSeconds).toBe(EDGE_POST_CACHE_SECONDS);
  });

  it('misses never exceed the GETs and saturate at one per certificate, cache and window', () => {
    expect(expectedGetMisses(10, 1_000_000, DEFAULT_ASSUMPTIONS)).toBeCloseTo(10, 4);
    // 10 certificates × 4 × 8.571 refresh windows = 342.86: a billion GETs cannot miss more often
    expect(expectedGetMisses(1e9, 10, DEFAULT_ASSUMPTIONS)).toBeCloseTo((10 * 4 * 30) / 3.5, 6);
    // with the edge keeping max-age 3,600 s: 10 × 4 × 720 = 28,800 windows
    const maxAgeOnly = { ...DEFAULT_ASSUMPTIONS, edgeKeepsUntilRefreshDeadline: false };
    expect(expectedGetMisses(1e9, 10, maxAgeOnly)).toBeCloseTo(28_800, 6);
    expect(expectedGetMisses(0, 10, DEFAULT_ASSUMPTIONS)).toBe(0);
  });

  it('storage, publishing and invalidations', () => {
    // (100,000 × 300 B + 100,000 B) / 2^30 = 0.0280334 GiB, twice (replica) × $0.025 = $0.00140
    expect(line(ours, 'S3 storage')).toBeCloseTo(((100_000 * 300 + 100_000) / 2 ** 30) * 0.025 * 2, 9);
    // 30 / 3.5 = 8.5714 refreshes: 857,143 objects + 30 CRLs = 857,173 replica PUTs × $0.0047/1000 = $4.0287
    // + 857,143 × 300 B + 30 × 100,000 B = 260.14 MB = 0.24228 GiB × $0.09 = $0.02181 → $4.0505
    expect(line(ours, 'Cross-Region replication')).toBeCloseTo(4.0505, 3);
    // 100,000 × 0.2 % = 200 revocation paths + 30 CRL paths = 230, under the free 1,000
    expect(line(ours, 'CloudFront invalidations')).toBe(0);
    const [many] = estimateCosts(
      { ...scenario, certificates: 1_000_000 },
      DEFAULT_UNIT_PRICES,
      noFreeTier,
    ).options;
    // 2,000 + 30 = 2,030 paths − 1,000 free = 1,030 × $0.005 = $5.15
    expect(line(many, 'CloudFront invalidations')).toBeCloseTo(5.15, 6);
  });

  it('publish Lambda: GB-seconds for every file of every refresh', () => {
    // files = 857,142.86 + 30; × 3 ms × 1 GB = 2,571.52 GB-s × $0.0000166667 = $0.042859
    // requests: parts = ceil(100,000 / 5,000) × 8.5714 + 30 = 201.43, + bundles 38.57 = 240 → $0.000048
    // SQS: 201.43 × 3 = 604.3 requests × $0.40 / 1e6 = $0.000242
    const expected = 2571.5142857 * 0.0000166667 + (240 / 1e6) * 0.2 + ((201.428571 * 3) / 1e6) * 0.4;
    expect(line(ours, 'Publish Lambda')).toBeCloseTo(expected, 5);
  });

  it('AWS Private CA: the CA fee plus every certificate queried in the month', () => {
    // 100,000 certificates each queried (1,000 requests per certificate): 100,000 × $0.06 + $400 = $6,400
    expect(privateCa?.totalUsd).toBeCloseTo(6400, 6);
    // 1,000 requests over 100,000 certificates reach 100,000 × (1 − e^(−0.01)) = 995.02 of them
    const [, sparse] = estimateCosts({ certificates: 100_000, requestsPerMonth: 1000, postShare: 0 }).options;
    expect(line(sparse, 'OCSP')).toBeCloseTo(100_000 * (1 - Math.exp(-0.01)) * 0.06, 6);
  });

  it('EC2: two instances in two AZs, the ALB and its capacity units', () => {
    // 2 × 730 h × $0.0272 = $39.712; EBS 2 × 8 GB × $0.096 = $1.536; ALB 730 × $0.0243 = $17.739
    // 100e6 / 2,592,000 s = 38.58 new connections/s ÷ 25 = 1.5432 LCU × 730 h × $0.008 = $9.0123
    // transfer 60.536 GiB × $0.114 = $6.9011 (no free tier in this scenario)
    expect(line(ec2, 'EC2')).toBeCloseTo(39.712, 6);
    expect(line(ec2, 'EBS')).toBeCloseTo(1.536, 6);
    expect(line(ec2, 'Application Load Balancer')).toBeCloseTo(17.739, 6);
    expect(line(ec2, 'ALB capacity units')).toBeCloseTo((100e6 / 2_592_000 / 25) * 730 * 0.008, 6);
    expect(ec2?.totalUsd).toBeCloseTo(39.712 + 1.536 + 17.739 + 9.0123 + 6.9011, 2);
    // 1e9 requests: 385.8 req/s × 3 = 1,157 peak → 2 instances still; 1e10 → 12 instances
    const [, , big] = estimateCosts({ ...scenario, requestsPerMonth: 1e10 }).options;
    expect(line(big, 'EC2')).toBeCloseTo(12 * 730 * 0.0272, 6);
  });

  it('every price has a source and overrides are checked', () => {
    expect(Object.keys(PRICE_SOURCES).sort()).toEqual(Object.keys(DEFAULT_UNIT_PRICES).sort());
    const { prices, assumptions } = applyOverrides({
      prices: { cloudfrontHttpRequestsPer10k: 0.012 },
      assumptions: { freeTier: false },
    });
    expect(prices.cloudfrontHttpRequestsPer10k).toBe(0.012);
    expect(assumptions.freeTier).toBe(false);
    expect(() => applyOverrides({ prices: { nope: 1 } })).toThrow(CostModelError);
    expect(() => applyOverrides({ prices: { s3PutPer1000: -1 } })).toThrow(CostModelError);
    expect(() => applyOverrides({ assumptions: { freeTier: 'yes' } })).toThrow(CostModelError);
    expect(() => applyOverrides({ other: {} })).toThrow(CostModelError);
    expect(() => estimateCosts({ ...scenario, postShare: 2 })).toThrow(CostModelError);
  });

  it('the CLI parses its flags and prints every option', async () => {
    const estimate = await estimateFromOptions({
      certs: '100,000',
      requestsPerMonth: '1e8',
      postShare: '0.5',
    });
    expect(estimate.inputs).toEqual(scenario);
    const text = formatCostText(estimate);
    expect(text).toContain('ca-repo (CloudFront + S3)');
    expect(text).toContain('AWS Private CA managed OCSP');
    expect(text).toContain('EC2 responders (2 AZs) + ALB');
    await expect(
      estimateFromOptions({ certs: undefined, requestsPerMonth: '1', postShare: '0.5' }),
    ).rejects.toThrow('cost needs --certs');
    await expect(
      estimateFromOptions({ certs: '1', requestsPerMonth: '1', postShare: '1.5' }),
    ).rejects.toThrow('between 0 and 1');
  });
});

describe('cost model: the abuse-limit web ACL', () => {
  const scenario = { certificates: 100_000, requestsPerMonth: 100_000_000, postShare: 0.5 };

  it('prices the web ACL, its rules and every request it inspects', () => {
    const [ours] = estimateCosts(scenario).options;
    // $5 web ACL + 3 rules × $1 + 100 million requests × $0.60 per million = $68.00
    expect(line(ours, 'WAF web ACL')).toBeCloseTo(5 + 3 + 60, 6);
    expect(PRICE_SOURCES.wafRequestsPerMillion).toContain('$0.60 per million requests');
  });

  it('totals ca-repo with and without it (the EC2 pair is priced without one)', () => {
    const [ours, , ec2] = estimateCosts(scenario).options;
    expect(ours!.variants).toEqual([
      { name: expect.stringContaining('without the WAF web ACL'), totalUsd: ours!.totalUsd - 68 },
    ]);
    expect(ec2!.variants).toBeUndefined();
    const text = formatCostText(estimateCosts(scenario));
    expect(text).toMatch(/ca-repo without the WAF web ACL \(as the EC2 pair is priced\): \$[\d,.]+/);
  });

  it('leaves it out when the abuse limits are switched off', () => {
    const { prices, assumptions } = applyOverrides({ assumptions: { abuseLimits: false } });
    const [ours] = estimateCosts(scenario, prices, assumptions).options;
    expect(ours!.lines.some((l) => l.item.startsWith('WAF'))).toBe(false);
    const [withWaf] = estimateCosts(scenario).options;
    expect(withWaf!.totalUsd - ours!.totalUsd).toBeCloseTo(68, 6);
  });
});

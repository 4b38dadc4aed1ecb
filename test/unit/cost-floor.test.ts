/**
 * The cost floor (reporting/cost-floor.ts) against figures worked out by hand: what no design that
 * keeps the CDN, a second Region and Lambda@Edge answering POSTs can remove.
 */
import { describe, expect, it } from 'vitest';
import { costFloor } from '../../reporting/cost-floor.ts';
import { DEFAULT_ASSUMPTIONS, DEFAULT_UNIT_PRICES, estimateCosts } from '../../reporting/cost-model.ts';

describe('cost floor', () => {
  const asked = { certificates: 100_000, requestsPerMonth: 50_000_000, postShare: 0.5 };
  const floor = costFloor(asked, DEFAULT_UNIT_PRICES, DEFAULT_ASSUMPTIONS);
  const usd = (start: string) => floor.lines.find((l) => l.item.startsWith(start))!.usd;

  it('100,000 certificates, 50 M requests, half POST: above the EC2 pair before any duration or POST read', () => {
    // (50e6 − 10e6 free) / 10,000 × $0.009 = $36.00; (25e6 − 2e6 free) GET Function runs × $0.10/M = $2.30
    expect(usd('CloudFront requests')).toBeCloseTo(36, 6);
    expect(usd('CloudFront Function on GETs')).toBeCloseTo(2.3, 6);
    // 25e6 POSTs × $0.60/M = $15.00, whatever the function's memory or duration
    expect(usd('Lambda@Edge request per POST')).toBeCloseTo(15, 6);
    // 3,426,236 misses × ($0.60/M + $0.37/M) = $3.3234
    expect(usd('GET misses')).toBeCloseTo(3.3234, 3);
    // 100,000 × 30 / 3.5 = 857,142.86 responses × $0.0047/1000 = $4.0286, in each Region
    expect(usd('Publish PUTs')).toBeCloseTo(4.0286, 3);
    expect(usd('Replica PUTs')).toBeCloseTo(4.0286, 3);
    expect(floor.totalUsd).toBeCloseTo(64.68, 2);
    const [ours, , ec2] = estimateCosts(asked).options;
    expect(floor.totalUsd).toBeGreaterThan(ec2!.totalUsd);
    expect(floor.totalUsd).toBeLessThan(ours!.variants![0]!.totalUsd);
  });

  it('without a second Region the replica line goes; at a tenth POST the floor is far below the EC2 pair', () => {
    const single = costFloor(asked, DEFAULT_UNIT_PRICES, { ...DEFAULT_ASSUMPTIONS, replica: false });
    expect(single.lines.some((l) => l.item.startsWith('Replica'))).toBe(false);
    const fewPosts = costFloor({ ...asked, postShare: 0.1 }, DEFAULT_UNIT_PRICES, DEFAULT_ASSUMPTIONS);
    // 5e6 POSTs × $0.60/M = $3.00 instead of $15.00
    expect(fewPosts.lines.find((l) => l.item.startsWith('Lambda@Edge'))!.usd).toBeCloseTo(3, 6);
    expect(fewPosts.totalUsd).toBeLessThan(63.49);
  });
});

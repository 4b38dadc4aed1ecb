/**
 * The analysis under the cost model's tables in docs/BENCHMARKS.md (issue 14 item 5: ca-repo ≤ the
 * EC2 pair at 100,000 certificates and 50 M requests a month): the goal against the model, its
 * floor, the POST share at which it is met, how the figure moves with the number of edge caches,
 * and every lever weighed with its consequence. Pure: rendered without a bench run.
 */
import {
  DEFAULT_ASSUMPTIONS,
  DEFAULT_UNIT_PRICES,
  estimateCosts,
  expectedGetMisses,
  expectedPostReads,
  type CostEstimate,
  type CostInputs,
} from '../reporting/cost-model.ts';
import { costFloor } from '../reporting/cost-floor.ts';
import { markdownTable, type Figure } from './bench-context.ts';

const money = (usd: number) => `$${usd.toFixed(2)}`;

/** ca-repo before this round: the edge kept an answer max-age 3,600 s, the Function ran on POSTs. */
const PREVIOUS = {
  ...DEFAULT_ASSUMPTIONS,
  edgeKeepsUntilRefreshDeadline: false,
  viewerFunctionOnPosts: true,
};

/** ca-repo without the web ACL (as the EC2 pair is priced), and the EC2 pair. */
function compared(estimate: CostEstimate): { ours: number; withWaf: number; ec2: number } {
  const [ours, , ec2] = estimate.options;
  return {
    ours: ours!.variants?.[0]?.totalUsd ?? ours!.totalUsd,
    withWaf: ours!.totalUsd,
    ec2: ec2!.totalUsd,
  };
}

/** The largest POST share at which ca-repo (without the web ACL) costs no more than the EC2 pair. */
function breakEvenPostShare(inputs: CostInputs): number {
  let low = 0;
  let high = 1;
  const within = (share: number) => {
    const { ours, ec2 } = compared(estimateCosts({ ...inputs, postShare: share }));
    return ours <= ec2;
  };
  if (!within(0)) return 0;
  if (within(1)) return 1;
  for (let i = 0; i < 30; i++) {
    const middle = (low + high) / 2;
    if (within(middle)) low = middle;
    else high = middle;
  }
  return low;
}

/** The Summary row of docs/BENCHMARKS.md for the goal (issue 14 item 5). */
export function costSummaryFigure(goal: CostEstimate): Figure {
  const inputs = goal.inputs;
  const { ours, withWaf, ec2 } = compared(goal);
  const before = compared(estimateCosts(inputs, DEFAULT_UNIT_PRICES, PREVIOUS));
  const share = breakEvenPostShare(inputs);
  return {
    name: `Monthly AWS cost, ${inputs.certificates.toLocaleString('en-US')} certificates, ${(inputs.requestsPerMonth / 1e6).toFixed(0)} M OCSP requests (${(inputs.postShare * 100).toFixed(0)} % POST): ca-repo without the web ACL vs the EC2 pair`,
    value: `${money(ours)} (${money(withWaf)} with the web ACL; ${money(before.ours)} before: edge kept max-age 3,600 s, Function on POSTs)`,
    reference: `EC2 pair (2 AZs + ALB): ${money(ec2)}`,
    ratio: `${(ours / ec2).toFixed(2)}× (goal ≤ 1×: ${ours <= ec2 ? 'met' : 'not met'}; floor ${(costFloor(inputs, DEFAULT_UNIT_PRICES, DEFAULT_ASSUMPTIONS).totalUsd / ec2).toFixed(2)}×; met up to ${(share * 100).toFixed(1)} % POST)`,
    commands: [
      `node bin/ca-repo.mjs cost --certs ${inputs.certificates} --requests-per-month ${inputs.requestsPerMonth}`,
    ],
  };
}

export function renderCostAnalysis(goal: CostEstimate): string {
  const inputs = goal.inputs;
  const { ours, withWaf, ec2 } = compared(goal);
  const before = compared(estimateCosts(inputs, DEFAULT_UNIT_PRICES, PREVIOUS));
  const floor = costFloor(inputs, DEFAULT_UNIT_PRICES, DEFAULT_ASSUMPTIONS);
  const share = breakEvenPostShare(inputs);
  const met = (usd: number) => (usd <= ec2 ? 'met' : 'not met');
  const caches = [4, 10, 20, 40].map((count) => {
    const at = { ...DEFAULT_ASSUMPTIONS, edgeCachesFetchingFromOrigin: count };
    const now = compared(estimateCosts(inputs, DEFAULT_UNIT_PRICES, at)).ours;
    const then = compared(
      estimateCosts(inputs, DEFAULT_UNIT_PRICES, {
        ...at,
        edgeKeepsUntilRefreshDeadline: false,
        viewerFunctionOnPosts: true,
      }),
    ).ours;
    return [String(count), money(then), money(now), `${(now / ec2).toFixed(2)}×`];
  });
  // Lever 2: S3 answering misses itself removes the invocation and its duration, not the read.
  const a = DEFAULT_ASSUMPTIONS;
  const p = DEFAULT_UNIT_PRICES;
  const posts = inputs.requestsPerMonth * inputs.postShare;
  const misses = expectedGetMisses(inputs.requestsPerMonth - posts, inputs.certificates, a);
  const gbSecond = (ms: number) => (ms / 1000) * (a.edgeMemoryMb / 1024) * p.lambdaEdgePerGbSecond;
  const s3Direct = misses * (p.lambdaEdgeRequestsPerMillion / 1e6 + gbSecond(a.edgeGetMissMs));
  // Lever 6: POSTs on a regional function (128 MB, the same duration): its free tier covers the GB-s.
  const reads = expectedPostReads(posts, inputs.certificates, a);
  const postsAtEdge =
    posts * (p.lambdaEdgeRequestsPerMillion / 1e6) +
    reads * gbSecond(a.edgePostMs) +
    (posts - reads) * gbSecond(a.edgePostCachedMs);
  const regional = (Math.max(0, posts - p.lambdaFreeRequests) / 1e6) * p.lambdaRequestsPerMillion;
  const regionalSaves = postsAtEdge - regional;
  const functionOnPosts = (posts / 1e6) * p.cloudfrontFunctionPerMillion;
  const halfDuration =
    (reads * gbSecond(a.edgePostMs) +
      (posts - reads) * gbSecond(a.edgePostCachedMs) +
      misses * gbSecond(a.edgeGetMissMs)) /
    2;
  const millions = (n: number) => `${(n / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} M`;
  const size = `${inputs.certificates.toLocaleString('en-US')} certificates and ${inputs.requestsPerMonth.toLocaleString('en-US')} requests a month, ${(inputs.postShare * 100).toFixed(0)} % POST`;
  return `### Goal: ca-repo ≤ the EC2 pair at ${size}

${money(withWaf)} with the web ACL (${(withWaf / ec2).toFixed(2)}×, ${met(withWaf)}), ${money(ours)} without it (${(ours / ec2).toFixed(2)}×, ${met(ours)}) against ${money(ec2)} for the EC2 pair; before this round (the CDN keeping OCSP answers max-age 3,600 s, the Function on POSTs) the same model said ${money(before.ours)} without the web ACL: ${(ours / before.ours).toFixed(2)}× that now. The goal is met up to ${(share * 100).toFixed(1)} % POST at this size (${money(compared(estimateCosts({ ...inputs, postShare: 0.1 })).ours)} at 10 %). Command: \`ca-repo cost --certs ${inputs.certificates} --requests-per-month ${inputs.requestsPerMonth}\` (add \`--post-share 0.1\` for a tenth POST); \`test/unit/cost-model.test.ts\` and \`test/unit/cost-floor.test.ts\` check these figures.

**Floor** (\`reporting/cost-floor.ts\`): what no design that keeps the CDN in front of every request, a second Region and Lambda@Edge answering POSTs can remove, with zero duration and every POST answered from memory:

${markdownTable(
  ['item', 'quantity', 'monthly'],
  [
    ...floor.lines.map((l) => [l.item, l.quantity, money(l.usd)]),
    ['**floor**', '', `**${money(floor.totalUsd)}**`],
  ],
)}

At half the requests POST the floor alone is ${(floor.totalUsd / ec2).toFixed(2)}× the EC2 pair: the goal cannot be reached this way. A POST costs the CDN request and one Lambda@Edge request whatever the code does (CloudFront caches no POST and a CloudFront Function cannot read a body); a GET hit costs the CDN request and the Function. What ca-repo pays above the floor (${money(ours - floor.totalUsd)}) is Lambda@Edge duration, the S3 read behind each POST, and publishing's HEADs and ingest requests.

**Edge caches fetching from the origin** (\`edgeCachesFetchingFromOrigin\`, default 4). AWS documents that a POP skips the regional edge cache when the S3 bucket is in that cache's Region, so Japanese viewers' POPs fetch from the Tokyo bucket themselves (13 regional mid-tier caches worldwide, AWS Fault Isolation Boundaries); the number that matters is how many edge locations ask, which AWS does not publish per country. Without the web ACL:

${markdownTable(
  [
    'edge caches',
    'before (edge keeps max-age 3,600 s, Function on POSTs)',
    'edge keeps to the refresh deadline (now)',
    'now ÷ EC2 pair',
  ],
  caches,
)}

**Levers weighed** (each with what it would cost in freshness or availability):

1. *Edge lifetime to the refresh deadline* (built): \`s-maxage\` per answer, computed when served, up to the response's BR §4.9.10 deadline less 5 minutes; \`max-age\` for relying parties unchanged; status changes are invalidated by their publish as before. GET misses: 95.8 % → 13.7 % of GETs. Consequence: a same-status refresh reaches GET clients at the old response's deadline instead of within an hour (never later than BR allows); the age alarm reads the POST probe; a copy served long after the CDN fetched it carries an \`Age\` beyond its \`max-age\`, so an HTTP cache on the relying party's side keeps it less long, never longer.
2. *GET misses served by S3 directly with stored headers* (not built): S3 cannot compute headers when it answers. A stored \`max-age\` counts from each fetch, so the CDN could keep a copy past nextUpdate; a stored \`Expires\` alone (CloudFront uses it only without \`max-age\`) would let relying parties keep the answer to its deadline instead of 3,600 s; an unknown CertID would need a custom error page to answer \`unauthorized\` with HTTP 200. It would now save ${millions(misses)} invocations and their duration, ${money(s3Direct)} a month.
3. *Longer POST cache* (not built): a CloudFront invalidation does not reach Lambda@Edge memory, so every publish that changes a status waits the cache lifetime (\`postCacheSeconds\`) to keep "publish means served"; beyond 60 s that wait grows with it. A status-change marker read by each container every 60 s would let entries live to the deadline, but what it saves depends on how many containers stay warm and for how long, which AWS does not document, and it cannot touch the per-POST request price of the floor.
4. *Cheaper invocations* (not built): the $0.60 per million requests is the same at any memory; 128 MB instead of 256 MB halves the GB-seconds (${money(halfDuration)} a month here) only if the duration does not grow, and Lambda gives CPU in proportion to memory: not measured on Lambda, not changed.
5. *No CloudFront Function on POSTs* (built): the OCSP prefix itself, where POSTs go, has its own behaviour without the viewer-request function (it passed POSTs through), saving ${millions(posts)} × $${p.cloudfrontFunctionPerMillion.toFixed(2)} per million = ${money(functionOnPosts)}; the bare-prefix GET (malformedRequest) and the 405 for other methods are answered by the origin-request function there, a paid invocation for what no OCSP client sends. A POST to \`/ocsp/\` (trailing slash) still runs the function.
6. *POSTs on a regional Lambda function URL instead of Lambda@Edge* (not built): $0.20 per million requests and the Lambda free tier instead of $0.60 and no free tier, about ${money(regionalSaves)} less (${money(ours - regionalSaves)}, ${met(ours - regionalSaves)}; lever 5 included); but Origin Access Control for a function URL needs viewers to send \`x-amz-content-sha256\` on POST, which OCSP clients do not, so the URL would be public behind a secret header, and CloudFront origin groups fail over GET and HEAD only: POST would be answered from one Region.`;
}

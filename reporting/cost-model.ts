/**
 * Monthly AWS cost of serving a CA's OCSP (and publishing its responses) three ways, from unit
 * prices that are documented in cost-prices.ts and overridable (`ca-repo cost --price-file`):
 *
 *   ca-repo            CloudFront (requests, transfer, the viewer-request Function on GETs), Lambda@Edge
 *                      (origin-request only on the OCSP behaviour: every POST, and each GET cache
 *                      miss, which it answers from the store; no origin-response there),
 *                      S3 (storage and requests, primary and replica, replication transfer),
 *                      the publish Lambda with its SQS fan-out, invalidations past the free 1,000,
 *                      and the WAF web ACL of the OCSP abuse limits (it inspects every request)
 *   AWS Private CA     the CA's monthly fee (its OCSP only serves certificates it issued) and its
 *                      OCSP charge per certificate queried in the month
 *   EC2 responders     two small instances in two AZs behind an Application Load Balancer
 *
 * Pure: no clock, no I/O. A month is 30 days for traffic and refresh counts and 730 hours for
 * hourly resources, as AWS bills them. GB means 2^30 bytes, as AWS meters transfer and storage.
 */
import { DEFAULT_UNIT_PRICES, type UnitPrices } from './cost-prices.ts';
import { EDGE_POST_CACHE_SECONDS } from '../lambda/core/contract/edge-post-cache.ts';
import { EDGE_FUNCTION_MEMORY_MB } from '../lambda/core/contract/edge-function-sizing.ts';

export { DEFAULT_UNIT_PRICES, PRICE_SOURCES, type UnitPrices } from './cost-prices.ts';

/** How the workload turns into billable units. Every default says where it comes from. */
export interface CostAssumptions {
  /** DER bytes of one OCSP response: 291 for the bench's EC P-256 CA-signed response; RSA ~480. */
  responseBytes: number;
  /** HTTP response headers (RFC 9919 set: Content-Type, Cache-Control, ETag, Expires, ...). */
  headerBytes: number;
  /** Objects per certificate: 1 for SHA-1 CertIDs only, 2 when responses carry SHA-1 and SHA-256. */
  keysPerCertificate: number;
  /** Responses re-signed and published this often (BR: no later than thisUpdate + 4 days). */
  refreshDays: number;
  /**
   * The CDN keeps an OCSP answer until the response's BR §4.9.10 refresh deadline (s-maxage,
   * lambda/core/serving/ocsp-edge-lifetime.ts), so each edge cache fetches each refreshed response
   * once: its windows are `refreshDays` long. False prices the CDN keeping it `ocspMaxAgeSeconds`,
   * as relying parties do (ca-repo before s-maxage).
   */
  edgeKeepsUntilRefreshDeadline: boolean;
  /**
   * The viewer-request Function runs on POSTs too. False: the OCSP prefix, where POSTs go, has a
   * behaviour without it (lib/constructs/distribution.ts), so only GETs run it.
   */
  viewerFunctionOnPosts: boolean;
  /** Relying parties' cache lifetime of an OCSP answer (ca-repo's default cap). */
  ocspMaxAgeSeconds: number;
  /**
   * Edge caches that each fetch from the origin. AWS documents that a POP skips the regional edge
   * cache when the S3 bucket is in that cache's Region: Japanese viewers' POPs fetch from the Tokyo
   * bucket themselves. 4 counts caches, not POPs; the docs show the figures at more.
   */
  edgeCachesFetchingFromOrigin: number;
  /** Lambda@Edge billed duration: POST and GET cache miss (each reads S3 from the edge Region). */
  edgePostMs: number;
  edgeGetMissMs: number;
  edgeMemoryMb: number;
  /** POST answers kept in a Lambda@Edge container's memory (EDGE_POST_CACHE_SECONDS, the handler's). */
  edgePostCacheSeconds: number;
  /** Warm Lambda@Edge containers that each keep their own POST cache (13 regional edge caches, a few each). */
  edgePostContainers: number;
  /** Billed duration of a POST answered from that cache (no S3 read). */
  edgePostCachedMs: number;
  /** Share of certificates revoked in a month: each revocation invalidates its OCSP path. */
  revokedSharePerMonth: number;
  crlCount: number;
  crlBytes: number;
  /** Each CRL publish replaces the object and invalidates its path. */
  crlPublishesPerMonth: number;
  /** Publish Lambda time per response (bench: ~2 ms to validate on one core, plus the writes). */
  publishMsPerResponse: number;
  publishMemoryMb: number;
  /** Files per tar part (the uploader's default): one worker invocation and SQS message each. */
  filesPerPart: number;
  /** Apply the always-free tiers (CloudFront, Lambda, SQS, data transfer). */
  freeTier: boolean;
  replica: boolean;
  /** The WAF web ACL of the OCSP abuse limits (`abuseLimits`, on by default) and its rule count. */
  abuseLimits: boolean;
  wafRules: number;
  privateCaCount: number;
  /** EC2 sizing: peak over average request rate, and what one small instance sustains. */
  peakToAverage: number;
  ec2RequestsPerSecondPerInstance: number;
  ec2MinimumInstances: number;
  ebsGbPerInstance: number;
}

export const DEFAULT_ASSUMPTIONS: Readonly<CostAssumptions> = {
  responseBytes: 300,
  headerBytes: 350,
  keysPerCertificate: 1,
  refreshDays: 3.5,
  edgeKeepsUntilRefreshDeadline: true,
  viewerFunctionOnPosts: false,
  ocspMaxAgeSeconds: 3600,
  edgeCachesFetchingFromOrigin: 4,
  edgePostMs: 20,
  edgeGetMissMs: 20,
  // The deployed functions' memory (lib/constructs/ocsp-edge.ts reads the same constant).
  edgeMemoryMb: EDGE_FUNCTION_MEMORY_MB,
  edgePostCacheSeconds: EDGE_POST_CACHE_SECONDS,
  edgePostContainers: 40,
  edgePostCachedMs: 1,
  revokedSharePerMonth: 0.002,
  crlCount: 1,
  crlBytes: 100_000,
  crlPublishesPerMonth: 30,
  publishMsPerResponse: 3,
  publishMemoryMb: 1024,
  filesPerPart: 5000,
  freeTier: true,
  replica: true,
  abuseLimits: true,
  // OcspPostRate, the IP reputation rule group and the rule passing its label on.
  wafRules: 3,
  privateCaCount: 1,
  peakToAverage: 3,
  ec2RequestsPerSecondPerInstance: 1000,
  ec2MinimumInstances: 2,
  ebsGbPerInstance: 8,
};

export interface CostInputs {
  certificates: number;
  requestsPerMonth: number;
  /** Share of OCSP requests sent by POST (OpenSSL and Firefox POST; Java GETs short URLs). */
  postShare: number;
}

export interface CostLine {
  item: string;
  /** The billable quantity in words, e.g. "90,000,000 requests". */
  quantity: string;
  usd: number;
}

export interface CostOption {
  name: string;
  lines: CostLine[];
  totalUsd: number;
  notes: string[];
  /** The same option priced without some of its lines, for a like-for-like comparison. */
  variants?: { name: string; totalUsd: number }[];
}

/** ca-repo's WAF line: the EC2 pair is priced without a web ACL, so totals are shown both ways. */
export const WAF_LINE = 'WAF web ACL';

export interface CostEstimate {
  inputs: CostInputs;
  options: CostOption[];
}

export const SECONDS_PER_MONTH = 30 * 24 * 3600;
export const HOURS_PER_MONTH = 730;
const GB = 2 ** 30;

export class CostModelError extends Error {
  override name = 'CostModelError';
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new CostModelError(`${name} must be a non-negative number`);
}

const whole = (n: number) => Math.round(n).toLocaleString('en-US');
const hundredths = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

function count(n: number, unit: string): string {
  return `${whole(n)} ${unit}`;
}

function gb(n: number): string {
  return `${hundredths(n)} GB`;
}

/** A metered quantity after a free allowance, and the words that show all three figures. */
interface Metered {
  billable: number;
  /** "50,000,000 requests - 10,000,000 free tier = 40,000,000 billable", or just the quantity. */
  text: string;
}

/**
 * What is billed of `quantity` once `free` of it is deducted. The text always shows the requested
 * quantity first and names the deduction, so no figure is reduced silently.
 */
function metered(quantity: number, free: number, unit: string, format = whole): Metered {
  const deducted = Math.min(quantity, free);
  const requested = `${format(quantity)} ${unit}`;
  if (deducted <= 0) return { billable: quantity, text: requested };
  const billable = quantity - deducted;
  const allowance = free > deducted ? ` (of ${format(free)})` : '';
  return {
    billable,
    text: `${requested} - ${format(deducted)} free tier${allowance} = ${format(billable)} billable`,
  };
}

/** The always-free tiers apply only when the assumptions say so (--price-file can turn them off). */
const freeIf = (freeTier: boolean, free: number) => (freeTier ? free : 0);

/** Said wherever an always-free tier was deducted: the account may already be using it. */
const FREE_TIER_NOTE =
  'free tier: deducted once per AWS account and month, shared with everything else the account runs; price without it with --price-file {"assumptions": {"freeTier": false}}';

function option(name: string, lines: CostLine[], notes: string[]): CostOption {
  return { name, lines, totalUsd: lines.reduce((sum, l) => sum + l.usd, 0), notes };
}

/** How long one edge cache keeps an OCSP answer: to its refresh deadline, or max-age. */
export function edgeWindowSeconds(a: CostAssumptions): number {
  return a.edgeKeepsUntilRefreshDeadline ? a.refreshDays * 86_400 : a.ocspMaxAgeSeconds;
}

/**
 * GET cache misses: each (certificate, edge cache) pair can miss once per window. With the CDN
 * keeping an answer until its refresh deadline, the windows are the refresh period: a copy fetched
 * anywhere in one is kept to its end, where the refreshed response (published before that
 * deadline) is fetched. With GETs spread evenly, the expected number of windows that see at least
 * one request is slots × (1 − e^(−GETs/slots)); it never exceeds the GETs themselves.
 */
export function expectedGetMisses(gets: number, certificates: number, a: CostAssumptions): number {
  const slots =
    certificates *
    a.keysPerCertificate *
    a.edgeCachesFetchingFromOrigin *
    (SECONDS_PER_MONTH / edgeWindowSeconds(a));
  if (slots === 0 || gets === 0) return 0;
  return slots * -Math.expm1(-gets / slots);
}

/**
 * POSTs that read S3: each (certificate, warm container) pair reads once per POST-cache lifetime
 * at most; the same saturation as expectedGetMisses. At many certificates and few POSTs each,
 * nearly every POST still reads S3: the cache pays off for popular certificates and bursts.
 */
export function expectedPostReads(posts: number, certificates: number, a: CostAssumptions): number {
  if (a.edgePostCacheSeconds <= 0) return posts;
  const slots =
    certificates * a.keysPerCertificate * a.edgePostContainers * (SECONDS_PER_MONTH / a.edgePostCacheSeconds);
  if (slots === 0 || posts === 0) return 0;
  return slots * -Math.expm1(-posts / slots);
}

export function estimateCosts(
  inputs: CostInputs,
  prices: UnitPrices = DEFAULT_UNIT_PRICES,
  assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS,
): CostEstimate {
  requireNonNegative('certificates', inputs.certificates);
  requireNonNegative('requests per month', inputs.requestsPerMonth);
  if (!(inputs.postShare >= 0 && inputs.postShare <= 1))
    throw new CostModelError('post share must be between 0 and 1');
  for (const [name, value] of Object.entries(prices)) requireNonNegative(name, value as number);
  return {
    inputs,
    options: [
      caRepoCost(inputs, prices, assumptions),
      privateCaCost(inputs, prices, assumptions),
      ec2Cost(inputs, prices, assumptions),
    ],
  };
}

function caRepoCost(inputs: CostInputs, p: UnitPrices, a: CostAssumptions): CostOption {
  const m = inputs.requestsPerMonth;
  const posts = m * inputs.postShare;
  const gets = m - posts;
  const misses = expectedGetMisses(gets, inputs.certificates, a);
  const free = a.freeTier;
  const lines: CostLine[] = [];

  const requests = metered(m, freeIf(free, p.cloudfrontFreeRequests), 'requests');
  lines.push({
    item: 'CloudFront requests (HTTP, Japan)',
    quantity: requests.text,
    usd: (requests.billable / 10_000) * p.cloudfrontHttpRequestsPer10k,
  });
  const sentGb = (m * (a.responseBytes + a.headerBytes)) / GB;
  const transfer = metered(sentGb, freeIf(free, p.cloudfrontFreeTransferGb), 'GB', hundredths);
  lines.push({
    item: 'CloudFront data transfer out (Japan)',
    quantity: transfer.text,
    usd: transfer.billable * p.cloudfrontTransferPerGb,
  });
  // The Function runs below the OCSP prefix (GETs); the prefix itself, where POSTs go, has none.
  const functionRuns = a.viewerFunctionOnPosts ? m : gets;
  const invocations = metered(functionRuns, freeIf(free, p.cloudfrontFunctionFreeInvocations), 'invocations');
  lines.push({
    item: `CloudFront Function (viewer-request, every OCSP ${a.viewerFunctionOnPosts ? 'request' : 'GET'})`,
    quantity: invocations.text,
    usd: (invocations.billable / 1e6) * p.cloudfrontFunctionPerMillion,
  });

  const postReads = expectedPostReads(posts, inputs.certificates, a);
  // One origin-request invocation per POST and per GET miss: the OCSP behaviour has no
  // origin-response function (lib/constructs/distribution.ts), the miss is answered from the store.
  const edgeInvocations = posts + misses;
  const edgeGbSeconds =
    ((postReads * a.edgePostMs + (posts - postReads) * a.edgePostCachedMs + misses * a.edgeGetMissMs) /
      1000) *
    (a.edgeMemoryMb / 1024);
  lines.push({
    item: 'Lambda@Edge origin-request (every POST, every GET cache miss)',
    quantity: `${count(edgeInvocations, 'invocations')}, ${count(edgeGbSeconds, 'GB-s')}`,
    usd: (edgeInvocations / 1e6) * p.lambdaEdgeRequestsPerMillion + edgeGbSeconds * p.lambdaEdgePerGbSecond,
  });
  const s3Reads = postReads + misses;
  lines.push({
    item: 'S3 GET (POSTs not in the edge POST cache, every GET miss)',
    quantity: count(s3Reads, 'requests'),
    usd: (s3Reads / 1000) * p.s3GetPer1000,
  });

  const objects = inputs.certificates * a.keysPerCertificate;
  const storedGb = (objects * a.responseBytes + a.crlCount * a.crlBytes) / GB;
  const copies = a.replica ? 1 : 0;
  lines.push({
    item: `S3 storage${a.replica ? ' (primary + replica)' : ''}`,
    quantity: gb(storedGb * (1 + copies)),
    usd: storedGb * p.s3StoragePerGbMonth + copies * storedGb * p.replicaStoragePerGbMonth,
  });

  // A full refresh every refreshDays (one bundle of all certificates) and each CRL publish (one
  // small bundle): tar parts of filesPerPart files, one worker and one SQS message per part.
  const refreshes = 30 / a.refreshDays;
  const bundles = refreshes + a.crlCount * a.crlPublishesPerMonth;
  const parts =
    Math.ceil(inputs.certificates / a.filesPerPart) * refreshes + a.crlCount * a.crlPublishesPerMonth;
  const filesPublished = inputs.certificates * refreshes + a.crlCount * a.crlPublishesPerMonth;
  const writes = objects * refreshes + a.crlCount * a.crlPublishesPerMonth;
  // Repository: a conditional PUT and a HEAD per object, index.json + index.html per bundle.
  // Ingest: the part and its result (PUT), manifest and receipt (PUT), part and manifest reads (GET).
  const puts = writes + 4 * bundles + 2 * parts;
  const reads = writes + 2 * parts;
  lines.push({
    item: 'S3 requests, publishing (PUT + HEAD per object, ingest)',
    quantity: `${count(puts, 'PUTs')}, ${count(reads, 'GET/HEADs')}`,
    usd: (puts / 1000) * p.s3PutPer1000 + (reads / 1000) * p.s3GetPer1000,
  });
  if (a.replica) {
    const replicatedGb =
      (objects * refreshes * a.responseBytes + a.crlCount * a.crlPublishesPerMonth * a.crlBytes) / GB;
    lines.push({
      item: 'Cross-Region replication (replica PUT + transfer)',
      quantity: `${count(writes, 'PUTs')}, ${gb(replicatedGb)}`,
      usd: (writes / 1000) * p.replicaPutPer1000 + replicatedGb * p.interRegionTransferPerGb,
    });
  }
  const publishGbSeconds = ((filesPublished * a.publishMsPerResponse) / 1000) * (a.publishMemoryMb / 1024);
  const lambdaRequests = metered(parts + bundles, freeIf(free, p.lambdaFreeRequests), 'Lambda requests');
  const lambdaGbSeconds = metered(publishGbSeconds, freeIf(free, p.lambdaFreeGbSeconds), 'GB-s');
  // Each part is sent, received and deleted.
  const sqsRequests = metered(parts * 3, freeIf(free, p.sqsFreeRequests), 'SQS requests');
  lines.push({
    item: 'Publish Lambda + SQS fan-out',
    quantity: `${count(parts, 'parts')}; ${lambdaRequests.text}; ${lambdaGbSeconds.text}; ${sqsRequests.text}`,
    usd:
      (lambdaRequests.billable / 1e6) * p.lambdaRequestsPerMillion +
      lambdaGbSeconds.billable * p.lambdaPerGbSecond +
      (sqsRequests.billable / 1e6) * p.sqsPerMillion,
  });
  const paths =
    inputs.certificates * a.revokedSharePerMonth * a.keysPerCertificate + a.crlCount * a.crlPublishesPerMonth;
  // The first 1,000 paths a month are free whatever the account's age: not an always-free tier.
  const billedPaths = metered(paths, p.invalidationFreePaths, 'paths');
  lines.push({
    item: 'CloudFront invalidations (revocations, CRL updates)',
    quantity: billedPaths.text,
    usd: billedPaths.billable * p.invalidationPerPath,
  });

  if (a.abuseLimits) {
    lines.push({
      item: `${WAF_LINE} (OCSP POST abuse limits; inspects every request)`,
      quantity: `1 web ACL, ${a.wafRules} rules, ${count(m, 'requests')}`,
      usd: p.wafWebAclMonthly + a.wafRules * p.wafRuleMonthly + (m / 1e6) * p.wafRequestsPerMillion,
    });
  }

  const priced = option('ca-repo (CloudFront + S3)', lines, [
    ...(free ? [FREE_TIER_NOTE] : []),
    `${count(postReads, 'POSTs')} of ${count(posts, 'read S3')} (POST cache ${a.edgePostCacheSeconds} s in ${a.edgePostContainers} warm containers)`,
    `${count(misses, 'GET cache misses')} expected (${(gets > 0 ? (100 * misses) / gets : 0).toFixed(1)} % of GETs) with ${a.edgeCachesFetchingFromOrigin} edge caches fetching from the origin, each keeping an answer ${a.edgeKeepsUntilRefreshDeadline ? `to its refresh deadline (one fetch per ${a.refreshDays}-day refresh)` : `${a.ocspMaxAgeSeconds} s`}`,
  ]);
  const waf = lines.find((l) => l.item.startsWith(WAF_LINE));
  if (waf) {
    priced.variants = [
      {
        name: 'ca-repo without the WAF web ACL (as the EC2 pair is priced)',
        totalUsd: priced.totalUsd - waf.usd,
      },
    ];
  }
  return priced;
}

function privateCaCost(inputs: CostInputs, p: UnitPrices, a: CostAssumptions): CostOption {
  const n = inputs.certificates;
  // A certificate is billed once a month if it was queried at least once.
  const queried = n === 0 ? 0 : n * -Math.expm1(-inputs.requestsPerMonth / n);
  return option(
    'AWS Private CA managed OCSP',
    [
      {
        item: 'Private CA (general-purpose mode)',
        quantity: count(a.privateCaCount, 'CA'),
        usd: a.privateCaCount * p.privateCaMonthly,
      },
      {
        item: 'OCSP, per certificate queried',
        quantity: count(queried, 'certificates'),
        usd: queried * p.privateCaOcspPerCertificateQueried,
      },
    ],
    [
      'only for certificates issued by AWS Private CA: the CA (and its key) moves to AWS; issuance fees not included',
      'AWS documents that a revocation may take up to 60 minutes to appear in its OCSP responses',
    ],
  );
}

function ec2Cost(inputs: CostInputs, p: UnitPrices, a: CostAssumptions): CostOption {
  const averageRps = inputs.requestsPerMonth / SECONDS_PER_MONTH;
  const instances = Math.max(
    a.ec2MinimumInstances,
    Math.ceil((averageRps * a.peakToAverage) / a.ec2RequestsPerSecondPerInstance),
  );
  const transferGb = (inputs.requestsPerMonth * (a.responseBytes + a.headerBytes)) / GB;
  // An OCSP client opens a new connection per request; 1 GB processed an hour is the other dimension.
  const lcus = Math.max(averageRps / 25, transferGb / HOURS_PER_MONTH / 1);
  const transfer = metered(transferGb, freeIf(a.freeTier, p.ec2FreeTransferGb), 'GB', hundredths);
  return option(
    'EC2 responders (2 AZs) + ALB',
    [
      {
        item: 'EC2 t3.small on-demand',
        quantity: count(instances * HOURS_PER_MONTH, 'instance-hours'),
        usd: instances * HOURS_PER_MONTH * p.ec2InstanceHourly,
      },
      {
        item: 'EBS gp3',
        quantity: gb(instances * a.ebsGbPerInstance),
        usd: instances * a.ebsGbPerInstance * p.ebsPerGbMonth,
      },
      {
        item: 'Application Load Balancer',
        quantity: count(HOURS_PER_MONTH, 'hours'),
        usd: HOURS_PER_MONTH * p.albHourly,
      },
      {
        item: 'ALB capacity units',
        quantity: `${lcus.toFixed(2)} LCU average`,
        usd: lcus * HOURS_PER_MONTH * p.albLcuHourly,
      },
      {
        item: 'Data transfer out (Tokyo)',
        quantity: transfer.text,
        usd: transfer.billable * p.ec2TransferPerGb,
      },
    ],
    [
      `${instances} instances for ${averageRps.toFixed(1)} req/s average (${a.peakToAverage}× peak, ${a.ec2RequestsPerSecondPerInstance} req/s each)`,
      'operating the instances (patching, responder software, key or response sync) is not priced',
      ...(a.freeTier ? [FREE_TIER_NOTE] : []),
    ],
  );
}

/** Merges a price file `{ "prices": {...}, "assumptions": {...} }` over the defaults, refusing unknown names. */
export function applyOverrides(overrides: unknown): { prices: UnitPrices; assumptions: CostAssumptions } {
  const prices: UnitPrices = { ...DEFAULT_UNIT_PRICES };
  const assumptions: CostAssumptions = { ...DEFAULT_ASSUMPTIONS };
  if (overrides === undefined || overrides === null) return { prices, assumptions };
  if (typeof overrides !== 'object' || Array.isArray(overrides))
    throw new CostModelError('the price file must hold a JSON object');
  for (const [section, values] of Object.entries(overrides as Record<string, unknown>)) {
    const target: Record<string, number | boolean> | undefined =
      section === 'prices'
        ? (prices as unknown as Record<string, number>)
        : section === 'assumptions'
          ? (assumptions as unknown as Record<string, number | boolean>)
          : undefined;
    if (!target) throw new CostModelError(`unknown section "${section}": use "prices" and "assumptions"`);
    if (typeof values !== 'object' || values === null)
      throw new CostModelError(`"${section}" must be an object`);
    for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
      if (!(name in target)) throw new CostModelError(`unknown ${section} entry "${name}"`);
      if (typeof value !== typeof target[name])
        throw new CostModelError(`${section}.${name} must be a ${typeof target[name]}`);
      if (typeof value === 'number') requireNonNegative(`${section}.${name}`, value);
      target[name] = value as number | boolean;
    }
  }
  return { prices, assumptions };
}

/**
 * The unit prices of the cost model (cost-model.ts), each with where it comes from. Overridable
 * with `ca-repo cost --price-file`.
 */

export interface UnitPrices {
  /** CloudFront HTTP requests, Japan edge locations, per 10,000 (OCSP is plain HTTP). */
  cloudfrontHttpRequestsPer10k: number;
  /** CloudFront data transfer out to the internet, Japan, first 10 TB, per GB. */
  cloudfrontTransferPerGb: number;
  cloudfrontFunctionPerMillion: number;
  lambdaEdgeRequestsPerMillion: number;
  lambdaEdgePerGbSecond: number;
  invalidationPerPath: number;
  /** CloudFront always-free tier, per month. */
  cloudfrontFreeRequests: number;
  cloudfrontFreeTransferGb: number;
  cloudfrontFunctionFreeInvocations: number;
  invalidationFreePaths: number;
  /** S3 Standard, Tokyo (the primary) and Osaka (the replica), per GB-month and per 1,000 requests. */
  s3StoragePerGbMonth: number;
  s3PutPer1000: number;
  s3GetPer1000: number;
  replicaStoragePerGbMonth: number;
  replicaPutPer1000: number;
  /** Cross-Region replication: data transfer from Tokyo to another Region, per GB. */
  interRegionTransferPerGb: number;
  /** AWS Lambda (x86), Tokyo, with the always-free tier. */
  lambdaRequestsPerMillion: number;
  lambdaPerGbSecond: number;
  lambdaFreeRequests: number;
  lambdaFreeGbSeconds: number;
  sqsPerMillion: number;
  sqsFreeRequests: number;
  /** AWS Private CA, general-purpose mode, per CA per month. */
  privateCaMonthly: number;
  /** AWS Private CA OCSP: per certificate queried in the month. */
  privateCaOcspPerCertificateQueried: number;
  /** EC2 t3.small Linux on-demand, Tokyo, per hour; gp3 EBS per GB-month. */
  ec2InstanceHourly: number;
  ebsPerGbMonth: number;
  albHourly: number;
  albLcuHourly: number;
  /** EC2/ALB data transfer out to the internet, Tokyo, first 10 TB, per GB; free GB per month. */
  ec2TransferPerGb: number;
  ec2FreeTransferGb: number;
  /** AWS WAF: per web ACL per month, per rule per month, per million requests inspected. */
  wafWebAclMonthly: number;
  wafRuleMonthly: number;
  wafRequestsPerMillion: number;
}

/**
 * Where each price comes from. Checked while building this model (2026-11); those marked
 * "not re-checked" come from the AWS pricing pages as commonly quoted and could not be read in
 * full there: confirm them before quoting a figure.
 */
export const PRICE_SOURCES: Readonly<Record<keyof UnitPrices, string>> = {
  cloudfrontHttpRequestsPer10k:
    'CloudFront pricing, Japan, HTTP requests (billing item JP-Requests-Tier1: $0.009 per 10,000)',
  cloudfrontTransferPerGb:
    'CloudFront pricing page, Regional Data Transfer Out to Internet, Japan, first 10 TB: $0.114/GB',
  cloudfrontFunctionPerMillion: 'CloudFront pricing: CloudFront Functions $0.10 per 1 million invocations',
  lambdaEdgeRequestsPerMillion:
    'CloudFront pricing, Lambda@Edge: $0.60 per 1 million requests (REFERENCE.md)',
  lambdaEdgePerGbSecond:
    'CloudFront pricing, Lambda@Edge: $0.00005001 per GB-second, billed per 1 ms (not re-checked)',
  invalidationPerPath: 'CloudFront pricing: $0.005 per path after the first 1,000 paths a month',
  cloudfrontFreeRequests: 'CloudFront always-free tier: 10,000,000 HTTP/HTTPS requests a month',
  cloudfrontFreeTransferGb: 'CloudFront always-free tier: 1 TB data transfer out a month',
  cloudfrontFunctionFreeInvocations:
    'CloudFront always-free tier: 2,000,000 CloudFront Function invocations a month',
  invalidationFreePaths: 'CloudFront pricing: first 1,000 invalidation paths a month free',
  s3StoragePerGbMonth: 'S3 pricing, Tokyo, S3 Standard first 50 TB: $0.025/GB-month (not re-checked)',
  s3PutPer1000: 'S3 pricing, Tokyo, PUT/COPY/POST/LIST: $0.0047 per 1,000 (not re-checked)',
  s3GetPer1000: 'S3 pricing, Tokyo, GET/HEAD and others: $0.00037 per 1,000 (not re-checked)',
  replicaStoragePerGbMonth: 'S3 pricing, Osaka, S3 Standard: taken equal to Tokyo (not re-checked)',
  replicaPutPer1000:
    'S3 pricing, Osaka, PUT: taken equal to Tokyo; replication bills the destination PUT (not re-checked)',
  interRegionTransferPerGb:
    'S3/EC2 data transfer from Tokyo to another AWS Region: $0.09/GB (not re-checked)',
  lambdaRequestsPerMillion: 'Lambda pricing: $0.20 per 1 million requests',
  lambdaPerGbSecond: 'Lambda pricing, Tokyo, x86: $0.0000166667 per GB-second (not re-checked)',
  lambdaFreeRequests: 'Lambda always-free tier: 1,000,000 requests a month',
  lambdaFreeGbSeconds: 'Lambda always-free tier: 400,000 GB-seconds a month',
  sqsPerMillion: 'SQS standard queue: $0.40 per 1 million requests (not re-checked)',
  sqsFreeRequests: 'SQS always-free tier: 1,000,000 requests a month',
  privateCaMonthly: 'AWS Private CA pricing page: $400 per private CA per month, general-purpose mode',
  privateCaOcspPerCertificateQueried:
    'AWS Price List, AWSCertificateManager offer, "OCSP response generation": $0.06 per certificate queried per month (rows effective 2024-10-01 and 2025-07-01; the pricing page table itself was not readable here)',
  ec2InstanceHourly: 'EC2 on-demand, Tokyo, t3.small Linux: $0.0272/hour (not re-checked)',
  ebsPerGbMonth: 'EBS gp3, Tokyo: $0.096/GB-month (not re-checked)',
  albHourly: 'Elastic Load Balancing, Tokyo, Application Load Balancer: $0.0243/hour (not re-checked)',
  albLcuHourly:
    'Elastic Load Balancing: $0.008 per LCU-hour (pricing page example); LCU = 25 new connections/s, 3,000 active connections/min, 1 GB/hour (not re-checked for Tokyo)',
  ec2TransferPerGb: 'EC2 data transfer out to the internet, Tokyo, first 10 TB: $0.114/GB (not re-checked)',
  ec2FreeTransferGb: 'AWS free tier: 100 GB data transfer out to the internet a month, all services',
  wafWebAclMonthly: 'AWS WAF pricing: $5.00 per web ACL per month, prorated hourly (not re-checked)',
  wafRuleMonthly:
    'AWS WAF pricing: $1.00 per rule per month; a managed rule group counts as one rule, AWS IP reputation list has no subscription fee (not re-checked)',
  wafRequestsPerMillion:
    'AWS WAF pricing: $0.60 per million requests inspected, every request of the distribution, up to 1,500 WCU (not re-checked)',
};

export const DEFAULT_UNIT_PRICES: Readonly<UnitPrices> = {
  cloudfrontHttpRequestsPer10k: 0.009,
  cloudfrontTransferPerGb: 0.114,
  cloudfrontFunctionPerMillion: 0.1,
  lambdaEdgeRequestsPerMillion: 0.6,
  lambdaEdgePerGbSecond: 0.00005001,
  invalidationPerPath: 0.005,
  cloudfrontFreeRequests: 10_000_000,
  cloudfrontFreeTransferGb: 1024,
  cloudfrontFunctionFreeInvocations: 2_000_000,
  invalidationFreePaths: 1000,
  s3StoragePerGbMonth: 0.025,
  s3PutPer1000: 0.0047,
  s3GetPer1000: 0.00037,
  replicaStoragePerGbMonth: 0.025,
  replicaPutPer1000: 0.0047,
  interRegionTransferPerGb: 0.09,
  lambdaRequestsPerMillion: 0.2,
  lambdaPerGbSecond: 0.0000166667,
  lambdaFreeRequests: 1_000_000,
  lambdaFreeGbSeconds: 400_000,
  sqsPerMillion: 0.4,
  sqsFreeRequests: 1_000_000,
  privateCaMonthly: 400,
  privateCaOcspPerCertificateQueried: 0.06,
  ec2InstanceHourly: 0.0272,
  ebsPerGbMonth: 0.096,
  albHourly: 0.0243,
  albLcuHourly: 0.008,
  ec2TransferPerGb: 0.114,
  ec2FreeTransferGb: 100,
  wafWebAclMonthly: 5,
  wafRuleMonthly: 1,
  wafRequestsPerMillion: 0.6,
};

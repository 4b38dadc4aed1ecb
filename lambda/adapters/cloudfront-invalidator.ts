/** CDN invalidation through the CloudFront API; the publisher's role may invalidate only its own distribution. */
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { randomUUID } from 'node:crypto';
import type { CdnInvalidator } from '../services/ports.ts';

export class CloudFrontInvalidator implements CdnInvalidator {
  constructor(
    private readonly client: CloudFrontClient,
    private readonly distributionId: string,
  ) {}

  async invalidate(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.client.send(
      new CreateInvalidationCommand({
        DistributionId: this.distributionId,
        InvalidationBatch: {
          CallerReference: `ca-repo-${randomUUID()}`,
          Paths: { Quantity: paths.length, Items: [...paths] },
        },
      }),
    );
  }
}

/**
 * The us-east-1 stack: the Lambda@Edge functions (put here by `cloudfront.experimental.EdgeFunction`,
 * which finds this stack by its ID) and the web ACL of the OCSP abuse limits (CloudFront takes web
 * ACLs and edge functions from us-east-1 only). Created by ca-repo, not left to EdgeFunction, so it
 * has termination protection and can export the web ACL's ARN to the primary Region.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { CaRepoConfig } from '../config.ts';
import { OcspWebAcl } from '../constructs/ocsp-web-acl.ts';

export const EDGE_REGION = 'us-east-1';

export interface CaRepoEdgeStackProps extends StackProps {
  config: CaRepoConfig;
}

export class CaRepoEdgeStack extends Stack {
  /** Present when `abuseLimits.enabled`. */
  readonly webAcl?: OcspWebAcl;

  constructor(scope: Construct, id: string, props: CaRepoEdgeStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      env: { account: config.account, region: EDGE_REGION },
      description: 'ca-repo: Lambda@Edge functions and the OCSP abuse-limit web ACL (us-east-1)',
      // Deleting it removes the edge code every request runs through.
      terminationProtection: props.terminationProtection ?? true,
      // The web ACL's ARN goes to the distribution in the primary Region.
      crossRegionReferences: true,
    });
    if (config.abuseLimits.enabled) {
      this.webAcl = new OcspWebAcl(this, 'OcspWebAcl', {
        ocspPathPrefix: config.ocspPathPrefix,
        postsPerIpPer5Minutes: config.abuseLimits.ocspPostsPerIpPer5Minutes,
        ipReputation: config.abuseLimits.ipReputation,
      });
    }
  }
}

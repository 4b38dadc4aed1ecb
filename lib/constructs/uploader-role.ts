/**
 * The role the on-prem uploader assumes (outbound HTTPS only, nothing in AWS calls back in). It may
 * put bundle objects and read receipts, nothing else: no listing, no deleting, no other bucket, and
 * not the publisher's per-part verdicts that live beside the bundle.
 * With `sources` set, both grants also require the call to come from those addresses or that VPC
 * endpoint, so leaked credentials are useless elsewhere.
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { UploaderSources } from '../config.ts';
import type { IngestBucket } from './ingest-bucket.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';

export interface UploaderRoleProps {
  ingest: IngestBucket;
  sources?: UploaderSources;
  /** Who may assume the role. Default: IAM principals of this account that are allowed to. */
  assumedBy?: iam.IPrincipal;
}

export function sourceConditions(sources: UploaderSources | undefined): iam.Conditions | undefined {
  if (!sources) return undefined;
  if ('vpcEndpointId' in sources) return { StringEquals: { 'aws:SourceVpce': sources.vpcEndpointId } };
  return { IpAddress: { 'aws:SourceIp': sources.cidrs } };
}

export class UploaderRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: UploaderRoleProps) {
    super(scope, id);
    const conditions = sourceConditions(props.sources);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: props.assumedBy ?? new iam.AccountRootPrincipal(),
      description: 'ca-repo on-prem uploader: put bundles and read receipts in the ingest bucket',
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        IngestUpload: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'PutBundles',
              actions: ['s3:PutObject'],
              resources: [props.ingest.bundleObjectsArn()],
              conditions,
            }),
            new iam.PolicyStatement({
              sid: 'ReadReceipts',
              actions: ['s3:GetObject'],
              resources: [props.ingest.receiptObjectsArn()],
              conditions,
            }),
          ],
        }),
      },
    });
    const reason =
      'Object ARNs need a key pattern: bundle IDs are chosen by the uploader at run time, so the grant is the narrowest prefix of one bucket (bundles/ for writing, receipts/ for reading) with one action each.';
    acknowledge(this.role, wildcardResourceFinding(this, props.ingest.bundleObjectsArn()), reason);
    acknowledge(this.role, wildcardResourceFinding(this, props.ingest.receiptObjectsArn()), reason);
  }
}

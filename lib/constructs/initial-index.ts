/**
 * A new repository serves an empty index.json (index format version 1, no entries) and an
 * index.html saying nothing is published yet, from the moment the stack is deployed, instead of a
 * 404 and a bare "Not Found". Written at deploy time by an AwsCustomResource calling S3 PutObject
 * with `If-None-Match: *`, so an index a publish has written is never overwritten: the put is
 * refused (412 PreconditionFailed, ignored) on every later create or update of the resource.
 * Replication copies the objects to the replica bucket like any other.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { initialIndexObjects } from '../../lambda/core/publish/repository-index.ts';
import type { CacheCaps } from '../../lambda/core/serving/cache-policy.ts';
import { acknowledge } from './nag.ts';

export interface InitialIndexProps {
  repository: s3.IBucket;
  ocspPathPrefix: string;
  cacheCaps: CacheCaps;
}

/** S3's answers to a conditional put that found an object (or a concurrent one) at the key. */
const EXISTING_OBJECT_CODES = 'PreconditionFailed|ConditionalRequestConflict';

export class InitialIndex extends Construct {
  readonly resources: cr.AwsCustomResource[] = [];

  constructor(scope: Construct, id: string, props: InitialIndexProps) {
    super(scope, id);
    for (const object of initialIndexObjects(props.ocspPathPrefix, props.cacheCaps)) {
      const call: cr.AwsSdkCall = {
        service: 'S3',
        action: 'putObject',
        parameters: {
          Bucket: props.repository.bucketName,
          Key: object.key,
          Body: object.body,
          ContentType: object.contentType,
          CacheControl: object.cacheControl,
          IfNoneMatch: '*',
        },
        physicalResourceId: cr.PhysicalResourceId.of(`initial-${object.key}`),
        ignoreErrorCodesMatching: EXISTING_OBJECT_CODES,
      };
      this.resources.push(
        new cr.AwsCustomResource(this, object.key === 'index.json' ? 'IndexJson' : 'IndexHtml', {
          onCreate: call,
          onUpdate: call,
          installLatestAwsSdk: false,
          policy: cr.AwsCustomResourcePolicy.fromStatements([
            new iam.PolicyStatement({
              actions: ['s3:PutObject'],
              resources: [props.repository.arnForObjects(object.key)],
            }),
          ]),
        }),
      );
    }
    // The custom resources share one CDK-provided function per stack.
    const provider = Stack.of(this).node.tryFindChild(SINGLETON_ID);
    if (provider) {
      acknowledge(
        provider,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK’s AwsCustomResource function (it writes the initial index.json and index.html at deploy time, If-None-Match: *) only writes its own logs with this AWS managed policy; its S3 permission is PutObject on those two keys only.',
      );
    }
  }
}

/** The construct ID aws-cdk-lib gives AwsCustomResource's singleton function. */
const SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

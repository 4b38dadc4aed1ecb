/**
 * Every CloudFormation type the diagram knows, and how it is drawn: a box of its own kind, a plain
 * box, or folded into a drawn box and counted. Adding a kind of box is adding a drawer file in this
 * folder and its line here. A type not listed is still drawn, as a plain box named by its type, so
 * a new resource is never invisible.
 */
import { foldedInto, plainBox, type NodeDrawer } from '../node-drawer.ts';
import { wafWebAcl } from './audit.ts';
import { cloudFrontDistribution, cloudFrontFunction } from './cloudfront.ts';
import { cloudWatchAlarms } from './cloudwatch-alarms.ts';
import { iamRole } from './iam-role.ts';
import { lambdaFunction } from './lambda-function.ts';
import { snsTopic, sqsQueue } from './messaging.ts';
import { s3Bucket } from './s3-bucket.ts';
import { schedule } from './schedule.ts';

export const NODE_DRAWERS: Readonly<Record<string, NodeDrawer>> = {
  'AWS::S3::Bucket': s3Bucket,
  'AWS::Lambda::Function': lambdaFunction,
  'AWS::CloudFront::Function': cloudFrontFunction,
  'AWS::CloudFront::Distribution': cloudFrontDistribution,
  'AWS::SQS::Queue': sqsQueue,
  'AWS::SNS::Topic': snsTopic,
  'AWS::CloudWatch::Alarm': cloudWatchAlarms,
  'AWS::CloudWatch::CompositeAlarm': cloudWatchAlarms,
  'AWS::IAM::Role': iamRole,
  'AWS::Events::Rule': schedule('EventBridge rule'),
  'AWS::Scheduler::Schedule': schedule('EventBridge schedule'),
  'AWS::CloudWatch::Dashboard': plainBox('CloudWatch dashboard', 'dashboard'),
  'AWS::DynamoDB::Table': plainBox('DynamoDB table'),
  'AWS::CloudTrail::Trail': plainBox('CloudTrail trail'),
  'AWS::WAFv2::WebACL': wafWebAcl,
  'AWS::RolesAnywhere::TrustAnchor': plainBox('IAM Roles Anywhere trust anchor'),
  'AWS::RolesAnywhere::Profile': plainBox('IAM Roles Anywhere profile'),

  // Configuration of a drawn box rather than a thing of its own.
  'AWS::IAM::Policy': foldedInto('permissions of a drawn role or function'),
  'AWS::IAM::ManagedPolicy': foldedInto('permissions of a drawn role or function'),
  'AWS::Lambda::Permission': foldedInto('invoke permissions behind drawn arrows'),
  'AWS::Lambda::Version': foldedInto('published versions of drawn functions'),
  'AWS::Lambda::EventSourceMapping': foldedInto('drawn as queue → function arrows'),
  'AWS::Lambda::EventInvokeConfig': foldedInto('retry settings of drawn functions'),
  'AWS::Lambda::LayerVersion': foldedInto('shown in the details of the functions that use it'),
  'AWS::Logs::LogGroup': foldedInto('shown in the details of the functions that write them'),
  'AWS::S3::BucketPolicy': foldedInto('access policies of drawn buckets (marks)'),
  'AWS::SQS::QueuePolicy': foldedInto('access policies of drawn queues'),
  'AWS::SNS::TopicPolicy': foldedInto('access policies of drawn topics'),
  'AWS::SNS::Subscription': foldedInto('drawn as topic → operators arrows'),
  'AWS::SSM::Parameter': foldedInto('Lambda@Edge version ARNs handed to the primary Region'),
  'AWS::CloudFront::OriginAccessControl': foldedInto('drawn as OAC origin reads'),
  'AWS::CloudFront::CachePolicy': foldedInto('settings of the drawn distribution'),
  'AWS::CloudFront::ResponseHeadersPolicy': foldedInto('settings of the drawn distribution'),
  'AWS::CloudFront::OriginRequestPolicy': foldedInto('settings of the drawn distribution'),
  'AWS::CDK::Metadata': foldedInto('CDK version metadata'),
};

const customResource = foldedInto('CDK custom resources (deployment-time helpers)');
const anyResource = plainBox();

/** How a resource of `type` is drawn. */
export function nodeDrawerFor(type: string): NodeDrawer {
  if (Object.hasOwn(NODE_DRAWERS, type)) return NODE_DRAWERS[type]!;
  return type.startsWith('Custom::') ? customResource : anyResource;
}

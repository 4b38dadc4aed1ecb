/**
 * Abuse limits at the edge: a WAF web ACL (scope CLOUDFRONT, so in us-east-1) whose rules look at
 * OCSP POSTs only. Every POST runs Lambda@Edge and an S3 read and is never cached, so anyone could
 * run up cost or exhaust concurrency with them; CRL, certificate and OCSP GET fetches are cached and
 * are never touched, whoever sends them.
 *
 * The rules count and label, they never block: WAF's 403 is an error to an OCSP client, while
 * `tryLater` (RFC 6960 §2.3, HTTP 200, DER) is the answer OCSP clients expect from a busy responder.
 * A matching rule inserts a header (`x-amzn-waf-ca-repo-abuse-label`) naming itself, the OCSP
 * behaviour forwards that header to the origin-request function, and the function answers tryLater
 * without reading S3.
 *
 * - a rate-based rule: more than `postsPerIpPer5Minutes` OCSP POSTs from one address in 5 minutes;
 * - AWS's IP reputation list (AWSManagedRulesAmazonIpReputationList), scoped to OCSP POSTs, in count
 *   mode, and a rule that turns its labels into the header.
 */
import { Stack } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { ABUSE_LABEL_HEADER_NAME, ABUSE_LABELS } from '../../lambda/core/contract/edge-origin-headers.ts';

export interface OcspWebAclProps {
  /** Path prefix of the OCSP URL, e.g. `/ocsp`. */
  ocspPathPrefix: string;
  postsPerIpPer5Minutes: number;
  ipReputation: boolean;
}

/** Labels of AWSManagedRulesAmazonIpReputationList all live in this namespace. */
export const IP_REPUTATION_LABEL_NAMESPACE = 'awswaf:managed:aws:amazon-ip-list:';
export const IP_REPUTATION_RULE_GROUP = 'AWSManagedRulesAmazonIpReputationList';

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

/** Count the request and insert the header naming the rule. */
function countAndLabel(label: string): wafv2.CfnWebACL.RuleActionProperty {
  return {
    count: {
      customRequestHandling: { insertHeaders: [{ name: ABUSE_LABEL_HEADER_NAME, value: label }] },
    },
  };
}

export class OcspWebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: OcspWebAclProps) {
    super(scope, id);
    if (Stack.of(this).region !== 'us-east-1') {
      throw new Error('a web ACL for CloudFront (scope CLOUDFRONT) must be created in us-east-1');
    }
    const byteMatch = (
      fieldToMatch: wafv2.CfnWebACL.FieldToMatchProperty,
      searchString: string,
      positionalConstraint: string,
    ): wafv2.CfnWebACL.StatementProperty => ({
      byteMatchStatement: {
        fieldToMatch,
        searchString,
        positionalConstraint,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    });
    const ocspPost: wafv2.CfnWebACL.StatementProperty = {
      andStatement: {
        statements: [
          byteMatch({ uriPath: {} }, props.ocspPathPrefix, 'STARTS_WITH'),
          byteMatch({ method: {} }, 'POST', 'EXACTLY'),
        ],
      },
    };
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'OcspPostRate',
        priority: 0,
        statement: {
          rateBasedStatement: {
            limit: props.postsPerIpPer5Minutes,
            evaluationWindowSec: 300,
            aggregateKeyType: 'IP',
            scopeDownStatement: ocspPost,
          },
        },
        action: countAndLabel(ABUSE_LABELS.rate),
        ruleLabels: [{ name: `ca-repo:${ABUSE_LABELS.rate}` }],
        visibilityConfig: visibility('OcspPostRate'),
      },
    ];
    if (props.ipReputation) {
      rules.push(
        {
          name: 'OcspPostIpReputation',
          priority: 1,
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: IP_REPUTATION_RULE_GROUP,
              scopeDownStatement: ocspPost,
            },
          },
          // Count: the group's rules only label; the next rule passes the label on.
          overrideAction: { count: {} },
          visibilityConfig: visibility('OcspPostIpReputation'),
        },
        {
          name: 'OcspPostIpReputationLabel',
          priority: 2,
          statement: { labelMatchStatement: { scope: 'NAMESPACE', key: IP_REPUTATION_LABEL_NAMESPACE } },
          action: countAndLabel(ABUSE_LABELS.ipReputation),
          visibilityConfig: visibility('OcspPostIpReputationLabel'),
        },
      );
    }
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: `ca-repo: counts and labels abusive OCSP POSTs under ${props.ocspPathPrefix}, answered tryLater, blocks nothing`,
      defaultAction: { allow: {} },
      rules,
      visibilityConfig: visibility('CaRepoOcsp'),
    });
  }
}

/**
 * Abuse limits: every OCSP POST runs Lambda@Edge and an S3 read and is never cached, so a flood of
 * them costs money and concurrency. A WAF web ACL on the distribution counts and labels OCSP POSTs
 * over a per-address rate (and from addresses of ill repute) and the origin-request function answers
 * those `tryLater`; nothing is blocked, and CRL and certificate fetches are never looked at. Reserved
 * concurrency keeps the publish dispatcher and the health checker running whatever else runs away.
 */
import {
  applicationFunctions,
  cacheBehaviors,
  dataTriggeredFunctions,
  edgeAssociations,
  scheduledFunctions,
} from '../app-topology.ts';
import { distributionWebAcl, referencedResource } from '../audit-topology.ts';
import type { AssemblyResource } from '../cloud-assembly.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { asArray, describeValue, isRecord, refTarget } from '../template-query.ts';
import {
  ABUSE_LABEL_HEADER,
  ABUSE_LABEL_HEADER_NAME,
} from '../../lambda/core/contract/edge-origin-headers.ts';

/** Every string a statement matches on, flattened (scope-down statements nest And/Or). */
function matchedStrings(statement: unknown): string[] {
  if (!isRecord(statement)) return [];
  const byteMatch = isRecord(statement.ByteMatchStatement) ? statement.ByteMatchStatement : undefined;
  const own = byteMatch ? [String(byteMatch.SearchString)] : [];
  const nested = ['AndStatement', 'OrStatement']
    .map((key) =>
      isRecord(statement[key])
        ? asArray((statement[key] as Record<string, unknown>).Statements as unknown[])
        : [],
    )
    .flat();
  return [...own, ...nested.flatMap(matchedStrings)];
}

function insertedHeaders(action: unknown): string[] {
  const count = isRecord(action) && isRecord(action.Count) ? action.Count : undefined;
  const handling = count && isRecord(count.CustomRequestHandling) ? count.CustomRequestHandling : undefined;
  return asArray(handling?.InsertHeaders as Record<string, unknown>[])
    .filter(isRecord)
    .map((h) => String(h.Name));
}

function checkWebAcl(findings: Findings, webAcl: AssemblyResource, ocspPattern: string): void {
  const p = webAcl.properties;
  const prefix = ocspPattern.replace(/\*$/, '');
  findings.check(
    webAcl,
    'Scope / Region / DefaultAction',
    `${String(p.Scope)} / ${webAcl.stack.region} / ${Object.keys(isRecord(p.DefaultAction) ? p.DefaultAction : {}).join('')}`,
    p.Scope === 'CLOUDFRONT' &&
      webAcl.stack.region === 'us-east-1' &&
      isRecord(p.DefaultAction) &&
      'Allow' in p.DefaultAction,
  );
  const rules = asArray(p.Rules as Record<string, unknown>[]).filter(isRecord);
  for (const rule of rules) {
    const blocks = isRecord(rule.Action) && 'Block' in rule.Action;
    findings.check(
      webAcl,
      `Rules[${String(rule.Name)}] action`,
      isRecord(rule.Action)
        ? Object.keys(rule.Action).join('')
        : `override ${Object.keys(isRecord(rule.OverrideAction) ? rule.OverrideAction : {}).join('')}`,
      !blocks,
      `rule ${String(rule.Name)} of ${webAcl.logicalId} blocks: WAF's 403 is an error to OCSP clients and refuses CRL fetches (count, label and answer tryLater instead)`,
    );
  }
  const statementOf = (rule: Record<string, unknown>) => (isRecord(rule.Statement) ? rule.Statement : {});
  const rate = rules.find((r) => isRecord(statementOf(r).RateBasedStatement));
  const rateStatement = rate && (statementOf(rate).RateBasedStatement as Record<string, unknown>);
  const scoped = rateStatement ? matchedStrings(rateStatement.ScopeDownStatement) : [];
  findings.check(
    webAcl,
    'rate-based rule (OCSP POST only)',
    rateStatement
      ? `${String(rateStatement.Limit)} per ${String(rateStatement.EvaluationWindowSec ?? 300)} s per ${String(rateStatement.AggregateKeyType)}, scope-down on ${scoped.join(' + ')}, inserts ${insertedHeaders(rate!.Action).join(', ') || 'no header'}`
      : 'none',
    rateStatement !== undefined &&
      scoped.includes('POST') &&
      scoped.includes(prefix) &&
      insertedHeaders(rate!.Action).includes(ABUSE_LABEL_HEADER_NAME),
    `${webAcl.logicalId} has no count-and-label rate rule scoped to POSTs under ${prefix} that passes its label to the origin`,
  );
  const reputation = rules.find(
    (r) =>
      isRecord(statementOf(r).ManagedRuleGroupStatement) &&
      String((statementOf(r).ManagedRuleGroupStatement as Record<string, unknown>).Name) ===
        'AWSManagedRulesAmazonIpReputationList',
  );
  if (reputation) {
    findings.check(
      webAcl,
      'AWSManagedRulesAmazonIpReputationList',
      `override ${Object.keys(isRecord(reputation.OverrideAction) ? reputation.OverrideAction : {}).join('')}, scope-down on ${matchedStrings((statementOf(reputation).ManagedRuleGroupStatement as Record<string, unknown>).ScopeDownStatement).join(' + ')}`,
      isRecord(reputation.OverrideAction) && 'Count' in reputation.OverrideAction,
    );
  } else {
    findings.note(`${webAcl.logicalId} does not use AWS's IP reputation list (abuseLimits.ipReputation).`);
  }
}

export const abuseLimitsRequirement: Requirement = {
  id: 'uc-a-abuse-limits',
  title: 'Abuse limits: OCSP POST rate limited (tryLater), reserved concurrency',
  source:
    'Availability (BR §4.10.2, online 24x7): nobody can run up cost or exhaust concurrency through uncached OCSP POSTs',
  group: 'use-case-a',
  evaluate({ assembly, shell }) {
    const findings = new Findings();
    const distributions = assembly.ofType('AWS::CloudFront::Distribution');
    for (const distribution of distributions) {
      const ocsp = cacheBehaviors(distribution).find((b) => b.allowedMethods.includes('POST'));
      const attached = distributionWebAcl(assembly, distribution);
      findings.check(
        distribution,
        'DistributionConfig.WebACLId',
        attached.kind === 'in-templates'
          ? `<${attached.webAcl.logicalId}> (stack ${attached.webAcl.stack.stackName})`
          : attached.kind === 'external'
            ? attached.arn
            : '(none)',
        attached.kind !== 'none',
        `${distribution.logicalId} has no web ACL: OCSP POSTs are unlimited`,
      );
      findings.command(
        `aws cloudfront get-distribution-config --id ${shell.physicalId(distribution)} --query "DistributionConfig.WebACLId" --output text`,
      );
      if (attached.kind === 'external') {
        findings.note(
          `The web ACL ${attached.arn} is the operator's (webAclArn): its rules are not in the templates; check them with aws wafv2 get-web-acl.`,
        );
      }
      if (attached.kind !== 'in-templates' || !ocsp) continue;
      checkWebAcl(findings, attached.webAcl, ocsp.pathPattern);
      findings.command(
        `aws wafv2 list-web-acls --scope CLOUDFRONT --region us-east-1 --query "WebACLs[].[Name,Id,ARN]" --output table   # then: aws wafv2 get-web-acl --scope CLOUDFRONT --region us-east-1 --name NAME --id ID`,
      );
      findings.command(
        `aws cloudwatch get-metric-statistics --region us-east-1 --namespace AWS/WAFV2 --metric-name CountedRequests --dimensions Name=WebACL,Value=CaRepoOcsp Name=Rule,Value=OcspPostRate --statistics Sum --period 3600 --start-time $(date -u -d '-1 day' +%FT%TZ) --end-time $(date -u +%FT%TZ)`,
      );
      // The label must reach the function that answers OCSP POSTs.
      const policyId = refTarget(ocsp.json.OriginRequestPolicyId);
      const policy = policyId ? assembly.find(distribution.stack, policyId) : undefined;
      const config = isRecord(policy?.properties.OriginRequestPolicyConfig)
        ? policy.properties.OriginRequestPolicyConfig
        : {};
      const headers = isRecord(config.HeadersConfig)
        ? asArray(config.HeadersConfig.Headers as string[]).map(String)
        : [];
      const originRequest = edgeAssociations(assembly, distribution).find(
        (a) =>
          a.behavior === ocsp.pathPattern && a.eventType === 'origin-request' && a.kind === 'lambda-edge',
      );
      findings.check(
        distribution,
        `${ocsp.property}: OriginRequestPolicy headers → origin-request`,
        `${headers.join(', ') || '(none)'} → ${originRequest?.target?.logicalId ?? '(no origin-request function)'}`,
        headers.map((h) => h.toLowerCase()).includes(ABUSE_LABEL_HEADER) && originRequest !== undefined,
        `the OCSP behaviour does not forward ${ABUSE_LABEL_HEADER} to an origin-request function: labelled POSTs would still read S3 instead of getting tryLater`,
      );
    }
    // Reserved concurrency: the functions started by data (the publish dispatcher) or a schedule.
    const triggered = dataTriggeredFunctions(assembly);
    const notified = new Set(
      assembly
        .ofType('Custom::S3BucketNotifications')
        .flatMap((c) => [
          ...(isRecord(c.properties.NotificationConfiguration)
            ? asArray(
                c.properties.NotificationConfiguration.LambdaFunctionConfigurations as Record<
                  string,
                  unknown
                >[],
              )
            : []),
        ])
        .map((config) => (isRecord(config) ? refTarget(config.LambdaFunctionArn) : undefined)),
    );
    const guarded = [
      ...applicationFunctions(assembly).filter((fn) => triggered.has(fn.key) && notified.has(fn.logicalId)),
      ...scheduledFunctions(assembly).map((s) => s.fn),
    ];
    for (const fn of guarded) {
      const reserved = fn.properties.ReservedConcurrentExecutions;
      findings.check(
        fn,
        'ReservedConcurrentExecutions',
        reserved === undefined ? '(none: the account’s unreserved pool)' : describeValue(reserved),
        typeof reserved === 'number' && reserved > 0,
        `${fn.logicalId} has no reserved concurrency: a runaway elsewhere in the account could starve it`,
      );
      findings.command(
        `aws lambda get-function-concurrency --function-name ${shell.physicalId(fn)} --region ${fn.stack.region}`,
      );
    }
    for (const mapping of assembly.ofType('AWS::Lambda::EventSourceMapping')) {
      const scaling = isRecord(mapping.properties.ScalingConfig)
        ? mapping.properties.ScalingConfig.MaximumConcurrency
        : undefined;
      const target = referencedResource(assembly, mapping, mapping.properties.FunctionName);
      findings.check(
        mapping,
        `ScalingConfig.MaximumConcurrency (${target?.logicalId ?? 'function'})`,
        scaling === undefined ? '(unbounded)' : String(scaling),
        scaling !== undefined,
        `queue consumer ${target?.logicalId ?? mapping.logicalId} has no maximum concurrency`,
      );
    }
    findings.note(
      'WAF inspects every request of the distribution and bills per request, whether a rule matches or not; `ca-repo cost` includes it.',
    );
    return findings.conclude(
      {
        met: 'A web ACL counts and labels abusive OCSP POSTs, which are answered tryLater without reading S3; CRL and certificate fetches are never limited; the publish dispatcher and the health checker have reserved concurrency.',
      },
      [
        'docs/deploy.md §10 (abuse limits)',
        'lib/constructs/ocsp-web-acl.ts',
        'lambda/services/edge/ocsp-responder.ts',
      ],
    );
  },
};

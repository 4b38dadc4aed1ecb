/**
 * BR §4.9.7: a CA that is retired (issues nothing more) keeps publishing CRLs until its last
 * certificate expires. The row shows which pinned CAs are active and which retired, as the publish
 * gate is told (its CA_POLICIES environment), and holds every policy to a pinned CA certificate.
 */
import { PUBLISH_ENVIRONMENT } from '../../lambda/core/contract/lambda-environment.ts';
import { readCaStatuses, type CaStatus } from '../ca-statuses.ts';
import { Findings, type Requirement } from '../requirement.ts';

export function describeCaStatus(ca: CaStatus): string {
  const scope = ca.scope === 'root' ? 'ARL' : 'subscriber CRL';
  const retired =
    ca.status === 'retired'
      ? `retired: CRLs accepted until ${ca.lastCertificateExpiry ?? '(no lastCertificateExpiry: without end)'}`
      : 'active';
  return `${retired}; profile ${ca.profile}, ${scope}${ca.certificatesWithoutOcsp ? ', certificates without OCSP' : ''}${ca.configured ? '' : ' (default policy)'}`;
}

export const caRetentionRequirement: Requirement = {
  id: 'br-ca-retention',
  title: "Active and retired CAs; a retired CA's CRLs kept until its last certificate expires",
  source: 'CA/Browser Forum Baseline Requirements §4.9.7 (CRL issuance until the last certificate expires)',
  group: 'baseline-requirements',
  evaluate({ assembly, shell, pinned }) {
    const findings = new Findings();
    const { cas, gate, problems } = readCaStatuses(assembly, pinned);
    if (!gate) findings.fail('no publish gate carries the pinned CA certificates');
    for (const ca of cas) {
      if (gate)
        findings.check(gate, `${PUBLISH_ENVIRONMENT.caPolicies}: ${ca.subject}`, describeCaStatus(ca), true);
      if (ca.status === 'retired' && !ca.lastCertificateExpiry) {
        findings.note(
          `${ca.subject} is retired without lastCertificateExpiry: its CRLs are accepted without end; set the expiry of its last certificate.`,
        );
      }
    }
    for (const problem of problems) findings.fail(problem);
    if (gate) {
      findings.command(
        `aws lambda get-function-configuration --region ${gate.stack.region} --function-name ${shell.physicalId(gate)} --query "Environment.Variables.${PUBLISH_ENVIRONMENT.caPolicies}" --output text | jq .`,
      );
    }
    const retired = cas.filter((ca) => ca.status === 'retired').length;
    return findings.conclude(
      {
        met: `${cas.length - retired} active and ${retired} retired CA(s); the publish gate accepts a retired CA's CRLs until its last certificate expires and refuses them after.`,
      },
      ['lambda/core/publish/ca-policy.ts', 'lambda/core/crl/retired-ca.ts', 'lib/config/revocation.ts'],
    );
  },
};

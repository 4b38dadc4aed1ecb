/**
 * Which pinned CAs are active and which retired (BR §4.9.7: a retired CA keeps publishing CRLs
 * until its last certificate expires), read from what would be deployed: the publish gate's
 * CA_POLICIES environment (lib/config/revocation.ts → lib/constructs/publisher.ts) joined with the
 * certificates of the trust layer. A CA without a policy is active under the default policy, as
 * the gate treats it (core/publish/ca-policy.ts).
 */
import { PUBLISH_ENVIRONMENT } from '../lambda/core/contract/lambda-environment.ts';
import {
  CaPolicyError,
  parseCaPolicies,
  policyOf,
  type CaPolicies,
  type CaPolicy,
} from '../lambda/core/publish/ca-policy.ts';
import { publishGateFunctions } from './app-topology.ts';
import type { AssemblyResource, CloudAssembly } from './cloud-assembly.ts';
import type { PinnedCertificates } from './pinned-certificates.ts';
import { isRecord } from './template-query.ts';

export interface CaStatus {
  subject: string;
  sha256: string;
  status: 'active' | 'retired';
  profile: CaPolicy['profile'];
  scope: CaPolicy['scope'];
  /** Retired CAs: when their CRLs stop being accepted; absent, they are accepted without end. */
  lastCertificateExpiry?: string;
  certificatesWithoutOcsp: boolean;
  /** Whether a policy names it (false: the default policy applies). */
  configured: boolean;
}

export interface CaStatuses {
  cas: CaStatus[];
  /** The gate whose environment carries the policies (absent: no gate in the assembly). */
  gate?: AssemblyResource;
  /** Policies that name no pinned CA, or environments that cannot be read, in words. */
  problems: string[];
}

function policiesOf(gate: AssemblyResource): CaPolicies {
  const environment = gate.properties.Environment;
  const variables = isRecord(environment) ? environment.Variables : undefined;
  const json = isRecord(variables) ? variables[PUBLISH_ENVIRONMENT.caPolicies] : undefined;
  return parseCaPolicies(typeof json === 'string' ? json : undefined);
}

export function readCaStatuses(assembly: CloudAssembly, pinned: PinnedCertificates): CaStatuses {
  const problems: string[] = [];
  const gate = publishGateFunctions(assembly, pinned.layers)[0];
  let policies: CaPolicies = {};
  if (gate) {
    try {
      policies = policiesOf(gate);
    } catch (error) {
      if (!(error instanceof CaPolicyError)) throw error;
      problems.push(`${gate.logicalId} ${PUBLISH_ENVIRONMENT.caPolicies}: ${error.message}`);
    }
  }
  const known = new Set(pinned.certificates.map((c) => c.sha256));
  for (const sha256 of Object.keys(policies)) {
    if (!known.has(sha256))
      problems.push(`a CA policy names ${sha256}, which is not a pinned CA certificate`);
  }
  const cas = pinned.certificates.map((certificate): CaStatus => {
    const policy = policyOf(policies, certificate.sha256);
    return {
      subject: certificate.subject,
      sha256: certificate.sha256,
      status: policy.retired ? 'retired' : 'active',
      profile: policy.profile,
      scope: policy.scope,
      ...(policy.retired && policy.lastCertificateExpiry
        ? { lastCertificateExpiry: policy.lastCertificateExpiry }
        : {}),
      certificatesWithoutOcsp: policy.certificatesWithoutOcsp === true,
      configured: certificate.sha256 in policies,
    };
  });
  return { cas, ...(gate ? { gate } : {}), problems };
}

/**
 * The BR and CCADB rules the repository enforces, listed from the code's own tables (the publish
 * gate's CRL and OCSP lints, the health checker's deadlines, the CCADB disclosure files) so the
 * evidence pack cannot drift from what runs: a lint added to CRL_LINTS appears here by itself.
 */
import { CRL_LINTS } from '../lambda/core/crl/lints/crl-lints.ts';
import type { Lint } from '../lambda/core/crl/lints/lint.ts';
import { DEADLINES, DEADLINE_NAMES } from '../lambda/core/health/deadlines.ts';
import { OCSP_LINTS } from '../lambda/core/ocsp/lints/ocsp-lints.ts';
import { CRL_URLS_ALL_KEY, crlUrlsKey } from '../lambda/core/publish/crl-disclosure.ts';
import { LINT_PROFILES } from '../lambda/core/publish/ca-policy.ts';

export interface RevocationRule {
  /** `crl-lint`, `ocsp-lint` (publish gate), `deadline` (health checker), `disclosure` (served files). */
  kind: 'crl-lint' | 'ocsp-lint' | 'deadline' | 'disclosure';
  id: string;
  citation: string;
  /** What the rule does: per profile for lints (`rfc5280: error, br: error`), else its wording. */
  enforcement: string;
  /** Where it is defined, for the investigator to read. */
  source: string;
}

function lintEnforcement(lint: Lint<unknown>): string {
  const profiles = LINT_PROFILES.map((p) => `${p}: ${lint.severity[p] ?? 'not applied'}`).join(', ');
  return lint.scope ? `${profiles} (${lint.scope === 'root' ? 'ARL' : 'subscriber CRL'} only)` : profiles;
}

export function revocationRules(): RevocationRule[] {
  const lints = (kind: 'crl-lint' | 'ocsp-lint', list: readonly Lint<never>[], dir: string) =>
    list.map((lint) => ({
      kind,
      id: lint.id,
      citation: lint.citation,
      enforcement: lintEnforcement(lint as Lint<unknown>),
      source: `${dir}/${lint.id}.ts`,
    }));
  return [
    ...lints('crl-lint', CRL_LINTS, 'lambda/core/crl/lints'),
    ...lints('ocsp-lint', OCSP_LINTS, 'lambda/core/ocsp/lints'),
    ...DEADLINE_NAMES.map((name) => ({
      kind: 'deadline' as const,
      id: name,
      citation: DEADLINES[name].citation,
      enforcement: `${DEADLINES[name].rule}; alarm when missed`,
      source: 'lambda/core/health/deadlines.ts',
    })),
    {
      kind: 'disclosure',
      id: 'crl-urls',
      citation: 'CCADB Policy (JSON array of partitioned CRLs, full CRL URLs)',
      enforcement: `/${CRL_URLS_ALL_KEY}, /${crlUrlsKey('<CA SHA-256>', 'all')} and /${crlUrlsKey('<CA SHA-256>', 'full')}, rewritten with every publish and withdrawal`,
      source: 'lambda/core/publish/crl-disclosure.ts',
    },
  ];
}

/**
 * Lint profiles of the publish gate, after pkilint's profiles and Boulder's crl/lints: one rule
 * per file with the section it enforces, each an error (the file is refused) or a warning (the
 * file is published, the warning is in the receipt and the index), chosen per CA by its profile
 * (`rfc5280` or `br`) and scope (`subscriber` CRL or `root` ARL): core/publish/ca-policy.ts.
 */
import type * as pkijs from 'pkijs';
import type { CaPolicy, CrlScope, LintProfileName } from '../../publish/ca-policy.ts';
import type { PinnedCa } from '../../pki/trust-store.ts';

export type Severity = 'error' | 'warning';

export interface Lint<Input> {
  /** Stable name, printed with every finding (`crl-number-below-2-159`). */
  id: string;
  /** The rule's source: `RFC 5280 §5.2.3`, `BR §7.2.2`. */
  citation: string;
  /** What the rule is for each profile; absent: the profile does not apply it. */
  severity: Partial<Record<LintProfileName, Severity>>;
  /** Only for this scope; absent: both. */
  scope?: CrlScope;
  /** Problems found, each one sentence; empty when the artifact passes. */
  check(input: Input): string[];
}

export interface CrlLintInput {
  crl: pkijs.CertificateRevocationList;
  der: Uint8Array;
  issuer: PinnedCa;
  policy: CaPolicy;
}

export interface LintFinding {
  lint: string;
  citation: string;
  severity: Severity;
  message: string;
}

/** Runs the lints that apply to the CA's policy. */
export function runLints<Input>(
  lints: readonly Lint<Input>[],
  input: Input,
  policy: CaPolicy,
): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const lint of lints) {
    const severity = lint.severity[policy.profile];
    if (!severity || (lint.scope && lint.scope !== policy.scope)) continue;
    for (const message of lint.check(input)) {
      findings.push({ lint: lint.id, citation: lint.citation, severity, message });
    }
  }
  return findings;
}

/** One line per finding, as the receipt and the refusal print it. */
export function formatFinding(finding: LintFinding): string {
  return `${finding.lint} (${finding.citation}): ${finding.message}`;
}

/**
 * One requirement an investigator checks, and what the synthesized templates say about it. Rules
 * live one per file under rules/ (as cdk-nag lays out its rules) and only read the assembly: a
 * status is computed, never asserted, and a requirement that is not met is reported, never dropped.
 */
import type { AssemblyResource, CloudAssembly } from './cloud-assembly.ts';
import type { AvailabilitySummary } from './availability-summary.ts';
import type { InvestigatorShell } from './investigator-shell.ts';
import type { PinnedCertificates } from './pinned-certificates.ts';

export type RequirementStatus = 'met' | 'not-met' | 'not-applicable';

export type RequirementGroup = 'use-case-a' | 'baseline-requirements';

/** One template property that the conclusion rests on. */
export interface EvidenceItem {
  stack: string;
  logicalId: string;
  type: string;
  /** Property path in the template, e.g. `BucketEncryption…SSEAlgorithm`. */
  property: string;
  value: string;
  /** Whether this property supports the requirement (false: it is why the row is not met). */
  ok: boolean;
}

export interface RequirementOutcome {
  status: RequirementStatus;
  /** One or two sentences: why the status is what it is. */
  summary: string;
  evidence: EvidenceItem[];
  /** Why the requirement is not met, one line each (empty when met). */
  problems: string[];
  /** Context that does not change the status (limits of what a template can show, optional hardening). */
  notes: string[];
  /** `aws` (or curl/openssl) commands that confirm the row on the deployed account. */
  commands: string[];
  /** Documents and source files that define the behaviour the row relies on. */
  references: string[];
}

export interface RequirementResult extends RequirementOutcome {
  id: string;
  title: string;
  source: string;
  group: RequirementGroup;
}

export interface EvidenceContext {
  assembly: CloudAssembly;
  shell: InvestigatorShell;
  pinned: PinnedCertificates;
  /** Present with `--ledger`. */
  availability?: AvailabilitySummary;
}

export interface Requirement {
  id: string;
  title: string;
  /** Where the requirement comes from (study group, survey item, BR section, RFC). */
  source: string;
  group: RequirementGroup;
  evaluate(context: EvidenceContext): RequirementOutcome;
}

/** The distributions that serve the repository; an app without one fails every rule that needs one. */
export function servingDistributions(assembly: CloudAssembly, findings: Findings): AssemblyResource[] {
  const distributions = assembly.ofType('AWS::CloudFront::Distribution');
  if (distributions.length === 0)
    findings.fail('the app has no CloudFront distribution serving the repository');
  return distributions;
}

export function evidenceOf(
  resource: AssemblyResource,
  property: string,
  value: string,
  ok: boolean,
): EvidenceItem {
  return {
    stack: resource.stack.stackName,
    logicalId: resource.logicalId,
    type: resource.type,
    property,
    value,
    ok,
  };
}

/**
 * Collects evidence and problems while a rule walks the templates, then concludes: not met as soon
 * as one problem was recorded.
 */
export class Findings {
  readonly evidence: EvidenceItem[] = [];
  readonly problems: string[] = [];
  readonly notes: string[] = [];
  readonly commands: string[] = [];

  /** Records a property; a failing one also records `problem` (default: a generic sentence). */
  check(resource: AssemblyResource, property: string, value: string, ok: boolean, problem?: string): boolean {
    this.evidence.push(evidenceOf(resource, property, value, ok));
    if (!ok) {
      this.problems.push(problem ?? `${resource.logicalId} ${property} is ${value}`);
    }
    return ok;
  }

  /** Records a property of a whole template (no single resource carries it). */
  checkTemplate(
    stack: { stackName: string; templateFile: string },
    property: string,
    value: string,
    ok: boolean,
    problem?: string,
  ): boolean {
    this.evidence.push({
      stack: stack.stackName,
      logicalId: `(${stack.templateFile})`,
      type: 'template',
      property,
      value,
      ok,
    });
    if (!ok) this.problems.push(problem ?? `${stack.stackName}: ${property} is ${value}`);
    return ok;
  }

  /** Records evidence from outside the templates (the health ledger). */
  checkRecord(source: string, property: string, value: string, ok: boolean, problem?: string): boolean {
    this.evidence.push({
      stack: '(operational record)',
      logicalId: source,
      type: 'ledger',
      property,
      value,
      ok,
    });
    if (!ok) this.problems.push(problem ?? `${source}: ${property} is ${value}`);
    return ok;
  }

  fail(problem: string): void {
    this.problems.push(problem);
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  command(text: string): void {
    if (!this.commands.includes(text)) this.commands.push(text);
  }

  conclude(summaries: { met: string; notMet?: string }, references: string[]): RequirementOutcome {
    const met = this.problems.length === 0;
    return {
      status: met ? 'met' : 'not-met',
      summary: met ? summaries.met : (summaries.notMet ?? this.problems[0]!),
      evidence: this.evidence,
      problems: this.problems,
      notes: this.notes,
      commands: this.commands,
      references,
    };
  }

  notApplicable(summary: string, references: string[]): RequirementOutcome {
    return {
      status: 'not-applicable',
      summary,
      evidence: this.evidence,
      problems: [],
      notes: this.notes,
      commands: this.commands,
      references,
    };
  }
}

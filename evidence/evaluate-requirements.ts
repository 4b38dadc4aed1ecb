/**
 * Runs every requirement rule over the assembly. A rule that throws is reported as not met with
 * the error, so a bug in a check can never make a row disappear or pass.
 */
import type { EvidenceContext, Requirement, RequirementResult } from './requirement.ts';
import { REQUIREMENTS } from './rules/index.ts';

export function evaluateRequirements(
  context: EvidenceContext,
  requirements: readonly Requirement[] = REQUIREMENTS,
): RequirementResult[] {
  return requirements.map((requirement) => {
    const { id, title, source, group } = requirement;
    try {
      return { id, title, source, group, ...requirement.evaluate(context) };
    } catch (error) {
      const message = `the check itself failed: ${(error as Error).message}`;
      return {
        id,
        title,
        source,
        group,
        status: 'not-met',
        summary: message,
        evidence: [],
        problems: [message],
        notes: [],
        commands: [],
        references: [],
      };
    }
  });
}

/**
 * evidence.md: the evidence pack as Markdown, for review in a repository or a ticket. One summary
 * row per requirement, then one section per requirement with the template properties it rests on
 * and the commands that confirm it, then fingerprints, availability and the resource inventory.
 */
import { formatFingerprint } from '../lambda/core/publish/repository-index.ts';
import { BR_RESPONSE_TIME_MS } from './availability-summary.ts';
import { describeCaStatus } from './rules/ca-retention.ts';
import { STATUS_TEXT, type EvidenceReport } from './evidence-report.ts';
import type { RequirementResult } from './requirement.ts';

const STATUS_MARK = {
  met: '✅ met',
  'not-met': '❌ **NOT MET**',
  'not-applicable': '➖ not applicable',
} as const;

/** A table cell: pipes escaped, line breaks as <br>. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, '<br>');
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function anchorOf(result: RequirementResult): string {
  return result.id;
}

function requirementSection(result: RequirementResult, index: number): string[] {
  const lines = [
    `<a id="${anchorOf(result)}"></a>`,
    `### ${index + 1}. ${result.title} — ${STATUS_MARK[result.status]}`,
    '',
    `**Source:** ${result.source}`,
    '',
  ];
  if (result.problems[0] !== result.summary)
    lines.push(`**Why ${STATUS_TEXT[result.status]}:** ${result.summary}`, '');
  if (result.problems.length > 0) {
    lines.push('**Not met because:**', '', ...result.problems.map((p) => `- ${p}`), '');
  }
  if (result.evidence.length > 0) {
    lines.push(
      '**Template evidence:**',
      '',
      ...table(
        ['', 'Stack', 'Logical ID', 'Type', 'Property', 'Value'],
        result.evidence.map((e) => [
          e.ok ? '✓' : '✗',
          e.stack,
          code(e.logicalId),
          e.type,
          e.property,
          e.value,
        ]),
      ),
      '',
    );
  }
  if (result.notes.length > 0) lines.push('**Notes:**', '', ...result.notes.map((n) => `- ${n}`), '');
  if (result.commands.length > 0) {
    lines.push('**Confirm on the deployed account:**', '', '```sh', ...result.commands, '```', '');
  }
  if (result.references.length > 0) lines.push(`**References:** ${result.references.join('; ')}`, '');
  return lines;
}

export function renderEvidenceMarkdown(report: EvidenceReport): string {
  const { counts } = report;
  const lines: string[] = [
    `# ${report.title}`,
    '',
    `Generated ${report.generatedAt} by \`ca-repo evidence\` from ${
      report.sources.assembly
        ? `the cloud assembly \`${report.sources.assembly}\`${report.sources.config ? ` (certificates cross-checked with \`${report.sources.config}\`)` : ''}`
        : `a cloud assembly synthesized in-process from \`${report.sources.config ?? '?'}\``
    }${report.sources.ledger ? ` and the health ledger \`${report.sources.ledger}\`` : ''}. Every row is computed from the synthesized templates; a requirement that is not met is shown as not met.`,
    '',
    `**${counts.met} met, ${counts['not-met']} not met, ${counts['not-applicable']} not applicable** of ${report.results.length} requirements.`,
    '',
    ...table(
      ['Stack', 'Account', 'Region', 'Template', 'Resources', 'Termination protection'],
      report.stacks.map((s) => [
        s.name,
        s.account,
        s.region,
        code(s.templateFile),
        String(s.resources),
        String(s.terminationProtection),
      ]),
    ),
    '',
    '## Architecture',
    '',
    `![Architecture generated from the cloud assembly](${report.files.svg})`,
    '',
    `Graphviz source: [${report.files.dot}](${report.files.dot}). Every AWS box is a template resource and shows its logical ID; arrows follow references in the templates.`,
    '',
    '## Requirements',
    '',
    ...table(
      ['#', 'Requirement', 'Source', 'Status', 'Resources (logical IDs)', 'First check'],
      report.results.map((r, i) => [
        String(i + 1),
        `[${r.title}](#${anchorOf(r)})`,
        r.source,
        STATUS_MARK[r.status],
        [...new Set(r.evidence.map((e) => e.logicalId))].slice(0, 6).join(', ') +
          (new Set(r.evidence.map((e) => e.logicalId)).size > 6 ? ', …' : ''),
        r.commands[0] ? code(r.commands[0]) : '',
      ]),
    ),
    '',
    '### Before running the commands',
    '',
    'The commands name resources by shell variables called after their logical IDs. Set them once (AWS CLI v2, credentials of the deployed account, read-only access is enough):',
    '',
    '```sh',
    ...report.shellVariables.flatMap((v) => [`# ${v.comment}`, v.assignment]),
    '```',
    '',
    ...report.results.flatMap((r, i) => requirementSection(r, i)),
    '## Pinned CA certificates (survey item 3513)',
    '',
  ];
  if (report.certificates.length === 0) {
    lines.push('No pinned CA certificate was found.', '');
  }
  for (const certificate of report.certificates) {
    lines.push(
      `### ${certificate.subject}`,
      '',
      ...table(
        ['Field', 'Value'],
        [
          ['Serial', code(certificate.serialHex)],
          ['Valid', `${certificate.notBefore} – ${certificate.notAfter}`],
          ['SHA-256', code(formatFingerprint(certificate.sha256))],
          ['SHA-384', code(formatFingerprint(certificate.sha384))],
          ['SHA-512', code(formatFingerprint(certificate.sha512))],
          ['Found in', certificate.sources.join('; ')],
        ],
      ),
      '',
    );
  }
  lines.push(
    '## Active and retired CAs (BR §4.9.7)',
    '',
    "As the publish gate is told (its `CA_POLICIES` environment); a retired CA's CRLs are accepted and served until its last certificate expires.",
    '',
    ...table(
      ['CA', 'SHA-256', 'Status', 'Policy'],
      report.caStatuses.map((ca) => [ca.subject, code(ca.sha256), ca.status, describeCaStatus(ca)]),
    ),
    '',
    '## BR and CCADB rules covered',
    '',
    "Listed from the code's own tables: the publish gate's CRL and OCSP lints (error: refused; warning: in the receipt and the index), the health checker's deadlines (each with an alarm) and the CCADB disclosure files.",
    '',
    ...table(
      ['Kind', 'Rule', 'Section', 'Enforcement', 'Defined in'],
      report.revocationRules.map((r) => [r.kind, code(r.id), r.citation, r.enforcement, code(r.source)]),
    ),
    '',
  );
  lines.push('## Availability (health ledger)', '');
  const a = report.availability;
  if (!a) {
    lines.push('No ledger was given (`--ledger DIR`): no measured availability in this pack.', '');
  } else {
    lines.push(
      ...table(
        ['Measure', 'Value'],
        [
          ['Ledger', code(a.ledger)],
          ['Hash chain', `${a.chainIntact ? 'intact' : '**BROKEN**'}: ${a.chainSummary}`],
          ['Window', `${a.firstRun ?? '–'} – ${a.lastRun ?? '–'}`],
          ['Probe runs', `${a.runs} (${a.healthyRuns} with every probe passing)`],
          [
            'Availability',
            `${a.availabilityPercent} % against an SLO of ${a.sloPercent} %: ${a.meetsSlo ? 'met' : '**missed**'}`,
          ],
          [
            'Latency p50 / p95 / p99 / max',
            `${a.latency.p50} / ${a.latency.p95} / ${a.latency.p99} / ${a.latency.max} ms (BR bound ${BR_RESPONSE_TIME_MS} ms)`,
          ],
          ['Incidents', `${a.incidents}${a.ongoingIncident ? ' (one ongoing)' : ''}`],
          [
            'Largest gap between runs',
            a.largestGapMinutes === undefined ? '–' : `${a.largestGapMinutes} min`,
          ],
        ],
      ),
      '',
      ...table(
        ['Check', 'Probes', 'Availability', 'p99 latency'],
        a.checks.map((c) => [c.check, String(c.probes), `${c.availabilityPercent} %`, `${c.p99Ms} ms`]),
      ),
      '',
    );
  }
  lines.push(
    '## Resource inventory',
    '',
    'Every resource of every template, and where it is in the diagram.',
    '',
    ...table(
      ['Stack', 'Logical ID', 'Type', 'Construct path', 'Diagram'],
      report.inventory.map((r) => [r.stack, code(r.logicalId), r.type, code(r.path), r.diagram]),
    ),
    '',
  );
  return lines.join('\n');
}

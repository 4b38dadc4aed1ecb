/**
 * evidence.html: the evidence pack for a person (an investigator, an auditor): one table row per
 * requirement with its source, the template properties it rests on, the commands that confirm it
 * on the deployed account and its computed status; then the diagram, the CA fingerprints, the
 * availability summary and the full resource inventory. Static HTML and CSS, no script, printable.
 */
import { formatFingerprint } from '../lambda/core/publish/repository-index.ts';
import { BR_RESPONSE_TIME_MS } from './availability-summary.ts';
import { describeCaStatus } from './rules/ca-retention.ts';
import { STATUS_TEXT, type EvidenceReport } from './evidence-report.ts';
import type { RequirementResult } from './requirement.ts';

/** Items shown before the rest of a list folds into a <details>. */
const VISIBLE_EVIDENCE = 6;
const VISIBLE_COMMANDS = 3;

function e(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function pill(status: RequirementResult['status']): string {
  return `<span class="pill ${status}">${e(STATUS_TEXT[status])}</span>`;
}

function badge(ok: boolean, good: string, bad: string): string {
  return `<span class="pill ${ok ? 'met' : 'not-met'}">${e(ok ? good : bad)}</span>`;
}

function folded(items: string[], visible: number, more: (n: number) => string): string {
  if (items.length <= visible + 1) return items.join('');
  return `${items.slice(0, visible).join('')}<details><summary>${e(more(items.length - visible))}</summary>${items.slice(visible).join('')}</details>`;
}

function evidenceCell(result: RequirementResult): string {
  const problems = result.problems.map((p) => `<li class="problem">${e(p)}</li>`).join('');
  const items = result.evidence.map(
    (item) =>
      `<li class="${item.ok ? 'ok' : 'bad'}"><span class="mark">${item.ok ? '✓' : '✗'}</span><code class="id">${e(item.logicalId)}</code> <span class="prop">${e(item.property)}</span> <span class="value">= ${e(item.value)}</span></li>`,
  );
  const notes = result.notes.map((n) => `<li class="note">${e(n)}</li>`);
  return [
    problems ? `<ul class="problems">${problems}</ul>` : '',
    items.length > 0
      ? `<ul class="evidence">${folded(items, VISIBLE_EVIDENCE, (n) => `${n} more properties`)}</ul>`
      : '',
    notes.length > 0
      ? `<details class="notes"><summary>Notes (${notes.length})</summary><ul>${notes.join('')}</ul></details>`
      : '',
  ].join('');
}

function commandsCell(result: RequirementResult): string {
  if (result.commands.length === 0) return '';
  const blocks = result.commands.map((c) => `<pre>${e(c)}</pre>`);
  return folded(blocks, VISIBLE_COMMANDS, (n) => `${n} more commands`);
}

function requirementRow(result: RequirementResult, index: number): string {
  return `<tr id="${e(result.id)}" class="${result.status}">
<td class="num">${index + 1}</td>
<td class="req"><strong>${e(result.title)}</strong><div class="source">${e(result.source)}</div>${
    result.problems[0] === result.summary ? '' : `<div class="summary">${e(result.summary)}</div>`
  }${
    result.references.length > 0 ? `<div class="refs">See: ${result.references.map(e).join('; ')}</div>` : ''
  }</td>
<td class="status">${pill(result.status)}</td>
<td class="evid">${evidenceCell(result)}</td>
<td class="cmds">${commandsCell(result)}</td>
</tr>`;
}

const STYLE = `
:root { --ok: #1d8102; --bad: #d13212; --na: #687078; --ink: #16191f; --muted: #545b64; --line: #d5dbdb; --head: #232f3e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: #f7f8f8; }
header { background: var(--head); color: #fff; padding: 22px 40px 18px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 600; }
header p { margin: 4px 0; color: #d5dbdb; font-size: 13px; }
header code { color: #fff; }
.counts { margin-top: 12px; display: flex; gap: 10px; }
main { max-width: 1400px; margin: 0 auto; padding: 20px 40px 60px; }
nav { margin: 0 0 10px; font-size: 13px; }
nav a { margin-right: 16px; color: #0073bb; text-decoration: none; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 22px 0 6px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
table.requirements { table-layout: fixed; }
th, td { border: 1px solid var(--line); padding: 7px 9px; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
th { background: #eaeded; font-weight: 600; font-size: 13px; }
code, pre { font: 12px/1.45 "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
pre { margin: 0 0 6px; padding: 6px 8px; background: #f4f6f8; color: #16191f; border: 1px solid #dfe3e6; border-left: 3px solid #0073bb; border-radius: 3px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.setup { border-left-color: #232f3e; font-size: 12px; }
.pill { display: inline-block; border-radius: 999px; padding: 2px 11px; font-weight: 600; font-size: 12px; white-space: nowrap; border: 1px solid; }
.pill.met { background: #eaf6e7; color: var(--ok); border-color: #b7dfb0; }
.pill.not-met { background: #fdecea; color: var(--bad); border-color: #f1b3aa; }
.pill.not-applicable { background: #f1f3f3; color: var(--na); border-color: var(--line); }
header .pill { font-size: 13px; padding: 3px 13px; }
table.requirements td.num { color: var(--muted); text-align: right; }
table.requirements td.status { text-align: center; }
table.requirements tr.not-met td.num { border-left: 4px solid var(--bad); }
table.requirements tr.met td.num { border-left: 4px solid var(--ok); }
table.requirements tr.not-applicable td.num { border-left: 4px solid var(--line); }
.source { color: var(--muted); font-size: 12px; margin-top: 3px; }
.summary { margin-top: 6px; font-size: 13px; }
.refs { margin-top: 6px; color: var(--muted); font-size: 12px; }
ul { margin: 0; padding-left: 0; list-style: none; }
ul.evidence li { margin: 0 0 3px; font-size: 12.5px; }
ul.evidence li.bad { color: var(--bad); font-weight: 600; }
ul.problems li { color: var(--bad); font-weight: 600; margin-bottom: 6px; }
ul.problems li::before { content: "✗ "; }
.mark { display: inline-block; width: 16px; color: var(--ok); font-weight: 700; }
li.bad .mark { color: var(--bad); }
code.id { background: #f1f3f3; padding: 0 3px; border-radius: 3px; font-size: 11.5px; }
.value { color: #3f454c; }
details summary { cursor: pointer; color: #0073bb; font-size: 12px; margin: 2px 0; }
details.notes li { color: var(--muted); font-size: 12px; margin-bottom: 4px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); padding: 12px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 8px; }
table.fingerprints code { word-break: break-all; }
table.inventory td { font-size: 12px; padding: 4px 7px; }
.lead { color: var(--muted); max-width: 980px; }
@media print { header { background: none; color: var(--ink); } header p { color: var(--muted); } details { display: block; } }
`;

export function renderEvidenceHtml(report: EvidenceReport): string {
  const { counts } = report;
  const { sources: from } = report;
  const sources = [
    from.assembly
      ? `the cloud assembly <code>${e(from.assembly)}</code>${from.config ? ` (certificates cross-checked with <code>${e(from.config)}</code>)` : ''}`
      : `a cloud assembly synthesized in-process from <code>${e(from.config ?? '?')}</code>`,
    from.ledger ? `the health ledger <code>${e(from.ledger)}</code>` : '',
  ].filter((s) => s);
  const stacks = report.stacks
    .map(
      (s) =>
        `<tr><td>${e(s.name)}</td><td>${e(s.account)}</td><td>${e(s.region)}</td><td><code>${e(s.templateFile)}</code></td><td>${s.resources}</td><td>${s.terminationProtection ? 'on' : 'off'}</td></tr>`,
    )
    .join('');
  const certificates = report.certificates
    .map(
      (
        c,
      ) => `<tr><td><strong>${e(c.subject)}</strong><div class="source">serial <code>${e(c.serialHex)}</code><br>valid ${e(c.notBefore)} – ${e(c.notAfter)}<br>found in ${e(c.sources.join('; '))}</div></td>
<td><code>${e(formatFingerprint(c.sha256))}</code></td><td><code>${e(formatFingerprint(c.sha384))}</code></td><td><code>${e(formatFingerprint(c.sha512))}</code></td></tr>`,
    )
    .join('');
  const a = report.availability;
  const availability = a
    ? `<table><tbody>
<tr><th>Ledger</th><td><code>${e(a.ledger)}</code></td></tr>
<tr><th>Hash chain</th><td>${badge(a.chainIntact, 'intact', 'broken')} ${e(a.chainSummary)}</td></tr>
<tr><th>Window</th><td>${e(a.firstRun ?? '–')} – ${e(a.lastRun ?? '–')}</td></tr>
<tr><th>Probe runs</th><td>${a.runs} (${a.healthyRuns} with every probe passing); largest gap ${a.largestGapMinutes ?? '–'} min</td></tr>
<tr><th>Availability</th><td><strong>${a.availabilityPercent} %</strong> against an SLO of ${a.sloPercent} % ${badge(a.meetsSlo, 'SLO met', 'SLO missed')}</td></tr>
<tr><th>Latency p50 / p95 / p99 / max</th><td>${a.latency.p50} / ${a.latency.p95} / <strong>${a.latency.p99}</strong> / ${a.latency.max} ms (BR bound ${BR_RESPONSE_TIME_MS} ms)</td></tr>
<tr><th>Incidents</th><td>${a.incidents}${a.ongoingIncident ? ' (one ongoing)' : ''}</td></tr>
</tbody></table>
<h3>Per check</h3>
<table><thead><tr><th>Check</th><th>Probes</th><th>Availability</th><th>p99 latency</th></tr></thead><tbody>${a.checks
        .map(
          (c) =>
            `<tr><td>${e(c.check)}</td><td>${c.probes}</td><td>${c.availabilityPercent} %</td><td>${c.p99Ms} ms</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="lead">No ledger was given (<code>--ledger DIR</code>): this pack holds no measured availability. The operational-record row above says so.</p>';
  const caStatuses = report.caStatuses
    .map(
      (ca) =>
        `<tr><td>${e(ca.subject)}<br><code>${e(ca.sha256)}</code></td><td>${e(ca.status)}</td><td>${e(describeCaStatus(ca))}</td></tr>`,
    )
    .join('');
  const rules = report.revocationRules
    .map(
      (r) =>
        `<tr><td>${e(r.kind)}</td><td><code>${e(r.id)}</code></td><td>${e(r.citation)}</td><td>${e(r.enforcement)}</td><td><code>${e(r.source)}</code></td></tr>`,
    )
    .join('');
  const inventory = report.inventory
    .map(
      (r) =>
        `<tr><td>${e(r.stack)}</td><td><code>${e(r.logicalId)}</code></td><td>${e(r.type)}</td><td><code>${e(r.path)}</code></td><td>${e(r.diagram)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${e(report.title)}</h1>
<p>Generated ${e(report.generatedAt)} by <code>ca-repo evidence</code> from ${sources.join(' and ')}.</p>
<p>Every status is computed from the synthesized CloudFormation templates; a requirement that is not met is shown as not met.</p>
<div class="counts"><span class="pill met">${counts.met} met</span><span class="pill not-met">${counts['not-met']} not met</span><span class="pill not-applicable">${counts['not-applicable']} not applicable</span></div>
</header>
<main>
<nav><a href="#requirements">Requirements</a><a href="#architecture">Architecture</a><a href="#setup">Command setup</a><a href="#fingerprints">Fingerprints</a><a href="#ca-status">CA status</a><a href="#revocation-rules">BR and CCADB rules</a><a href="#availability">Availability</a><a href="#inventory">Inventory</a></nav>
<h2 id="requirements">Requirements</h2>
<p class="lead">Use case A of the Digital Agency study group on the Electronic Signature Act accreditation standards (the CA repository), survey item 3513, and the CA/Browser Forum Baseline Requirements' repository rules. Commands use the shell variables of <a href="#setup">Command setup</a>.</p>
<table class="requirements">
<colgroup><col style="width:38px"><col style="width:22%"><col style="width:96px"><col style="width:40%"><col></colgroup>
<thead><tr><th>#</th><th>Requirement and source</th><th>Status</th><th>Resources and template properties</th><th>Confirm on the deployed account</th></tr></thead>
<tbody>
${report.results.map(requirementRow).join('\n')}
</tbody>
</table>
<h2 id="architecture">Architecture</h2>
<figure><a href="${e(report.files.svg)}"><img src="${e(report.files.svg)}" alt="Architecture diagram generated from the cloud assembly"></a>
<figcaption>Generated from the same cloud assembly <code>cdk deploy</code> uses (Graphviz source: <a href="${e(report.files.dot)}">${e(report.files.dot)}</a>). Every AWS box is a template resource with its logical ID; arrows follow references in the templates. The repository buckets are drawn across the Availability Zones of their Region: S3 Standard stores every object in at least three AZs, a property of the storage class rather than of per-AZ resources.</figcaption></figure>
<h3>Stacks</h3>
<table><thead><tr><th>Stack</th><th>Account</th><th>Region</th><th>Template</th><th>Resources</th><th>Termination protection</th></tr></thead><tbody>${stacks}</tbody></table>
<h2 id="setup">Command setup</h2>
<p class="lead">The commands name resources by shell variables called after their logical IDs. Set them once with the AWS CLI v2 and read-only credentials of the deployed account:</p>
<pre class="setup">${report.shellVariables.map((v) => `# ${e(v.comment)}\n${e(v.assignment)}`).join('\n')}</pre>
<h2 id="fingerprints">Pinned CA certificates (survey item 3513)</h2>
<p class="lead">SHA-256, SHA-384 and SHA-512 fingerprints of the DER certificates the publish gate trusts, as <code>openssl x509 -noout -fingerprint -sha256</code> prints them. The publish gate writes the same values into <code>index.json</code> and <code>index.html</code>.</p>
${report.certificates.length > 0 ? `<table class="fingerprints"><thead><tr><th>Certificate</th><th>SHA-256</th><th>SHA-384</th><th>SHA-512</th></tr></thead><tbody>${certificates}</tbody></table>` : '<p class="lead">No pinned CA certificate was found.</p>'}
<h2 id="ca-status">Active and retired CAs (BR §4.9.7)</h2>
<p class="lead">As the publish gate is told (its <code>CA_POLICIES</code> environment); a retired CA's CRLs are accepted and served until its last certificate expires.</p>
<table><thead><tr><th>CA</th><th>Status</th><th>Policy</th></tr></thead><tbody>${caStatuses}</tbody></table>
<h2 id="revocation-rules">BR and CCADB rules covered</h2>
<p class="lead">Listed from the code's own tables: the publish gate's CRL and OCSP lints (error: refused; warning: in the receipt and the index), the health checker's deadlines (each with an alarm) and the CCADB disclosure files.</p>
<table><thead><tr><th>Kind</th><th>Rule</th><th>Section</th><th>Enforcement</th><th>Defined in</th></tr></thead><tbody>${rules}</tbody></table>
<h2 id="availability">Availability (health ledger)</h2>
${availability}
<h2 id="inventory">Resource inventory</h2>
<details><summary>Every resource of every template (${report.inventory.length}) and where it is in the diagram</summary>
<table class="inventory"><thead><tr><th>Stack</th><th>Logical ID</th><th>Type</th><th>Construct path</th><th>Diagram</th></tr></thead><tbody>${inventory}</tbody></table>
</details>
</main>
</body>
</html>
`;
}

/**
 * Renders the diagram model as Graphviz DOT: left to right from the closed network through the
 * AWS Regions and the CloudFront edge to relying parties, clusters for Regions and constructs,
 * AWS-like colours per service, HTML-like node labels with the logical ID in small monospace type,
 * and a legend. Repository buckets carry a row of Availability Zones under their name, because S3
 * Standard's spread over AZs is a property of the storage class, not of resources placed per AZ.
 */
import type {
  ClusterKind,
  DiagramCluster,
  DiagramEdge,
  DiagramModel,
  DiagramNode,
  EdgeKind,
  NodeKind,
} from './diagram/model.ts';

const FONT = 'Helvetica';
const MONO = 'Courier';

/** Header colours per kind of box (AWS Architecture Icons palette). */
const ACCENT: Record<NodeKind, string> = {
  'origin-bucket': '#3F8624',
  bucket: '#3F8624',
  function: '#D45B07',
  'edge-function': '#D45B07',
  'cloudfront-function': '#8C4FFF',
  distribution: '#8C4FFF',
  queue: '#C7145F',
  topic: '#C7145F',
  alarms: '#C7145F',
  role: '#C41E3A',
  schedule: '#C7145F',
  dashboard: '#C7145F',
  resource: '#545B64',
  'on-prem': '#3B4B63',
  people: '#3B4B63',
};

const CLUSTER_STYLE: Record<ClusterKind, string> = {
  'on-prem': 'style="rounded,dashed" color="#3B4B63" bgcolor="#EEF1F5" penwidth=1.6',
  aws: 'style="rounded" color="#232F3E" bgcolor="#FFFFFF" penwidth=1.6',
  region: 'style="rounded,dashed" color="#00A4A6" bgcolor="#F1FAFA" penwidth=1.4',
  edge: 'style="rounded" color="#8C4FFF" bgcolor="#F6F2FF" penwidth=1.4',
  'edge-stack': 'style="rounded,dashed" color="#8C4FFF" bgcolor="#FFFFFF"',
  group: 'style="rounded" color="#C3CAD2" bgcolor="#FFFFFF"',
  internet: 'style="rounded,dotted" color="#7D8998" bgcolor="#FAFAFA" penwidth=1.4',
};

const CLUSTER_LABEL_COLOR: Record<ClusterKind, string> = {
  'on-prem': '#3B4B63',
  aws: '#232F3E',
  region: '#007A7C',
  edge: '#6B3FD1',
  'edge-stack': '#6B3FD1',
  group: '#545B64',
  internet: '#545B64',
};

const EDGE_STYLE: Record<EdgeKind, string> = {
  // Heavy: keeps the closed network right above the bucket it uploads to.
  upload: 'color="#1F5FA8" fontcolor="#1F5FA8" penwidth=2.2 weight=8',
  event: 'color="#D45B07" fontcolor="#A44605" penwidth=1.3',
  data: 'color="#545B64" fontcolor="#3F454C" penwidth=1.2',
  serve: 'color="#6B3FD1" fontcolor="#6B3FD1" penwidth=2.4',
  origin: 'color="#8C4FFF" fontcolor="#6B3FD1" penwidth=1.6',
  replication: 'color="#00A4A6" fontcolor="#007A7C" penwidth=2.4',
  log: 'color="#9BA7B4" fontcolor="#7D8998" style=dashed',
  alarm: 'color="#C7145F" fontcolor="#C7145F" style=dashed',
  notify: 'color="#C7145F" fontcolor="#C7145F"',
  watch: 'color="#E8A3BF" style=dotted arrowhead=none',
  control: 'color="#7D8998" fontcolor="#545B64" style=dashed',
};

const LEGEND: [EdgeKind, string][] = [
  ['upload', 'upload from on-premises (outbound only)'],
  ['event', 'event / trigger'],
  ['data', 'write / read (IAM grant)'],
  ['origin', 'CloudFront origin read (OAC, SigV4)'],
  ['serve', 'relying parties (HTTP, HTTPS)'],
  ['replication', 'cross-Region replication'],
  ['log', 'access / standard logs'],
  ['alarm', 'alarm / notification'],
  ['watch', 'metric an alarm watches'],
  ['control', 'control (role, dead letters, invalidation)'],
];

/** Text for an HTML-like label. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Text for a double-quoted DOT string (keeps the `\n` line breaks the model uses). */
function quote(text: string): string {
  return `"${text.replace(/"/g, '\\"')}"`;
}

function markColor(mark: string): string {
  return /NOT|PUBLIC/.test(mark) ? '#D13212' : '#1D8102';
}

function nodeLabel(node: DiagramNode): string {
  const accent = ACCENT[node.kind];
  const columns = node.availabilityZones ? 3 : 1;
  const span = columns > 1 ? ` COLSPAN="${columns}"` : '';
  const rows: string[] = [
    `<TR><TD${span} BGCOLOR="${accent}" ALIGN="LEFT" CELLPADDING="3"><FONT COLOR="white" POINT-SIZE="8">${escapeHtml(node.service.toUpperCase())}</FONT></TD></TR>`,
    `<TR><TD${span} ALIGN="LEFT" CELLPADDING="4"><FONT POINT-SIZE="11"><B>${escapeHtml(node.title)}</B></FONT></TD></TR>`,
  ];
  for (const detail of node.details) {
    rows.push(
      `<TR><TD${span} ALIGN="LEFT"><FONT POINT-SIZE="8.5" COLOR="#3F454C">${escapeHtml(detail)}</FONT></TD></TR>`,
    );
  }
  if (node.availabilityZones) {
    const { region } = node.availabilityZones;
    const az = (letter: string) =>
      `<TD BORDER="1" STYLE="dashed" COLOR="#00A4A6" BGCOLOR="#E3F5F5" CELLPADDING="4"><FONT POINT-SIZE="8" COLOR="#007A7C">AZ ${letter}<BR/>every object</FONT></TD>`;
    rows.push(`<TR>${az('a')}${az('b')}${az('c')}</TR>`);
    rows.push(
      `<TR><TD${span} ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#007A7C"><B>S3 Standard: ≥3 AZs</B> of ${escapeHtml(region)}</FONT></TD></TR>`,
      `<TR><TD${span} ALIGN="LEFT"><FONT POINT-SIZE="7.5" COLOR="#007A7C">storage class spans the AZs; not per-AZ resources</FONT></TD></TR>`,
    );
  }
  if (node.marks.length > 0) {
    rows.push(
      `<TR><TD${span} ALIGN="LEFT">${node.marks
        .map((m) => `<FONT POINT-SIZE="8" COLOR="${markColor(m)}"><B>${escapeHtml(m)}</B></FONT>`)
        .join(' ')}</TD></TR>`,
    );
  }
  for (const id of node.logicalIds) {
    rows.push(
      `<TR><TD${span} ALIGN="LEFT"><FONT FACE="${MONO}" POINT-SIZE="7" COLOR="#687078">${escapeHtml(id)}</FONT></TD></TR>`,
    );
  }
  const bg = node.kind === 'on-prem' || node.kind === 'people' ? '#FFFFFF' : '#FFFFFF';
  return `<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="${columns > 1 ? 3 : 0}" CELLPADDING="2" COLOR="${accent}" BGCOLOR="${bg}">${rows.join('')}</TABLE>>`;
}

function clusterLabel(cluster: DiagramCluster): string {
  const color = CLUSTER_LABEL_COLOR[cluster.kind];
  const size = cluster.kind === 'group' ? 10 : 12;
  const sub = cluster.sublabel
    ? `<BR ALIGN="LEFT"/><FONT POINT-SIZE="${cluster.kind === 'group' ? 7 : 8.5}" COLOR="#687078"${cluster.kind === 'group' ? ` FACE="${MONO}"` : ''}>${escapeHtml(cluster.sublabel)}</FONT><BR ALIGN="LEFT"/>`
    : '<BR ALIGN="LEFT"/>';
  return `<<FONT POINT-SIZE="${size}" COLOR="${color}"><B>${escapeHtml(cluster.label)}</B></FONT>${sub}>`;
}

function legend(model: DiagramModel): string {
  const rows = LEGEND.filter(([kind]) => model.edges.some((e) => e.kind === kind)).map(([kind, text]) => {
    const color = /color="([^"]+)"/.exec(EDGE_STYLE[kind])![1]!;
    const dashed = /dashed/.test(EDGE_STYLE[kind]);
    return `<TR><TD ALIGN="LEFT"><FONT COLOR="${color}" POINT-SIZE="10"><B>${dashed ? '- - - ▶' : '━━━▶'}</B></FONT></TD><TD ALIGN="LEFT"><FONT POINT-SIZE="8.5">${escapeHtml(text)}</FONT></TD></TR>`;
  });
  const marks = [
    '<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#1D8102"><B>[encrypted]</B></FONT></TD><TD ALIGN="LEFT"><FONT POINT-SIZE="8.5">encrypted at rest (SSE-S3, SSE-SQS, CloudWatch Logs)</FONT></TD></TR>',
    '<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#1D8102"><B>[TLS] [TLS only]</B></FONT></TD><TD ALIGN="LEFT"><FONT POINT-SIZE="8.5">encrypted in transit; the bucket refuses non-TLS requests</FONT></TD></TR>',
  ];
  if (model.nodes.some((n) => n.marks.includes('[TLS except CloudFront reads]'))) {
    marks.push(
      '<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#1D8102"><B>[TLS except CloudFront reads]</B></FONT></TD><TD ALIGN="LEFT"><FONT POINT-SIZE="8.5">TLS for all but the distribution reads, which use<BR ALIGN="LEFT"/>the viewer protocol (HTTP for CDP, AIA, OCSP)<BR ALIGN="LEFT"/></FONT></TD></TR>',
    );
  }
  const omitted = model.omitted.reduce((sum, o) => sum + o.logicalIds.length, 0);
  const footer = `<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="7.5" COLOR="#687078">Not drawn: ${omitted} configuration resources (IAM policies,<BR ALIGN="LEFT"/>permissions, versions, log groups, CDK helpers): see evidence.md<BR ALIGN="LEFT"/></FONT></TD></TR>`;
  return `<<TABLE BORDER="1" COLOR="#C3CAD2" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" BGCOLOR="white"><TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="10"><B>Legend</B></FONT></TD></TR>${rows.join('')}${marks.join('')}${footer}</TABLE>>`;
}

function edgeLine(edge: DiagramEdge): string {
  const attributes = [EDGE_STYLE[edge.kind], `label=${quote(edge.label)}`];
  if (edge.reverse) attributes.push('dir=back');
  if (edge.ranks === false) attributes.push('constraint=false');
  return `  ${edge.from} -> ${edge.to} [${attributes.join(' ')}];`;
}

export function renderDot(model: DiagramModel): string {
  const lines: string[] = [
    '// Generated by `ca-repo evidence` from the synthesized cloud assembly. Do not edit: regenerate.',
    'digraph architecture {',
    `  graph [rankdir=TB newrank=true compound=true fontname="${FONT}" nodesep=0.28 ranksep=0.75 pad=0.35 splines=true outputorder=edgesfirst bgcolor="white" labelloc=t labeljust=l`,
    `         label=<<FONT POINT-SIZE="17"><B>${escapeHtml(model.title)}</B></FONT><BR/><FONT POINT-SIZE="9.5" COLOR="#545B64">${escapeHtml(model.subtitle)}</FONT><BR/> >];`,
    `  node [shape=plain fontname="${FONT}" fontsize=10];`,
    `  edge [fontname="${FONT}" fontsize=8.5 arrowsize=0.7];`,
  ];
  const children = (parentId: string | undefined) => model.clusters.filter((c) => c.parentId === parentId);
  const emit = (cluster: DiagramCluster, indent: string) => {
    lines.push(`${indent}subgraph cluster_${cluster.id} {`);
    lines.push(`${indent}  ${CLUSTER_STYLE[cluster.kind]} margin=12 label=${clusterLabel(cluster)};`);
    const members = model.nodes.filter((n) => n.clusterId === cluster.id);
    for (const node of members) lines.push(`${indent}  ${node.id} [label=${nodeLabel(node)}];`);
    // The closed network is a row, not a column: it is one place, not a pipeline.
    if (cluster.kind === 'on-prem')
      lines.push(`${indent}  { rank=same; ${members.map((n) => n.id).join('; ')} }`);
    for (const child of children(cluster.id)) emit(child, `${indent}  `);
    lines.push(`${indent}}`);
  };
  for (const cluster of children(undefined)) emit(cluster, '  ');
  for (const node of model.nodes.filter((n) => !model.clusters.some((c) => c.id === n.clusterId))) {
    lines.push(`  ${node.id} [label=${nodeLabel(node)}];`);
  }
  lines.push(`  legend [label=${legend(model)}];`);
  for (const edge of model.edges) lines.push(edgeLine(edge));
  lines.push('}', '');
  return lines.join('\n');
}

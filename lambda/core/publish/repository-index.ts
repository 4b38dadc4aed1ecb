/**
 * index.json and index.html: what the repository publishes, with the CA certificate fingerprints
 * relying parties and investigators compare against (Digital Agency survey item 3513). The index
 * is updated by merging a publish's accepted artifacts into the current one, so its cost follows
 * the bundle, not the size of the repository (millions of OCSP objects are never listed).
 */
import { CONTENT_TYPES, cacheControlFor, type CacheCaps } from '../serving/cache-policy.ts';

export interface CaCertificateEntry {
  url: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  sha384: string;
  sha512: string;
}

export interface CrlEntry {
  url: string;
  issuer: string;
  crlNumber: string;
  thisUpdate: string;
  nextUpdate: string;
  revokedCount: number;
  delta: boolean;
  /** SHA-256 of the issuing CA's certificate (lower-case hex): its CCADB disclosure file. */
  ca?: string;
  /** `full`, or `partition` when it carries an Issuing Distribution Point (RFC 5280 §5.2.5). */
  scope?: 'full' | 'partition';
  /** The absolute URL relying parties fetch it at (the IDP URI of a partition). */
  publicUrl?: string;
  /** Size in bytes of the DER served. */
  size?: number;
  /** Lint warnings it was published with (core/crl/lints). */
  warnings?: string[];
}

export interface DocumentEntry {
  url: string;
  /** URL of the detached signature, or 'embedded' for a PAdES signature inside the PDF. */
  signature: string;
  signer: string;
  sha256: string;
}

export interface OcspIssuerEntry {
  issuer: string;
  lastPublishedAt: string;
  /** Latest producedAt seen for this issuer. */
  latestProducedAt: string;
}

/** index.json's links to the CCADB CRL disclosure files (path-absolute, like every index URL). */
export interface CrlDisclosureLinks {
  all: string;
  byCa: { ca: string; issuer?: string; all: string; full: string }[];
}

/** index.json's `version`: every index written so far carries it (an index without one is rebuilt). */
export const INDEX_VERSION = 1;

export interface RepositoryIndex {
  version: typeof INDEX_VERSION;
  updatedAt: string;
  caCertificates: CaCertificateEntry[];
  crls: CrlEntry[];
  documents: DocumentEntry[];
  ocsp: { url: string; issuers: OcspIssuerEntry[] };
  /** Links to the CCADB CRL disclosure files, derived from `crls` on every write (crl-disclosure.ts). */
  crlUrls?: CrlDisclosureLinks;
}

export function emptyIndex(ocspUrl: string, now: Date): RepositoryIndex {
  return {
    version: INDEX_VERSION,
    updatedAt: now.toISOString(),
    caCertificates: [],
    crls: [],
    documents: [],
    ocsp: { url: ocspUrl, issuers: [] },
  };
}

/**
 * `updatedAt` of the index a new repository serves before its first publish (written at deploy
 * time, where no clock may make the template differ between two syntheses): never updated.
 */
export const NEVER_UPDATED = '1970-01-01T00:00:00.000Z';

export const DEFAULT_INDEX_TITLE = 'CA repository';

/** Nothing has been published to the repository yet. */
export function isEmptyIndex(index: RepositoryIndex): boolean {
  const lists = [index.caCertificates, index.crls, index.documents, index.ocsp.issuers];
  return lists.every((list) => list.length === 0);
}

/**
 * What a new repository serves at index.json and index.html before its first publish, so a relying
 * party or the operator gets a valid, empty index (and a page saying so) instead of a 404. Written
 * only where no index exists (If-None-Match: *): by `ca-repo local` at start, by the stack at deploy.
 */
export function initialIndexObjects(
  ocspUrl: string,
  caps: CacheCaps,
  title: string = DEFAULT_INDEX_TITLE,
): { key: 'index.json' | 'index.html'; body: string; contentType: string; cacheControl: string }[] {
  const never = new Date(NEVER_UPDATED);
  const index = emptyIndex(ocspUrl, never);
  const cacheControl = cacheControlFor({ kind: undefined, now: never, caps });
  return [
    {
      key: 'index.json',
      body: serialiseIndex(index),
      contentType: CONTENT_TYPES['index-json'],
      cacheControl,
    },
    {
      key: 'index.html',
      body: renderIndexHtml(index, title),
      contentType: CONTENT_TYPES['index-html'],
      cacheControl,
    },
  ];
}

/** Reads a stored index; an unreadable one is rebuilt from what the publish brings. */
export function parseIndex(text: string | undefined, ocspUrl: string, now: Date): RepositoryIndex {
  if (!text) return emptyIndex(ocspUrl, now);
  try {
    const parsed = JSON.parse(text) as Partial<RepositoryIndex>;
    if (parsed.version !== INDEX_VERSION) return emptyIndex(ocspUrl, now);
    return {
      version: INDEX_VERSION,
      updatedAt: parsed.updatedAt ?? now.toISOString(),
      caCertificates: parsed.caCertificates ?? [],
      crls: parsed.crls ?? [],
      documents: parsed.documents ?? [],
      ocsp: { url: ocspUrl, issuers: parsed.ocsp?.issuers ?? [] },
    };
  } catch {
    return emptyIndex(ocspUrl, now);
  }
}

export interface IndexChanges {
  caCertificates: CaCertificateEntry[];
  crls: CrlEntry[];
  documents: DocumentEntry[];
  ocspIssuers: OcspIssuerEntry[];
  /** URLs withdrawn: their entries leave the index (optional: part results written before it lack it). */
  removed?: string[];
}

export function noIndexChanges(): IndexChanges {
  return { caCertificates: [], crls: [], documents: [], ocspIssuers: [] };
}

/** Adds one file's changes to a publish's; an issuer keeps its latest producedAt. */
export function addIndexChanges(into: IndexChanges, more: Partial<IndexChanges>): void {
  into.caCertificates.push(...(more.caCertificates ?? []));
  into.crls.push(...(more.crls ?? []));
  into.documents.push(...(more.documents ?? []));
  if (more.removed?.length) into.removed = [...(into.removed ?? []), ...more.removed];
  for (const issuer of more.ocspIssuers ?? []) {
    const known = into.ocspIssuers.find((i) => i.issuer === issuer.issuer);
    if (!known) into.ocspIssuers.push(issuer);
    else if (issuer.latestProducedAt > known.latestProducedAt)
      known.latestProducedAt = issuer.latestProducedAt;
  }
}

export function hasIndexChanges(changes: IndexChanges): boolean {
  const c = changes;
  const removed = c.removed?.length ?? 0;
  return c.caCertificates.length + c.crls.length + c.documents.length + c.ocspIssuers.length + removed > 0;
}

function upsert<T>(list: readonly T[], additions: readonly T[], keyOf: (entry: T) => string): T[] {
  const byKey = new Map(list.map((entry) => [keyOf(entry), entry]));
  for (const entry of additions) byKey.set(keyOf(entry), entry);
  return [...byKey.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

export function mergeIndex(index: RepositoryIndex, changes: IndexChanges, now: Date): RepositoryIndex {
  const removed = new Set(changes.removed ?? []);
  const kept = <T extends { url: string }>(list: T[]) => list.filter((entry) => !removed.has(entry.url));
  return {
    ...index,
    updatedAt: now.toISOString(),
    caCertificates: kept(upsert(index.caCertificates, changes.caCertificates, (e) => e.url)),
    crls: kept(upsert(index.crls, changes.crls, (e) => e.url)),
    documents: kept(upsert(index.documents, changes.documents, (e) => e.url)),
    ocsp: {
      url: index.ocsp.url,
      issuers: upsert(index.ocsp.issuers, changes.ocspIssuers, (e) => e.issuer),
    },
  };
}

export function serialiseIndex(index: RepositoryIndex): string {
  return `${JSON.stringify(index, null, 2)}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** Breaks a hex fingerprint into colon-separated pairs, as `openssl x509 -fingerprint` prints it. */
export function formatFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

/** ISO-8601 without milliseconds, for people: 2026-11-22 07:52:59Z. */
function displayTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function relativeHref(url: string): string {
  return url.startsWith('/') ? `.${url}` : url;
}

/** The human index: readable without JavaScript, fingerprints selectable, dates in UTC. */
export function renderIndexHtml(index: RepositoryIndex, title: string): string {
  const e = escapeHtml;
  const none = (cols: number) => `<tr><td colspan="${cols}" class="none">none published</td></tr>`;
  const caRows = index.caCertificates
    .map(
      (ca) => `<tr><td><a href="${e(relativeHref(ca.url))}">${e(ca.url)}</a></td><td>${e(ca.subject)}</td>
<td class="time">${e(displayTime(ca.notBefore))}<br>${e(displayTime(ca.notAfter))}</td>
<td class="fp"><span class="alg">SHA-256</span> <code>${e(formatFingerprint(ca.sha256))}</code>
<span class="alg">SHA-384</span> <code>${e(formatFingerprint(ca.sha384))}</code>
<span class="alg">SHA-512</span> <code>${e(formatFingerprint(ca.sha512))}</code></td></tr>`,
    )
    .join('\n');
  const crlRows = index.crls
    .map(
      (crl) => `<tr><td><a href="${e(relativeHref(crl.url))}">${e(crl.url)}</a>${
        crl.publicUrl ? `<br><code>${e(crl.publicUrl)}</code>` : ''
      }</td><td>${e(crl.issuer)}</td>
<td>${crl.delta ? 'delta' : e(crl.scope ?? 'full')}</td><td class="num">${e(crl.crlNumber)}</td><td class="time">${e(displayTime(crl.thisUpdate))}</td>
<td class="time">${e(displayTime(crl.nextUpdate))}</td><td class="num">${crl.revokedCount}</td><td class="num">${
        crl.size ?? ''
      }</td><td>${(crl.warnings ?? []).map((w) => e(w)).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const disclosureRows = (index.crlUrls?.byCa ?? [])
    .map(
      (d) =>
        `<tr><td>${e(d.issuer ?? '')}<code>${e(d.ca)}</code></td><td><a href="${e(relativeHref(d.all))}">${e(d.all)}</a></td><td><a href="${e(relativeHref(d.full))}">${e(d.full)}</a></td></tr>`,
    )
    .join('\n');
  const disclosure = index.crlUrls
    ? `<h2>CRL disclosure (CCADB)</h2>
<p class="meta">Every CRL URL served: <a href="${e(relativeHref(index.crlUrls.all))}">${e(index.crlUrls.all)}</a></p>
<table><thead><tr><th>CA (SHA-256 of its certificate)</th><th>All CRLs</th><th>Full CRLs</th></tr></thead>
<tbody>
${disclosureRows || none(3)}
</tbody></table>
`
    : '';
  const documentRows = index.documents
    .map((doc) => {
      const signature =
        doc.signature === 'embedded'
          ? 'embedded (PAdES)'
          : `<a href="${e(relativeHref(doc.signature))}">${e(doc.signature)}</a>`;
      return `<tr><td><a href="${e(relativeHref(doc.url))}">${e(doc.url)}</a></td><td>${signature}</td><td>${e(doc.signer)}</td>
<td class="fp"><code>${e(formatFingerprint(doc.sha256))}</code></td></tr>`;
    })
    .join('\n');
  const ocspRows = index.ocsp.issuers
    .map(
      (o) =>
        `<tr><td>${e(o.issuer)}</td><td class="time">${e(displayTime(o.latestProducedAt))}</td><td class="time">${e(displayTime(o.lastPublishedAt))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans JP",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
p.meta{color:#57606a;margin-top:0}table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid #eaeef2}th{background:#f6f8fa;font-weight:600}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.78rem;word-break:break-all;display:block;margin-bottom:.3rem}
.alg{font-size:.72rem;color:#57606a;font-weight:600}.time{white-space:nowrap;font-variant-numeric:tabular-nums}.num{text-align:right}
.none{color:#57606a;font-style:italic}a{color:#0969da}
</style>
</head>
<body>
<h1>${e(title)}</h1>
<p class="meta">${
    isEmptyIndex(index)
      ? 'Nothing is published yet: no CA certificate, CRL, CP/CPS or OCSP response.'
      : `Updated ${e(displayTime(index.updatedAt))}`
  } · machine-readable: <a href="./index.json">index.json</a> · OCSP responder: <code style="display:inline">${e(index.ocsp.url)}</code></p>
<h2>CA certificates and fingerprints</h2>
<table><thead><tr><th>Certificate</th><th>Subject</th><th>Valid (UTC)</th><th>Fingerprints</th></tr></thead>
<tbody>
${caRows || none(4)}
</tbody></table>
<h2>Certificate revocation lists</h2>
<table><thead><tr><th>CRL</th><th>Issuer</th><th>Partition</th><th class="num">CRL number</th><th>This update (UTC)</th><th>Next update (UTC)</th><th class="num">Entries</th><th class="num">Bytes</th><th>Warnings</th></tr></thead>
<tbody>
${crlRows || none(9)}
</tbody></table>
${disclosure}<h2>Certificate policy and practice statements (CP/CPS)</h2>
<table><thead><tr><th>Document</th><th>Signature</th><th>Signer</th><th>SHA-256</th></tr></thead>
<tbody>
${documentRows || none(4)}
</tbody></table>
<h2>OCSP</h2>
<table><thead><tr><th>Issuer</th><th>Latest response produced</th><th>Last published</th></tr></thead>
<tbody>
${ocspRows || none(3)}
</tbody></table>
</body>
</html>
`;
}

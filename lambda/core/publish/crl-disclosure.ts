/**
 * CCADB disclosure of CRL URLs, derived from the index alone, so it follows every change of the
 * index (a publish, a withdrawal) by being derived again. CCADB asks per CA certificate for a "JSON
 * array of partitioned CRLs" (and since 2026 of full CRL URLs), which Mozilla's CRLite and Chrome's
 * CRLSets fetch at least every 4 hours (CCADB Policy §5, Mozilla Root Store Policy §6.1.1):
 *
 *   /crl-urls/<SHA-256 of the CA certificate, lower-case hex>.json       every CRL of that CA
 *   /crl-urls/<same>-full.json                                           its full CRLs only
 *   /crl-urls.json                                                       every CRL served, all CAs
 *
 * Each a JSON array of absolute URLs, sorted. Delta CRLs are not disclosed (CCADB lists full and
 * partitioned CRLs). These names are written by the repository only: bundle paths may not use them.
 */
import type { CrlDisclosureLinks, CrlEntry, RepositoryIndex } from './repository-index.ts';
import { absoluteUrl } from './public-urls.ts';

export const CRL_URLS_ALL_KEY = 'crl-urls.json';
export const CRL_URLS_PREFIX = 'crl-urls/';

export function crlUrlsKey(caSha256: string, which: 'all' | 'full'): string {
  return `${CRL_URLS_PREFIX}${caSha256}${which === 'full' ? '-full' : ''}.json`;
}

export interface DisclosureFile {
  key: string;
  urls: string[];
}

/** A CRL's absolute URL: the one recorded at publish, else the primary base URL + its path. */
function publicUrlOf(entry: CrlEntry, primaryBase: string | undefined): string {
  if (entry.publicUrl) return entry.publicUrl;
  return primaryBase ? absoluteUrl(primaryBase, entry.url) : entry.url;
}

/** The CAs disclosed: every pinned CA (an empty array until it has a CRL) and any CA the index names. */
function disclosedCas(index: RepositoryIndex, pinnedCas: readonly string[]): string[] {
  const cas = new Set(pinnedCas);
  for (const crl of index.crls) if (crl.ca) cas.add(crl.ca);
  return [...cas].sort();
}

/** Every disclosure file with its URLs: a pure function of the index and the pinned CAs. */
export function crlDisclosureFiles(
  index: RepositoryIndex,
  pinnedCas: readonly string[],
  publicBaseUrls: readonly string[],
): DisclosureFile[] {
  const base = publicBaseUrls[0];
  const disclosed = index.crls.filter((crl) => !crl.delta);
  const sorted = (entries: CrlEntry[]) => [...new Set(entries.map((e) => publicUrlOf(e, base)))].sort();
  const files: DisclosureFile[] = [{ key: CRL_URLS_ALL_KEY, urls: sorted(disclosed) }];
  for (const ca of disclosedCas(index, pinnedCas)) {
    const own = disclosed.filter((crl) => crl.ca === ca);
    files.push({ key: crlUrlsKey(ca, 'all'), urls: sorted(own) });
    files.push({ key: crlUrlsKey(ca, 'full'), urls: sorted(own.filter((crl) => crl.scope !== 'partition')) });
  }
  return files;
}

export function crlDisclosureLinks(index: RepositoryIndex, pinnedCas: readonly string[]): CrlDisclosureLinks {
  return {
    all: `/${CRL_URLS_ALL_KEY}`,
    byCa: disclosedCas(index, pinnedCas).map((ca) => {
      const issuer = index.crls.find((crl) => crl.ca === ca)?.issuer;
      return {
        ca,
        ...(issuer ? { issuer } : {}),
        all: `/${crlUrlsKey(ca, 'all')}`,
        full: `/${crlUrlsKey(ca, 'full')}`,
      };
    }),
  };
}

export function serialiseDisclosure(urls: readonly string[]): string {
  return `${JSON.stringify(urls, null, 2)}\n`;
}

/** Whether a bundle path names a disclosure file (reserved for the repository). */
export function isCrlDisclosureKey(path: string): boolean {
  return (
    path === CRL_URLS_ALL_KEY || path === CRL_URLS_PREFIX.slice(0, -1) || path.startsWith(CRL_URLS_PREFIX)
  );
}

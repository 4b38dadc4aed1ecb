/**
 * The public base URLs of the repository: the scheme and host (and port) relying parties use,
 * e.g. `http://repo.example.jp`. A CRL's absolute URL is a base URL followed by its path, and a
 * partitioned CRL's Issuing Distribution Point must name that URL byte for byte (BR §7.2.2.1), so
 * the bases are kept exactly as configured: no trailing slash, no path, no query, no default port
 * rewriting, lower-case scheme and host as URLs in certificates are written.
 */

export class PublicBaseUrlError extends Error {
  override name = 'PublicBaseUrlError';
}

const BASE_URL = /^(https?):\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?\/?$/;

/** Checks one base URL and answers it without its trailing slash. */
export function parsePublicBaseUrl(text: string): string {
  const match = BASE_URL.exec(text);
  if (!match) {
    throw new PublicBaseUrlError(
      `"${text}" is not a public base URL: give scheme and host only, lower case, e.g. http://repo.example.jp`,
    );
  }
  const port = match[3] ? Number(match[3].slice(1)) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new PublicBaseUrlError(`"${text}": port ${port} is out of range`);
  }
  return text.replace(/\/$/, '');
}

/** Base URLs from a comma-separated list (the Lambda environment); duplicates kept once, order kept. */
export function parsePublicBaseUrls(text: string | undefined): string[] {
  const parts = (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  return [...new Set(parts.map(parsePublicBaseUrl))];
}

/** The absolute URL of a repository path (`/crl/root.crl` or `crl/root.crl`) under one base. */
export function absoluteUrl(base: string, path: string): string {
  return `${base}/${path.replace(/^\/+/, '')}`;
}

/**
 * Bundle paths become object keys and URLs that certificates already embed (CDP, AIA), so they
 * are kept as given, but only if they are unambiguous and safe on every store and CDN:
 * relative, no dot segments (RFC 3986 §3.3, §5.2.4), a conservative character set, bounded.
 */
import { isOcspPath } from '../ocsp/ocsp-path.ts';
import { RejectedError } from '../rejection.ts';
import { isCrlDisclosureKey } from './crl-disclosure.ts';

export const MAX_PATH_LENGTH = 512;
const MAX_SEGMENT_LENGTH = 128;
// A segment starts with a letter or digit, so hidden files and the repository's own `_` prefixes
// (the OCSP store `_ocsp/`) can never be named by a bundle.
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._~-]*$/;

/** Object keys the repository writes itself; a bundle may not overwrite them. */
export const RESERVED_KEYS = ['index.json', 'index.html'] as const;

/**
 * `ocspPrefix` is the OCSP endpoint's path (`/ocsp`): the CDN sends it and everything below it to
 * the OCSP origin, so a file published there could never be served; `/` means OCSP has a host
 * name of its own and takes no path from the repository.
 */
export function validateBundlePath(path: string, ocspPrefix?: string): string {
  if (path.length === 0) throw new RejectedError('empty path');
  if (path.length > MAX_PATH_LENGTH)
    throw new RejectedError(`path longer than ${MAX_PATH_LENGTH} characters`);
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw new RejectedError('absolute path');
  if (path.includes('\\')) throw new RejectedError('backslash in path: use / as the separator');
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '..' || segment === '.') throw new RejectedError('dot segment (. or ..) in path');
    if (segment === '') throw new RejectedError('empty path segment (// or trailing /)');
    if (segment.length > MAX_SEGMENT_LENGTH) {
      throw new RejectedError(`path segment longer than ${MAX_SEGMENT_LENGTH} characters`);
    }
    if (!SAFE_SEGMENT.test(segment)) {
      throw new RejectedError(
        `unsafe path segment "${segment}": use letters, digits, . _ ~ - and start with a letter or digit`,
      );
    }
  }
  if ((RESERVED_KEYS as readonly string[]).includes(path)) {
    throw new RejectedError(`${path} is written by the repository itself`);
  }
  if (isCrlDisclosureKey(path)) {
    throw new RejectedError(
      `${path} is reserved for the repository's CCADB CRL disclosure (crl-urls.json, crl-urls/): publish elsewhere`,
    );
  }
  const ocsp = ocspPrefix?.replace(/\/+$/, '');
  if (ocsp && isOcspPath(`/${path}`, ocsp)) {
    throw new RejectedError(
      `/${path} is under the OCSP endpoint ${ocsp}, which answers OCSP requests only: publish it elsewhere`,
    );
  }
  return path;
}

import { describe, expect, it } from 'vitest';
import { validateBundlePath } from '../../lambda/core/publish/validate-bundle-path.ts';

describe('validateBundlePath (RFC 3986 §3.3: no dot segments; safe keys)', () => {
  it.each([
    ['flat file', 'ca.crt'],
    ['nested CRL path embedded in CDPs', 'crl/2026/issuing-ca-g1.crl'],
    ['tilde and dashes', 'repo/ca~g2/ca-g2_root.der'],
    ['document with signature', 'cps/cps-v1.2.pdf.p7s'],
  ])('accepts %s', (_name, path) => {
    expect(validateBundlePath(path)).toBe(path);
  });

  it.each([
    ['empty', '', /empty path/],
    ['absolute', '/etc/passwd', /absolute/],
    ['drive letter', 'C:/ca.crt', /absolute/],
    ['parent segment', 'crl/../index.json', /dot segment/],
    ['current segment', './ca.crt', /dot segment/],
    ['double slash', 'crl//ca.crl', /empty path segment/],
    ['trailing slash', 'crl/', /empty path segment/],
    ['backslash', 'crl\\ca.crl', /backslash/],
    ['space', 'my ca.crt', /unsafe path segment/],
    ['percent', 'ca%2Fcrt', /unsafe path segment/],
    ['hidden file', '.htaccess', /unsafe path segment/],
    ['repository-internal OCSP store', '_ocsp/sha1/aa/bb/01', /unsafe path segment/],
    ['non-ASCII', 'ca\u00e9.crt', /unsafe path segment/],
    ['too long', `${'a/'.repeat(300)}x`, /longer than 512/],
    ['overlong segment', 'a'.repeat(200), /segment longer/],
    ['index.json is written by the repository', 'index.json', /written by the repository/],
    ['index.html is written by the repository', 'index.html', /written by the repository/],
  ])('refuses %s', (_name, path, reason) => {
    expect(() => validateBundlePath(path)).toThrow(reason);
  });
});

describe('validateBundlePath under the OCSP endpoint (issue 13, finding 6)', () => {
  it.each([
    ['the prefix itself', 'ocsp', '/ocsp'],
    ['below the prefix', 'ocsp/ca.crt', '/ocsp'],
    ['below a nested prefix', 'status/ocsp/crl/ca.crl', '/status/ocsp'],
  ])('refuses %s', (_name, path, prefix) => {
    expect(() => validateBundlePath(path, prefix)).toThrow(/under the OCSP endpoint/);
  });

  it.each([
    ['a sibling sharing the prefix as a name start', 'ocspca.crt', '/ocsp'],
    ['a parent of a nested prefix', 'status/ca.crt', '/status/ocsp'],
    ['anything when OCSP has a host name of its own', 'ocsp/ca.crt', '/'],
    ['anything when no prefix applies', 'ocsp/ca.crt', undefined],
  ])('accepts %s', (_name, path, prefix) => {
    expect(validateBundlePath(path, prefix)).toBe(path);
  });
});

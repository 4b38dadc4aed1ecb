/**
 * The OCSP path prefix: one rule for the configuration, `ca-repo local --ocsp-path`, the local CDN
 * and the CloudFront Function build.
 */
import { describe, expect, it } from 'vitest';
import {
  isOcspPath,
  ocspBehaviourPathPatterns,
  parseOcspPathPrefix,
} from '../../lambda/core/ocsp/ocsp-path.ts';

describe('parseOcspPathPrefix', () => {
  it.each([
    ['/ocsp', '/ocsp'],
    ['/ocsp/', '/ocsp'],
    ['/ocsp//', '/ocsp'],
    ['/status/ocsp', '/status/ocsp'],
    ['/a.b_c~d-e', '/a.b_c~d-e'],
  ])('accepts %s as %s, on a dedicated host or beside the repository', (text, prefix) => {
    expect(parseOcspPathPrefix(text, { wholeHost: true })).toBe(prefix);
    expect(parseOcspPathPrefix(text, { wholeHost: false })).toBe(prefix);
  });

  it('accepts / only for a dedicated OCSP hostname', () => {
    expect(parseOcspPathPrefix('/', { wholeHost: true })).toBe('/');
    expect(() => parseOcspPathPrefix('/', { wholeHost: false })).toThrow(
      /^must be a path such as \/ocsp: "\/" alone would take every path/,
    );
  });

  it.each([
    '',
    'ocsp',
    '//',
    '/a//b',
    '/.',
    '/..',
    '/ocsp/../x',
    '/oc sp',
    '/oc%20sp',
    '/ocsp?x',
    '/ocsp#x',
    '/ö',
  ])('refuses %j, naming no flag or field', (text) => {
    for (const wholeHost of [true, false]) {
      expect(() => parseOcspPathPrefix(text, { wholeHost })).toThrow(
        /^must start with \/ and be a path such as \/ocsp/,
      );
    }
  });
});

describe('isOcspPath and ocspBehaviourPathPatterns', () => {
  it('take the prefix and what is below it, never a sibling starting with the same letters', () => {
    expect(isOcspPath('/ocsp', '/ocsp')).toBe(true);
    expect(isOcspPath('/ocsp/MEMwQTA', '/ocsp')).toBe(true);
    expect(isOcspPath('/ocspca.crt', '/ocsp')).toBe(false);
    expect(isOcspPath('/certs/ocsp', '/ocsp')).toBe(false);
    expect(isOcspPath('/anything', '/')).toBe(true);
    expect(ocspBehaviourPathPatterns('/ocsp')).toEqual(['/ocsp', '/ocsp/*']);
    expect(ocspBehaviourPathPatterns('/status/ocsp')).toEqual(['/status/ocsp', '/status/ocsp/*']);
  });
});

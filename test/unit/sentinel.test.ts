/**
 * The one rule for a health-checker sentinel, whichever source names it (configuration, CLI,
 * sentinels file), and the sentinels file the construct writes and the Lambda reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSentinel, SentinelError, type Sentinel } from '../../lambda/core/health/sentinel.ts';
import {
  formatSentinelsFile,
  parseSentinelsFile,
  SentinelsFileError,
} from '../../lambda/core/contract/sentinels-file.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.cleanup());

const names = { certificateName: 'leaf.pem', issuerName: 'ca.pem' };
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => {
      expect(error).toBeInstanceOf(SentinelError);
      const { part, message } = error as SentinelError;
      return { part, message };
    },
  );

describe('checkSentinel', () => {
  it('takes exactly one certificate each and the words, keeping an absent hash absent', async () => {
    const sentinel = await checkSentinel(
      { certificate: [pki.leaf.certDer], issuer: [pki.ca.cert.certDer], expectedStatus: 'good' },
      names,
    );
    expect(sentinel).toEqual({
      certificate: pki.leaf.certDer,
      issuer: pki.ca.cert.certDer,
      expectedStatus: 'good',
    });
    expect(
      await checkSentinel(
        {
          certificate: [pki.leaf.certDer],
          issuer: [pki.ca.cert.certDer],
          expectedStatus: 'revoked',
          hashAlgorithm: 'sha384',
        },
        names,
      ),
    ).toMatchObject({ expectedStatus: 'revoked', hashAlgorithm: 'sha384' });
  });

  it.each([
    [
      'no certificate',
      () => ({ certificate: [] }),
      'certificate',
      'leaf.pem holds 0 certificates; give a file with exactly one',
    ],
    [
      'two issuers',
      () => ({ issuer: [pki.ca.cert.certDer, pki.other.cert.certDer] }),
      'issuer',
      'ca.pem holds 2 certificates; give a file with exactly one',
    ],
    [
      'bytes that are no certificate',
      () => ({ certificate: [new Uint8Array([1, 2, 3])] }),
      'certificate',
      'leaf.pem is not an X.509 certificate',
    ],
    [
      'another status',
      () => ({ expectedStatus: 'valid' }),
      'expectedStatus',
      'is required: one of good, revoked, unknown',
    ],
    [
      'no status',
      () => ({ expectedStatus: undefined }),
      'expectedStatus',
      'is required: one of good, revoked, unknown',
    ],
    [
      'another hash',
      () => ({ hashAlgorithm: 'md5' }),
      'hashAlgorithm',
      'must be one of sha1, sha256, sha384, sha512',
    ],
    ['no issuer and no pinned CAs', () => ({ issuer: undefined }), 'issuer', 'is required'],
  ])('refuses %s', async (_name, override, part, message) => {
    const source = {
      certificate: [pki.leaf.certDer],
      issuer: [pki.ca.cert.certDer],
      expectedStatus: 'good',
      ...override(),
    };
    const refused = await refusal(checkSentinel(source, names));
    expect(refused?.part).toBe(part);
    expect(refused?.message).toContain(message);
  });

  it('without pinned CAs leaves the issuer to the probe; with them, the issuer must be pinned and have issued it', async () => {
    const wrongIssuer = {
      certificate: [pki.leaf.certDer],
      issuer: [pki.other.cert.certDer],
      expectedStatus: 'good',
    };
    expect((await checkSentinel(wrongIssuer, names)).issuer).toEqual(pki.other.cert.certDer);
    const pinned = { certificates: [pki.ca.cert.certDer, pki.rogue.cert.certDer], name: '--trust' };
    expect(await refusal(checkSentinel(wrongIssuer, { ...names, pinned }))).toEqual({
      part: 'issuer',
      message: 'ca.pem is not one of the pinned CA certificates in --trust (the checker trusts only those)',
    });
    const rogue = { ...wrongIssuer, issuer: [pki.rogue.cert.certDer] };
    expect(await refusal(checkSentinel(rogue, { ...names, pinned }))).toEqual({
      part: 'issuer',
      message: 'ca.pem did not issue leaf.pem (issuer name or signature does not match)',
    });
    const found = await checkSentinel(
      { certificate: [pki.leaf.certDer], expectedStatus: 'good' },
      { certificateName: 'leaf.pem', pinned },
    );
    expect(found.issuer).toEqual(pki.ca.cert.certDer);
    expect(
      await refusal(
        checkSentinel(
          { certificate: [pki.other.cert.certDer], expectedStatus: 'good' },
          { certificateName: 'other.pem', pinned },
        ),
      ),
    ).toEqual({
      part: 'issuer',
      message: 'no pinned CA certificate in --trust issued other.pem; pin its CA or give the issuer file',
    });
  });
});

describe('the sentinels file', () => {
  it('carries every sentinel as the probe reads it back', () => {
    const sentinels: Sentinel[] = [
      { certificate: new Uint8Array([1, 2, 3]), issuer: new Uint8Array([4, 5, 6]), expectedStatus: 'good' },
      {
        certificate: new Uint8Array([7]),
        issuer: new Uint8Array([8]),
        expectedStatus: 'revoked',
        hashAlgorithm: 'sha256',
      },
    ];
    const text = formatSentinelsFile(sentinels);
    expect(JSON.parse(text)[0]).toEqual({ certificate: 'AQID', issuer: 'BAUG', expectedStatus: 'good' });
    expect(parseSentinelsFile(text)).toEqual(sentinels);
  });

  it.each([
    ['{', /^is not JSON/],
    ['{}', /^is not a JSON list$/],
    [
      '[{"certificate":"AQID","issuer":"BAUG","expectedStatus":"fine"}]',
      /^entry 0: expectedStatus is required: one of/,
    ],
    [
      '[{"certificate":"AQID","issuer":"BAUG","expectedStatus":"good","hashAlgorithm":"md5"}]',
      /^entry 0: hashAlgorithm must be one of/,
    ],
    ['[{"certificate":"AQID","expectedStatus":"good"}]', /^entry 0: issuer is not base64 DER$/],
    ['[null]', /^entry 0: certificate is not base64 DER$/],
  ])('refuses %s', (text, message) => {
    expect(() => parseSentinelsFile(text)).toThrow(SentinelsFileError);
    expect(() => parseSentinelsFile(text)).toThrow(message);
  });
});

/**
 * Table tests of the CRL lints (lambda/core/crl/lints): each rule over CRLs generated with the
 * real openssl (testkit), passing and failing, under the profiles and scopes it applies to. Flags
 * openssl will not write (a critical cRLNumber or reasonCode) are set on the decoded CRL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as pkijs from 'pkijs';
import { parseCrl } from '../../lambda/core/crl/validate-crl.ts';
import { CRL_LINTS } from '../../lambda/core/crl/lints/crl-lints.ts';
import { runLints, type CrlLintInput, type Lint } from '../../lambda/core/crl/lints/lint.ts';
import { OID } from '../../lambda/core/pki/oids.ts';
import type { CaPolicy } from '../../lambda/core/publish/ca-policy.ts';
import type { PinnedCa } from '../../lambda/core/pki/trust-store.ts';
import { createTestPki, DAY, shift, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let issuer: PinnedCa;
const crls: Record<string, Uint8Array> = {};
const now = new Date();

beforeAll(async () => {
  pki = await createTestPki();
  issuer = pki.trust.cas[0]!;
  const held = await pki.ca.issue({ commonName: 'held.example', profile: 'tls-server' });
  const plain = await pki.ca.generateCrl({ crlNumber: 5n });
  crls.plain = plain;
  crls.noCrlNumber = await pki.ca.generateCrl({ omitCrlNumber: true });
  crls.huge = await pki.ca.generateCrl({ crlNumber: 1n << 159n });
  crls.maxNumber = await pki.ca.generateCrl({ crlNumber: (1n << 159n) - 1n });
  crls.noAki = await pki.ca.generateCrl({ crlNumber: 6n, crlExtensions: ['2.5.29.18 = DER:30:00'] });
  crls.delta = await pki.ca.generateCrl({
    crlNumber: 7n,
    crlExtensions: ['authorityKeyIdentifier = keyid:always', '2.5.29.27 = critical, DER:02:01:01'],
  });
  crls.tenDays = await pki.ca.generateCrl({ lastUpdate: now, nextUpdate: shift(now, 10 * DAY) });
  crls.elevenDays = await pki.ca.generateCrl({ lastUpdate: now, nextUpdate: shift(now, 11 * DAY) });
  crls.year = await pki.ca.generateCrl({ lastUpdate: now, nextUpdate: shift(now, 366 * DAY) });
  crls.overYear = await pki.ca.generateCrl({ lastUpdate: now, nextUpdate: shift(now, 400 * DAY) });
  await pki.ca.revoke(held, { reason: 'certificateHold' });
  crls.hold = await pki.ca.generateCrl();
  const unspecified = await pki.ca.issue({ commonName: 'unspecified.example', profile: 'tls-server' });
  await pki.ca.revoke(unspecified, { reason: 'unspecified' });
  crls.unspecified = await pki.ca.generateCrl();
}, 120_000);
afterAll(() => pki?.cleanup());

function lint(id: string): Lint<CrlLintInput> {
  const found = CRL_LINTS.find((l) => l.id === id);
  if (!found) throw new Error(`no lint ${id}`);
  return found;
}

const SUBSCRIBER_BR: CaPolicy = { profile: 'br', scope: 'subscriber' };
const ROOT_BR: CaPolicy = { profile: 'br', scope: 'root' };
const RFC: CaPolicy = { profile: 'rfc5280', scope: 'subscriber' };

function input(name: string, policy: CaPolicy, mutate?: (crl: pkijs.CertificateRevocationList) => void) {
  const der = crls[name]!;
  const crl = parseCrl(der);
  mutate?.(crl);
  return { crl, der, issuer, policy };
}

const criticalExtension = (oid: string) => (crl: pkijs.CertificateRevocationList) => {
  const extension = crl.crlExtensions!.extensions.find((e) => e.extnID === oid)!;
  extension.critical = true;
};
const criticalReason = (crl: pkijs.CertificateRevocationList) => {
  for (const entry of crl.revokedCertificates ?? []) {
    for (const e of entry.crlEntryExtensions?.extensions ?? [])
      if (e.extnID === OID.crlReason) e.critical = true;
  }
};

// [lint, fixture, policy, mutation, expected number of findings]
const TABLE: [
  string,
  string,
  CaPolicy,
  ((crl: pkijs.CertificateRevocationList) => void) | undefined,
  number,
][] = [
  ['crl-version-v2', 'plain', RFC, undefined, 0],
  [
    'crl-version-v2',
    'plain',
    RFC,
    (crl) => {
      crl.version = 0;
    },
    1,
  ],
  ['crl-number-present', 'plain', RFC, undefined, 0],
  ['crl-number-present', 'noCrlNumber', RFC, undefined, 1],
  ['crl-number-not-critical', 'plain', SUBSCRIBER_BR, undefined, 0],
  ['crl-number-not-critical', 'plain', SUBSCRIBER_BR, criticalExtension(OID.crlNumber), 1],
  ['crl-number-below-2-159', 'maxNumber', RFC, undefined, 0],
  ['crl-number-below-2-159', 'huge', RFC, undefined, 1],
  ['crl-aki-present', 'plain', RFC, undefined, 0],
  ['crl-aki-present', 'noAki', RFC, undefined, 1],
  ['crl-signature-algorithm', 'plain', RFC, undefined, 0],
  [
    'crl-signature-algorithm',
    'plain',
    RFC,
    (crl) => {
      crl.signatureAlgorithm.algorithmId = OID.sha256WithRsaEncryption;
    },
    2,
  ],
  ['crl-reason-not-critical', 'plain', RFC, undefined, 0],
  ['crl-reason-not-critical', 'plain', RFC, criticalReason, 1],
  ['crl-reason-br-allowed', 'plain', SUBSCRIBER_BR, undefined, 0],
  ['crl-reason-br-allowed', 'hold', SUBSCRIBER_BR, undefined, 1],
  ['crl-reason-br-allowed', 'unspecified', SUBSCRIBER_BR, undefined, 2],
  ['crl-no-delta', 'plain', SUBSCRIBER_BR, undefined, 0],
  ['crl-no-delta', 'delta', SUBSCRIBER_BR, undefined, 1],
  ['crl-validity-period', 'tenDays', SUBSCRIBER_BR, undefined, 0],
  ['crl-validity-period', 'elevenDays', SUBSCRIBER_BR, undefined, 1],
  ['crl-validity-period', 'year', ROOT_BR, undefined, 0],
  ['crl-validity-period', 'overYear', ROOT_BR, undefined, 1],
  ['crl-size', 'plain', RFC, undefined, 0],
];

describe('each CRL lint over generated CRLs', () => {
  it.each(TABLE)('%s on %s (%o) finds the expected problems', (id, fixture, policy, mutate, expected) => {
    const rule = lint(id);
    const findings = rule.check(input(fixture, policy, mutate));
    expect(findings, findings.join('; ')).toHaveLength(expected);
  });

  it('warns a CRL over 10 MB without reading it as a CRL', () => {
    const { crl, issuer: ca } = input('plain', RFC);
    expect(
      lint('crl-size').check({ crl, der: new Uint8Array(10_000_001), issuer: ca, policy: RFC }),
    ).toHaveLength(1);
  });
});

describe('profiles choose what each finding is', () => {
  it('br refuses certificateHold, rfc5280 allows it', () => {
    const errorsOf = (policy: CaPolicy) =>
      runLints(CRL_LINTS, input('hold', policy), policy).filter((f) => f.severity === 'error');
    expect(errorsOf(SUBSCRIBER_BR).map((f) => f.lint)).toContain('crl-reason-br-allowed');
    expect(errorsOf(RFC)).toEqual([]);
  });

  it('a long subscriber CRL is an error under br and a warning under rfc5280', () => {
    const [br] = runLints(CRL_LINTS, input('elevenDays', SUBSCRIBER_BR), SUBSCRIBER_BR);
    const [rfc] = runLints(CRL_LINTS, input('elevenDays', RFC), RFC);
    expect(br).toMatchObject({ lint: 'crl-validity-period', severity: 'error', citation: 'BR §4.9.7' });
    expect(rfc).toMatchObject({ lint: 'crl-validity-period', severity: 'warning' });
  });

  it('a CRL without authorityKeyIdentifier is an error under br and a warning under rfc5280', () => {
    const akiFindings = (policy: CaPolicy) =>
      runLints(CRL_LINTS, input('noAki', policy), policy).filter((f) => f.lint === 'crl-aki-present');
    expect(akiFindings(SUBSCRIBER_BR)).toMatchObject([{ severity: 'error' }]);
    expect(akiFindings(RFC)).toMatchObject([{ severity: 'warning' }]);
    expect(runLints(CRL_LINTS, input('noAki', RFC), RFC).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('an ARL may list cACompromise, a subscriber CRL under br may not', () => {
    const rule = lint('crl-reason-br-allowed');
    const caCompromise = (crl: pkijs.CertificateRevocationList) => {
      for (const entry of crl.revokedCertificates ?? []) {
        for (const e of entry.crlEntryExtensions?.extensions ?? []) {
          if (e.extnID === OID.crlReason) {
            // ENUMERATED 2 (cACompromise) in place of 1 (keyCompromise): same length.
            const bytes = new Uint8Array(e.extnValue.valueBlock.valueHexView);
            bytes[bytes.length - 1] = 2;
            e.extnValue.valueBlock.valueHexView = bytes;
          }
        }
      }
    };
    expect(rule.check(input('plain', ROOT_BR, caCompromise))).toEqual([]);
    expect(rule.check(input('plain', SUBSCRIBER_BR, caCompromise))).toHaveLength(1);
  });

  it('every lint cites its section', () => {
    for (const l of CRL_LINTS) expect(l.citation).toMatch(/(RFC \d+|BR) §\d/);
  });
});

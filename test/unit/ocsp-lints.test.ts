/**
 * Table tests of the OCSP lints (lambda/core/ocsp/lints): each rule over responses generated with
 * the real openssl CA (testkit) and the pkijs builder, passing and failing, under the profiles it
 * applies to; then the gate's OCSP kind refusing under br and warning under rfc5280.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCSP_LINTS } from '../../lambda/core/ocsp/lints/ocsp-lints.ts';
import type { OcspLintInput } from '../../lambda/core/ocsp/lints/ocsp-lint-input.ts';
import { runLints, type Lint } from '../../lambda/core/crl/lints/lint.ts';
import {
  validateOcspResponse,
  type OcspResponseFacts,
} from '../../lambda/core/ocsp/validate-ocsp-response.ts';
import { DEFAULT_POLICY } from '../../lambda/core/policy.ts';
import type { CaPolicy } from '../../lambda/core/publish/ca-policy.ts';
import { classifyContent } from '../../lambda/core/publish/classify-content.ts';
import type { AssessContext, Verdict } from '../../lambda/core/publish/kinds/artifact-kind-module.ts';
import { judge } from '../../lambda/core/publish/kinds/registry.ts';
import { readRevocationHistory } from '../../lambda/core/publish/revocation-history.ts';
import { DEFAULT_CACHE_CAPS } from '../../lambda/core/serving/cache-policy.ts';
import { buildOcspResponse } from '../../testkit/ocsp-response-builder.ts';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { createTestPki, DAY, HOUR, shift, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const responses: Record<string, Uint8Array> = {};
const facts: Record<string, OcspResponseFacts> = {};

const BR: CaPolicy = { profile: 'br', scope: 'subscriber' };
const RFC: CaPolicy = { profile: 'rfc5280', scope: 'subscriber' };

/** A response for the good leaf with the given validity, signed by the CA or a delegated responder. */
function response(validityMs: number, signer?: IssuedCert, responderId: 'byName' | 'byKey' = 'byName') {
  const signerCert = signer ?? pki.ca.cert;
  return buildOcspResponse({
    signerCertDer: signerCert.certDer,
    signerKeyPem: signerCert.keyPem,
    responderId,
    ...(signer ? { includeCerts: [signer.certDer] } : {}),
    producedAt: now,
    responses: [
      {
        issuerCertDer: pki.ca.cert.certDer,
        serialHex: pki.leaf.serialHex,
        hash: 'sha256',
        status: 'good',
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + validityMs),
      },
    ],
  });
}

beforeAll(async () => {
  pki = await createTestPki();
  const noCheckless = await pki.ca.issue({
    commonName: 'ca-repo Responder without nocheck',
    profile: 'ocsp-signing',
    omitOcspNoCheck: true,
  });
  const shortLived = await pki.ca.issue({
    commonName: 'ca-repo Short-lived responder',
    profile: 'ocsp-signing',
    notBefore: shift(now, -HOUR),
    notAfter: shift(now, 2 * DAY),
  });
  Object.assign(responses, {
    sevenDays: await response(7 * DAY),
    // Inclusive count (BR §1.6.4): nextUpdate one second short of 10 days is exactly 10 days.
    tenDaysInclusive: await response(10 * DAY - 1000),
    tenDaysAndASecond: await response(10 * DAY),
    eightHours: await response(8 * HOUR - 1000),
    fourHours: await response(4 * HOUR),
    byKey: await response(7 * DAY, undefined, 'byKey'),
    delegated: await response(4 * DAY, pki.responder),
    delegatedByKey: await response(4 * DAY, pki.responder, 'byKey'),
    noCheckless: await response(4 * DAY, noCheckless),
    shortLived: await response(DAY, shortLived),
    outlived: await response(4 * DAY, shortLived),
    opensslDelegated: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1', signer: pki.responder }),
    opensslCa: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha256', responderId: 'byKey' }),
  });
  for (const [name, der] of Object.entries(responses)) {
    facts[name] = await validateOcspResponse({ der, trust: pki.trust, now, policy: DEFAULT_POLICY });
  }
}, 120_000);
afterAll(() => pki?.cleanup());

function lint(id: string): Lint<OcspLintInput> {
  const found = OCSP_LINTS.find((l) => l.id === id);
  if (!found) throw new Error(`no lint ${id}`);
  return found;
}

/** The facts with another ResponderID: what the signer search never lets through, for the rule alone. */
const otherResponderId = (f: OcspResponseFacts): OcspResponseFacts => ({
  ...f,
  responderId: 'byName' in f.responderId ? { byKey: new Uint8Array(20) } : { byName: pki.other.cert.certDer },
});

// [lint, fixture, mutation, expected number of findings]
const TABLE: [string, string, ((f: OcspResponseFacts) => OcspResponseFacts) | undefined, number][] = [
  ['ocsp-validity-period', 'sevenDays', undefined, 0],
  ['ocsp-validity-period', 'tenDaysInclusive', undefined, 0],
  ['ocsp-validity-period', 'tenDaysAndASecond', undefined, 1],
  ['ocsp-validity-period', 'eightHours', undefined, 0],
  ['ocsp-validity-period', 'fourHours', undefined, 1],
  ['ocsp-validity-period', 'opensslCa', undefined, 0],
  ['ocsp-responder-valid-through-next-update', 'sevenDays', undefined, 0],
  ['ocsp-responder-valid-through-next-update', 'delegated', undefined, 0],
  ['ocsp-responder-valid-through-next-update', 'shortLived', undefined, 0],
  ['ocsp-responder-valid-through-next-update', 'outlived', undefined, 1],
  ['ocsp-responder-nocheck', 'sevenDays', undefined, 0],
  ['ocsp-responder-nocheck', 'delegated', undefined, 0],
  ['ocsp-responder-nocheck', 'opensslDelegated', undefined, 0],
  ['ocsp-responder-nocheck', 'noCheckless', undefined, 1],
  ['ocsp-responder-id', 'sevenDays', undefined, 0],
  ['ocsp-responder-id', 'byKey', undefined, 0],
  ['ocsp-responder-id', 'delegated', undefined, 0],
  ['ocsp-responder-id', 'delegatedByKey', undefined, 0],
  ['ocsp-responder-id', 'opensslCa', undefined, 0],
  ['ocsp-responder-id', 'sevenDays', otherResponderId, 1],
  ['ocsp-responder-id', 'byKey', otherResponderId, 1],
  ['ocsp-responder-id', 'delegated', otherResponderId, 1],
];

describe('each OCSP lint over generated responses', () => {
  it.each(TABLE)('%s on %s finds the expected problems', (id, fixture, mutate, expected) => {
    const input = { facts: (mutate ?? ((f) => f))(facts[fixture]!), policy: BR };
    const findings = lint(id).check(input);
    expect(findings, findings.join('; ')).toHaveLength(expected);
  });

  it('every lint cites its section', () => {
    for (const l of OCSP_LINTS) expect(l.citation).toMatch(/(RFC \d+|BR) §\d/);
  });
});

describe('profiles choose what each finding is', () => {
  it('br makes the BR rules errors, rfc5280 warnings; a wrong ResponderID is an error under both', () => {
    const severities = (name: string, policy: CaPolicy, mutate = (f: OcspResponseFacts) => f) =>
      runLints(OCSP_LINTS, { facts: mutate(facts[name]!), policy }, policy).map((f) => [f.lint, f.severity]);
    for (const name of ['fourHours', 'noCheckless', 'outlived']) {
      expect(severities(name, BR).every(([, s]) => s === 'error')).toBe(true);
      expect(severities(name, RFC).every(([, s]) => s === 'warning')).toBe(true);
      expect(severities(name, RFC)).toHaveLength(1);
    }
    expect(severities('sevenDays', RFC, otherResponderId)).toEqual([['ocsp-responder-id', 'error']]);
    expect(severities('sevenDays', BR, otherResponderId)).toEqual([['ocsp-responder-id', 'error']]);
  });
});

describe("the gate's OCSP kind lints with the CA's profile", () => {
  function context(policy: CaPolicy): AssessContext {
    return {
      trust: pki.trust,
      policy: DEFAULT_POLICY,
      caps: DEFAULT_CACHE_CAPS,
      ocspUrl: '/ocsp',
      publicBaseUrls: ['http://repo.example.jp'],
      caPolicies: { [pki.trust.cas[0]!.fingerprints.sha256]: policy },
      now,
      bundleId: 'b-1',
      part: new Map(),
      served: {
        head: async () => undefined,
        get: async () => undefined,
        revocations: async (ca) => readRevocationHistory(undefined, ca.subject),
      },
      claim: () => undefined,
    };
  }
  const judgeAs = (name: string, policy: CaPolicy): Promise<Verdict> => {
    const der = responses[name]!;
    return judge({ path: `ocsp/${name}.der`, bytes: der, content: classifyContent(der) }, context(policy));
  };

  it('refuses a responder without id-pkix-ocsp-nocheck under br, naming the rule and its section', async () => {
    const verdict = await judgeAs('noCheckless', BR);
    expect(verdict).toMatchObject({
      rejected: expect.stringMatching(/br lint profile: ocsp-responder-nocheck \(RFC 6960 §4\.2\.2\.2\.1/),
    });
  });

  it('publishes it under rfc5280 with the warning in the receipt entry', async () => {
    const verdict = await judgeAs('noCheckless', RFC);
    if ('rejected' in verdict) throw new Error(verdict.rejected);
    expect(verdict.accepted[0]?.warnings).toEqual([expect.stringMatching(/^ocsp-responder-nocheck /)]);
  });

  it('refuses a 4-hour response under br, warns it under rfc5280; a conforming one has no warnings', async () => {
    expect(await judgeAs('fourHours', BR)).toMatchObject({
      rejected: expect.stringContaining('ocsp-validity-period (BR §4.9.10)'),
    });
    const warned = await judgeAs('fourHours', RFC);
    expect('rejected' in warned ? [] : warned.accepted[0]?.warnings).toHaveLength(1);
    const clean = await judgeAs('delegated', BR);
    expect('rejected' in clean ? clean.rejected : clean.accepted[0]?.warnings).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../lambda/core/policy.ts';
import { validateCrl } from '../../lambda/core/crl/validate-crl.ts';
import { TrustStore } from '../../lambda/core/pki/trust-store.ts';
import { DAY, HOUR, createTestPki, shift, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
const now = new Date();
/** Named CRLs generated once, by the pinned CA unless the name says otherwise. */
const crls: Record<string, Uint8Array> = {};

beforeAll(async () => {
  pki = await createTestPki();
  crls.number5 = await pki.ca.generateCrl({ crlNumber: 5n });
  crls.number6 = await pki.ca.generateCrl({ crlNumber: 6n });
  crls.number5Again = await pki.ca.generateCrl({ crlNumber: 5n, lastUpdate: shift(now, -HOUR) });
  crls.number4 = await pki.ca.generateCrl({ crlNumber: 4n });
  crls.noNumber = await pki.ca.generateCrl({ omitCrlNumber: true });
  crls.rogue = await pki.rogue.generateCrl({ crlNumber: 9n });
  crls.other = await pki.other.generateCrl({ crlNumber: 9n });
});
afterAll(() => pki?.cleanup());

function flipLastByte(der: Uint8Array): Uint8Array {
  const copy = new Uint8Array(der);
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0x01;
  return copy;
}

describe('validateCrl (RFC 5280 §5)', () => {
  const accepts: [string, () => { der: Uint8Array; previousDer?: Uint8Array; at?: Date }, bigint, boolean][] =
    [
      ['a CRL signed by the pinned CA', () => ({ der: crls.number5! }), 5n, false],
      [
        'a higher CRL number than the one served',
        () => ({ der: crls.number6!, previousDer: crls.number5 }),
        6n,
        false,
      ],
      [
        'a byte-identical re-publish (idempotent no-op)',
        () => ({ der: crls.number5!, previousDer: crls.number5 }),
        5n,
        true,
      ],
      [
        'thisUpdate slightly ahead, within clock skew',
        () => ({ der: crls.number5!, at: shift(now, -2 * 60_000) }),
        5n,
        false,
      ],
    ];
  it.each(accepts)('accepts %s', async (_name, input, crlNumber, unchanged) => {
    const { der, previousDer, at } = input();
    const facts = await validateCrl({
      der,
      previousDer,
      trust: pki.trust,
      now: at ?? now,
      policy: DEFAULT_POLICY,
    });
    expect(facts.crlNumber).toBe(crlNumber);
    expect(facts.unchanged).toBe(unchanged);
    expect(facts.issuer.subject).toContain('ca-repo Test Root CA');
    expect(facts.nextUpdate.getTime()).toBeGreaterThan(now.getTime());
  });

  const refuses: [
    string,
    () => { der: Uint8Array; previousDer?: Uint8Array; at?: Date; trust?: TrustStore },
    RegExp,
  ][] = [
    [
      'a CRL from a rogue CA with the pinned name',
      () => ({ der: crls.rogue! }),
      /does not verify with the pinned CA/,
    ],
    ['a CRL from an unpinned CA', () => ({ der: crls.other! }), /is not a pinned CA/],
    ['a CRL without a CRL number', () => ({ der: crls.noNumber! }), /no CRL number/],
    [
      'the same CRL number with other bytes',
      () => ({ der: crls.number5Again!, previousDer: crls.number5 }),
      /not greater than 5/,
    ],
    [
      'a lower CRL number (rollback)',
      () => ({ der: crls.number4!, previousDer: crls.number5 }),
      /CRL number 4 is not greater than 5/,
    ],
    [
      'thisUpdate in the future beyond skew',
      () => ({ der: crls.number5!, at: shift(now, -HOUR) }),
      /thisUpdate .* is in the future/,
    ],
    ['a CRL past its nextUpdate', () => ({ der: crls.number5!, at: shift(now, 60 * DAY) }), /CRL expired/],
    ['a tampered signature', () => ({ der: flipLastByte(crls.number5!) }), /does not verify/],
    [
      'trailing bytes after the DER',
      () => ({ der: new Uint8Array([...crls.number5!, 0]) }),
      /trailing bytes/,
    ],
    ['garbage', () => ({ der: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]) }), /CRL: malformed/],
  ];
  it.each(refuses)('refuses %s', async (_name, input, reason) => {
    const { der, previousDer, at, trust } = input();
    await expect(
      validateCrl({ der, previousDer, trust: trust ?? pki.trust, now: at ?? now, policy: DEFAULT_POLICY }),
    ).rejects.toThrow(reason);
  });

  it('refuses a CRL of another pinned issuer at a path that serves this issuer', async () => {
    const trust = await TrustStore.fromDer([pki.ca.cert.certDer, pki.other.cert.certDer]);
    await expect(
      validateCrl({ der: crls.other!, previousDer: crls.number5, trust, now, policy: DEFAULT_POLICY }),
    ).rejects.toThrow(/already serves a CRL of/);
  });
});

/**
 * Seeded fuzzing of the publish gate's readers of untrusted files: classifyContent must never
 * throw, and a validator may only refuse with a RejectedError (whose message becomes the
 * receipt's reason); anything else fails the whole bundle as a "store or internal error".
 * Small and fast here; `npm run bench` runs the same harness (bench/fuzz-harness.ts) on 300,000.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifactSeeds, fuzzArtifacts, type ArtifactSeeds } from '../../bench/fuzz-harness.ts';
import { classifyContent } from '../../lambda/core/publish/classify-content.ts';
import { DEFAULT_POLICY } from '../../lambda/core/policy.ts';
import { RejectedError } from '../../lambda/core/rejection.ts';
import { validateOcspResponse } from '../../lambda/core/ocsp/validate-ocsp-response.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';
import { seededRandom } from '../../testkit/seeded-random.ts';

const SEED = 20261123;
const INPUTS = 4000;

let pki: TestPki;
let seeds: ArtifactSeeds;
beforeAll(async () => {
  pki = await createTestPki();
  seeds = await buildArtifactSeeds(pki.ca);
});
afterAll(() => pki?.cleanup());

describe(`artifact classifier and validators, seeded fuzz (seed ${SEED})`, () => {
  it('every seed is classified as what it is', () => {
    const types = seeds.files.map((f) => classifyContent(f).type);
    expect(types).toEqual([
      'certificate',
      'certificate',
      'crl',
      'crl',
      'ocsp-response',
      'ocsp-response',
      'cms-signature',
      'cms-signature',
      'pdf',
      'pdf',
      'private-key',
      'private-key',
    ]);
  });

  it(`${INPUTS} random and mutated files: the classifier never throws, validators only refuse`, async () => {
    const tally = await fuzzArtifacts({
      seeds,
      trust: pki.trust,
      now: new Date(),
      random: seededRandom(SEED),
      count: INPUTS,
    });
    expect(tally.inputs).toBe(INPUTS);
    expect(tally.violations).toEqual([]);
    // The mutations must still reach the validators, or this test proves nothing.
    for (const kind of ['ca-certificate', 'crl', 'ocsp-response', 'signature', 'document']) {
      expect(tally.counts[`${kind} rejected`] ?? 0, kind).toBeGreaterThan(0);
    }
    expect(tally.maxMs).toBeLessThan(1000);
  });

  // Found by this fuzzer: asn1js throws a plain Error on such a time; parseBer turns it into a refusal.
  it('an OCSP response whose GeneralizedTime is not a date is refused with a reason', async () => {
    const der = Buffer.from(seeds.files[4]!);
    const at = der.indexOf(Buffer.from([0x18, 0x0f])); // producedAt: GeneralizedTime, 15 characters
    der[at + 2 + 4] = 0x78; // "x" in the month
    expect(classifyContent(der).type).toBe('ocsp-response');
    await expect(
      validateOcspResponse({ der, trust: pki.trust, now: new Date(), policy: DEFAULT_POLICY }),
    ).rejects.toBeInstanceOf(RejectedError);
  });
});

/**
 * Locating embedded PDF signatures does bounded work for any input (issue 13, finding 5): a
 * crafted file once took 111 s for 280 KB (the /ByteRange scan re-parsed the file from every
 * candidate `<<`). The tokenizer now counts its steps; these crafted files up to 10 MB each get a
 * verdict within WORK_PER_BYTE steps per byte, and a real signed PDF needs under one step per
 * byte. Measured when this was written: at most about 0.2 s per MB on a shared 2-core machine,
 * within 100x a bare loop summing the same bytes; the test asserts the step counts, not time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_BYTE_RANGE_KEYS,
  WORK_ALLOWANCE,
  WORK_PER_BYTE,
  findEmbeddedSignatures,
  type ScanWork,
} from '../../lambda/core/documents/pdf-signature.ts';
import { RejectedError } from '../../lambda/core/rejection.ts';
import { makePdf, signPdfEmbedded } from '../../testkit/pdf.ts';
import { createTestPki } from '../../testkit/test-pki.ts';

const MB = 1024 * 1024;

/** Families of crafted files, each `size` bytes of latin1 text. */
const CRAFTED: Record<string, (size: number) => string> = {
  // A dictionary per key, never closed: every key's lookback reaches every earlier `<<`.
  'unclosed dictionaries': (size) => '<</ByteRange [0 1 2 3] /Contents <00> /X '.repeat(size / 40),
  // The 111-second shape: thousands of open `<<` before the keys.
  'open dictionaries, then keys': (size) => '<< /A '.repeat(size / 12) + '/ByteRange '.repeat(size / 22),
  // One literal string that never ends swallowing every key.
  'an unterminated string': (size) => '<< /A (' + '/ByteRange '.repeat(size / 11),
  // A string opened after every key.
  'a string per key': (size) => '<</ByteRange ('.repeat(size / 14),
  'hex strings never closed': (size) => '<</ByteRange <0'.repeat(size / 15),
  // Few keys, each far from its dictionary behind thousands of strings.
  'keys behind strings': (size) => '<< /A ('.repeat(size / 7 - 200) + '/ByteRange '.repeat(100),
  'long whitespace after numbers': (size) => `<</ByteRange [1${' '.repeat(size - 40)}2 3 4] /Contents <00>>>`,
};

function scan(pdf: Uint8Array): { work: ScanWork; verdict: string } {
  const work: ScanWork = { steps: 0 };
  try {
    return { work, verdict: `${findEmbeddedSignatures(pdf, work).length} signatures` };
  } catch (error) {
    if (!(error instanceof RejectedError)) throw error;
    return { work, verdict: error.message };
  }
}

describe('PDF signature location, bounded work', () => {
  for (const [family, craft] of Object.entries(CRAFTED)) {
    it(`${family}: a verdict within ${WORK_PER_BYTE} steps per byte, up to 10 MB`, () => {
      for (const size of [280 * 1024, 10 * MB]) {
        const pdf = new Uint8Array(Buffer.from(`%PDF-1.7\n${craft(size)}`, 'latin1'));
        const { work, verdict } = scan(pdf);
        expect(verdict).toMatch(/signatures|not read further/);
        // The scan stops at the step that crosses the bound (a run of one character class is one step).
        expect(work.steps).toBeLessThanOrEqual(WORK_PER_BYTE * pdf.length + WORK_ALLOWANCE + 2);
      }
    });
  }

  it(`refuses more than ${MAX_BYTE_RANGE_KEYS} /ByteRange keys without reading them`, () => {
    const pdf = new Uint8Array(
      Buffer.from(`%PDF-1.7\n${'<</ByteRange [0 1 2 3]>>\n'.repeat(2000)}`, 'latin1'),
    );
    expect(scan(pdf).verdict).toMatch(/more than 1024 \/ByteRange keys/);
  });

  it('finds a real signature behind 2 MB of crafted objects in under one step per byte', async () => {
    const pki = await createTestPki();
    try {
      const signer = await pki.ca.issue({ commonName: 'Bounds Signer', profile: 'document-signing' });
      const junk = '<< /A (x) /B [1 2 (y)] /C <00ff> >>\n'.repeat((2 * MB) / 36);
      const signed = await signPdfEmbedded(makePdf({ title: 'Bounds', lines: [junk] }), signer);
      const work: ScanWork = { steps: 0 };
      expect(findEmbeddedSignatures(signed, work)).toHaveLength(1);
      expect(work.steps / signed.length).toBeLessThan(1);
    } finally {
      await pki.cleanup();
    }
  });
});

describe('the crafted families cost the old scan quadratic time', () => {
  let steps: number[];
  beforeAll(() => {
    // Linear: doubling the file doubles the steps (the old scan quadrupled its time).
    steps = [512 * 1024, 1024 * 1024].map((size) => {
      const pdf = new Uint8Array(Buffer.from(`%PDF-1.7\n${CRAFTED['keys behind strings']!(size)}`, 'latin1'));
      return scan(pdf).work.steps;
    });
  });
  it('steps grow linearly with size', () => {
    expect(steps[1]! / steps[0]!).toBeLessThan(2.5);
  });
});

/**
 * The PKCS#11 signer on a SoftHSM2 token: batches signed concurrently (presign keeps several in
 * flight) never share a session's active operation (CKR_OPERATION_ACTIVE before the session queue),
 * and every signature verifies with the certificate's key; whole responses signed, framed and
 * written on the worker threads (each with its own session) are the core encoder's octets. Skipped only when softhsm2 is absent;
 * .ci/run installs it.
 */
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeOcspResponse, responseFrameParts } from '../../lambda/core/ocsp/ocsp-response-encoder.ts';
import { signatureAlgorithmDer } from '../../lambda/core/pki/signature-encoding.ts';
import { openPkcs11Signers } from '../../onprem/presign/pkcs11-signer.ts';
import { responseWriterOf } from '../../onprem/presign/signer.ts';
import { OpensslCa } from '../../testkit/openssl-ca.ts';
import { softHsmModule, softHsmToken } from '../../testkit/presign-fixture.ts';

const module = await softHsmModule();

/** The BIT STRING's value after the signatureAlgorithm (the stand-in tbs octets do not parse as DER). */
function signatureAfter(response: Uint8Array, signatureAlgorithm: Uint8Array): Uint8Array {
  const at = Buffer.from(response).indexOf(Buffer.from(signatureAlgorithm)) + signatureAlgorithm.byteLength;
  expect(response[at]).toBe(0x03);
  const first = response[at + 1]!;
  const octets = first < 0x80 ? 0 : first & 0x7f;
  const length = octets === 0 ? first : Buffer.from(response).readUIntBE(at + 2, octets);
  const start = at + 2 + octets + 1; // after the unused-bits octet
  return response.subarray(start, start + length - 1);
}
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!module)('PKCS#11 signer (SoftHSM2)', () => {
  it.each(['ec', 'rsa'] as const)(
    'signs concurrent batches with a %s key; each signature verifies',
    async (keyType) => {
      const dir = await mkdtemp(join(tmpdir(), 'ca-repo-pkcs11-'));
      dirs.push(dir);
      const ca = await OpensslCa.create({
        dir: join(dir, 'ca'),
        commonName: `PKCS#11 ${keyType} CA`,
        keyType,
      });
      const token = await softHsmToken(module as string, { ca: ca.cert.keyPath });
      const previous = process.env.SOFTHSM2_CONF;
      process.env.SOFTHSM2_CONF = token.env.SOFTHSM2_CONF;
      try {
        const [signer] = await openPkcs11Signers({
          module: token.module,
          token: token.token,
          pin: token.pin,
          keyLabels: ['ca'],
        });
        const batches = Array.from({ length: 4 }, (_, b) =>
          Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(`batch ${b} item ${i}`)),
        );
        const signed = await Promise.all(batches.map((batch) => signer!.sign(batch)));
        const key = createPublicKey(ca.cert.certPem);
        batches.forEach((batch, b) =>
          batch.forEach((tbs, i) => expect(verify('sha256', tbs, key, signed[b]![i]!)).toBe(true)),
        );

        // Whole responses, signed on the worker threads' own sessions, framed and written there.
        const writer = responseWriterOf(signer!);
        expect(writer).toBeDefined();
        const out = await mkdtemp(join(dir, 'out-'));
        const tbs = Array.from({ length: 40 }, (_, i) => new Uint8Array(100 + i).fill(i));
        const ends = new Uint32Array(tbs.length);
        tbs.reduce((end, bytes, i) => (ends[i] = end + bytes.byteLength), 0);
        const names = tbs.map((_, i) => `r${i}.ocsp`);
        const signatureAlgorithm = signatureAlgorithmDer(keyType);
        const parts = responseFrameParts({ signatureAlgorithm });
        await writer!.writeResponses(
          { dir: out, tbs: new Uint8Array(Buffer.concat(tbs)), ends, names },
          parts,
        );
        for (const [i, name] of names.entries()) {
          const written = new Uint8Array(await readFile(join(out, name)));
          const signature = signatureAfter(written, signatureAlgorithm);
          expect(verify('sha256', tbs[i]!, key, signature)).toBe(true);
          expect(written).toEqual(encodeOcspResponse({ tbs: tbs[i]!, signatureAlgorithm, signature }));
        }
        await signer!.close();
      } finally {
        if (previous === undefined) delete process.env.SOFTHSM2_CONF;
        else process.env.SOFTHSM2_CONF = previous;
      }
    },
  );
});

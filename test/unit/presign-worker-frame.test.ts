/**
 * The pre-signer's worker threads frame each signature as an OCSPResponse themselves (signer.ts):
 * their octets must be the core encoder's (encodeOcspResponse) for the same tbsResponseData and
 * signature. RSASSA-PKCS1-v1_5 is deterministic, so the same key signs the same bytes alike.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOcspResponse, responseFrameParts } from '../../lambda/core/ocsp/ocsp-response-encoder.ts';
import { signatureAlgorithmDer } from '../../lambda/core/pki/signature-encoding.ts';
import { DuplicateResponseError, FileKeySigner } from '../../onprem/presign/signer.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ca-repo-presign-frame-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Bytes standing for a tbsResponseData of `length` octets (the frame does not read them). */
function tbsOf(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

describe('worker-framed OCSP responses', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const signatureAlgorithm = signatureAlgorithmDer('rsa');

  // Short and long tbs (one- and two-octet lengths), with and without a carried certificate.
  it.each([
    ['no certs', [] as Uint8Array[]],
    ['a carried certificate', [tbsOf(700, 0x30)]],
  ])('are the core encoder octets with %s', async (_, certs) => {
    const signer = FileKeySigner.fromPem(pem, 'test key', 1);
    try {
      const tbs = [tbsOf(60, 1), tbsOf(200, 2), tbsOf(70_000, 3)];
      const ends = new Uint32Array(tbs.length);
      tbs.reduce((end, bytes, i) => (ends[i] = end + bytes.byteLength), 0);
      const dir = await mkdtemp(join(work, 'out-'));
      const names = ['a.ocsp', 'b.ocsp', 'c.ocsp'];
      const joined = new Uint8Array(Buffer.concat(tbs));
      await signer.writeResponses(
        { dir, tbs: joined, ends, names },
        responseFrameParts({ signatureAlgorithm, certs }),
      );
      for (const [i, name] of names.entries()) {
        const expected = encodeOcspResponse({
          tbs: tbs[i] as Uint8Array,
          signatureAlgorithm,
          signature: new Uint8Array(sign('sha256', tbs[i] as Uint8Array, privateKey)),
          certs,
        });
        expect(new Uint8Array(await readFile(join(dir, name)))).toEqual(expected);
      }
    } finally {
      await signer.close();
    }
  });

  it('refuses to overwrite a response file (a serial listed twice)', async () => {
    const signer = FileKeySigner.fromPem(pem, 'test key', 1);
    try {
      const dir = await mkdtemp(join(work, 'dup-'));
      const batch = () => ({ dir, tbs: tbsOf(10, 1), ends: Uint32Array.of(10), names: ['x.ocsp'] });
      const parts = responseFrameParts({ signatureAlgorithm });
      await signer.writeResponses(batch(), parts);
      await expect(signer.writeResponses(batch(), parts)).rejects.toBeInstanceOf(DuplicateResponseError);
    } finally {
      await signer.close();
    }
  });
});

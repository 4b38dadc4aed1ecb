/**
 * The PKCS#11 signer on a SoftHSM2 token: batches signed concurrently (presign keeps several in
 * flight) never share a session's active operation (CKR_OPERATION_ACTIVE before the session queue),
 * and every signature verifies with the certificate's key. Skipped only when softhsm2 is absent;
 * .ci/run installs it.
 */
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPkcs11Signers } from '../../onprem/presign/pkcs11-signer.ts';
import { OpensslCa } from '../../testkit/openssl-ca.ts';
import { softHsmModule, softHsmToken } from '../../testkit/presign-fixture.ts';

const module = await softHsmModule();
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
        await signer!.close();
      } finally {
        if (previous === undefined) delete process.env.SOFTHSM2_CONF;
        else process.env.SOFTHSM2_CONF = previous;
      }
    },
  );
});

/**
 * Nonces in pre-generated OCSP responses, on the local repository with the real `openssl` (issue
 * finding 2): `openssl ocsp -index ... -respout` without `-no_nonce` copies its request's nonce into
 * the response, and every default (nonce-sending) `openssl ocsp` client would then fail with "Nonce
 * Verify error". Such a response is refused, by the uploader's pre-flight and by the gate, with the
 * fix named; the `-no_nonce` one is accepted and the default client verifies it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../lambda/core/contract/exit-codes.ts';
import { receiptKey } from '../../lambda/core/publish/bundle.ts';
import { parseReceipt } from '../../lambda/core/publish/receipt.ts';
import { INGEST_BUCKET } from '../../lambda/local/local-repository.ts';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { useLocalRepository } from '../../testkit/local-repository-fixture.ts';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { runCommand as run } from '../../testkit/run-command.ts';

const local = useLocalRepository('ocsp-nonce');
const NONCE_FIX = /carries a nonce .*Nonce Verify error.*openssl ocsp \.\.\. -no_nonce/;

/** The README's "Bring your own CA" command, with or without its -no_nonce. */
async function opensslRespout(cert: IssuedCert, out: string, noNonce: boolean): Promise<void> {
  const { ca } = local.pki;
  const result = await run('openssl', [
    'ocsp',
    '-index',
    join(ca.dir, 'index.txt'),
    '-CA',
    ca.cert.certPath,
    '-rsigner',
    ca.cert.certPath,
    '-rkey',
    ca.cert.keyPath,
    '-issuer',
    ca.cert.certPath,
    '-sha1',
    '-serial',
    `0x${cert.serialHex}`,
    ...(noNonce ? ['-no_nonce'] : []),
    '-ndays',
    '7',
    '-respout',
    out,
  ]);
  expect(result.code, result.stderr).toBe(0);
}

describe('OCSP responses with a nonce', () => {
  it('made without -no_nonce: refused before upload and at the gate, the fix named', async () => {
    const cert = await local.pki.ca.issue({ commonName: 'nonce.example', profile: 'tls-server' });
    const dir = join(local.work, 'bundle-nonce');
    await mkdir(join(dir, 'ocsp'), { recursive: true });
    await opensslRespout(cert, join(dir, 'ocsp/nonce.ocsp'), false);
    const text = await run('openssl', [
      'ocsp',
      '-respin',
      join(dir, 'ocsp/nonce.ocsp'),
      '-resp_text',
      '-noverify',
    ]);
    expect(text.stdout).toMatch(/OCSP Nonce/); // what openssl made, before ca-repo sees it

    const dryRun = await run('node', ['bin/ca-repo.mjs', 'publish', dir, '--dry-run']);
    expect(dryRun.code).toBe(EXIT.rejected);
    expect(dryRun.stdout).toMatch(NONCE_FIX);

    const published = await run('node', [
      'bin/ca-repo.mjs',
      'publish',
      dir,
      '--repo',
      local.repo.url,
      '--json',
    ]);
    expect(published.code).toBe(EXIT.rejected);
    expect(JSON.parse(published.stdout)).toEqual({
      accepted: [],
      rejected: [{ file: 'ocsp/nonce.ocsp', reason: expect.stringMatching(NONCE_FIX) }],
    });

    // An uploader without the pre-flight: the gate refuses it too.
    const ingest = new S3ObjectStore({ client: local.repo.s3.client, bucket: INGEST_BUCKET });
    const bundleId = await putBundle(ingest, {
      'ocsp/nonce.ocsp': new Uint8Array(await readFile(join(dir, 'ocsp/nonce.ocsp'))),
    });
    let stored;
    for (let i = 0; i < 200 && !stored; i++) {
      await local.repo.idle();
      stored = await ingest.get(receiptKey(bundleId));
      if (!stored) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const receipt = parseReceipt(Buffer.from(stored!.body).toString('utf8'));
    expect(receipt.rejected).toEqual([{ file: 'ocsp/nonce.ocsp', reason: expect.stringMatching(NONCE_FIX) }]);

    // Nothing was served for it: the default client gets no answer for this certificate.
    const client = await local.opensslOcsp(cert);
    expect(client.stdout).toMatch(/unauthorized/);
  });

  it('made with -no_nonce: accepted, and the default nonce-sending openssl ocsp client verifies it', async () => {
    const cert = await local.pki.ca.issue({ commonName: 'no-nonce.example', profile: 'tls-server' });
    const out = join(local.work, 'no-nonce.ocsp');
    await opensslRespout(cert, out, true);
    const result = await local.publish({ 'ocsp/no-nonce.ocsp': new Uint8Array(await readFile(out)) });
    expect(result.rejected).toEqual([]);
    expect(result.accepted.map((a) => a.file)).toEqual(['ocsp/no-nonce.ocsp']);

    const client = await local.opensslOcsp(cert);
    expect(client.code, client.stderr).toBe(0);
    expect(client.stderr).toMatch(/WARNING: no nonce in response/);
    expect(client.stderr).toMatch(/Response verify OK/);
    expect(client.stdout).toMatch(/: good/);
  });
});

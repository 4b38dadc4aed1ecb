/**
 * Revocation is final on the local repository (issue finding 3): a CA database that forgets a
 * revocation (restored from backup, a buggy shard) produces, with the real `openssl`, an OCSP
 * response saying good and a higher-numbered CRL without the entry. The gate refuses both, and
 * relying parties (`openssl ocsp`, `openssl crl`) keep seeing the certificate revoked.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { runCommand as run } from '../../testkit/run-command.ts';
import { useLocalRepository } from '../../testkit/local-repository-fixture.ts';

const local = useLocalRepository('revocation');

async function opensslOcspStatus(cert: IssuedCert): Promise<string> {
  const result = await local.opensslOcsp(cert, { noNonce: true });
  expect(result.stderr).toMatch(/Response verify OK/);
  return result.stdout;
}

/** `openssl crl -text` of the CRL the local CDN serves at `path`. */
async function servedCrlText(path: string): Promise<string> {
  const response = await fetch(`${local.repo.url}/${path}`);
  expect(response.status).toBe(200);
  const file = join(local.work, `served-${Date.now()}.crl`);
  await writeFile(file, new Uint8Array(await response.arrayBuffer()));
  return (await run('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-text'])).stdout;
}

const crlSerial = (serialHex: string) => new RegExp(`Serial Number: 0*${serialHex}`, 'i');

describe('revocation is final', () => {
  it('refuses an OCSP response un-revoking a certificate; openssl ocsp still reports revoked', async () => {
    const cert = await local.pki.ca.issue({ commonName: 'unrevoked-ocsp.example', profile: 'tls-server' });
    await local.pki.ca.revoke(cert, { reason: 'keyCompromise' });
    expect((await local.publish({ 'ocsp/r.der': await local.pki.ca.ocspResponse(cert) })).rejected).toEqual(
      [],
    );
    expect(await opensslOcspStatus(cert)).toMatch(/: revoked[\s\S]*Reason: keyCompromise/);

    await local.pki.ca.reinstate(cert);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a later thisUpdate (whole seconds)
    const result = await local.publish({ 'ocsp/good.der': await local.pki.ca.ocspResponse(cert) });
    expect(result.rejected).toEqual([
      { file: 'ocsp/good.der', reason: expect.stringMatching(/says good .*revocation is final/) },
    ]);
    expect(await opensslOcspStatus(cert)).toMatch(/: revoked[\s\S]*Reason: keyCompromise/);
  });

  it('refuses a CRL dropping an unexpired entry; openssl crl still lists it', async () => {
    const cert = await local.pki.ca.issue({ commonName: 'dropped-crl.example', profile: 'tls-server' });
    await local.pki.ca.revoke(cert, { reason: 'keyCompromise' });
    expect((await local.publish({ 'crl/ca.crl': await local.pki.ca.generateCrl() })).rejected).toEqual([]);
    expect(await servedCrlText('crl/ca.crl')).toMatch(crlSerial(cert.serialHex));

    await local.pki.ca.reinstate(cert);
    const result = await local.publish({ 'crl/ca.crl': await local.pki.ca.generateCrl() });
    expect(result.rejected).toEqual([
      { file: 'crl/ca.crl', reason: expect.stringContaining(`omits revoked serial ${cert.serialHex}`) },
    ]);
    expect(await servedCrlText('crl/ca.crl')).toMatch(crlSerial(cert.serialHex));
  });
});

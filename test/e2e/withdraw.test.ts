/**
 * `ca-repo withdraw` on the local repository (issue 13, finding 6: a CRL published at a second
 * path was served and listed forever). The real CLI sends the instruction; the gate refuses a CRL
 * without --force and a revoked OCSP answer always; curl and `openssl ocsp` see the result.
 */
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../testkit/run-command.ts';
import { useLocalRepository } from '../../testkit/local-repository-fixture.ts';

const local = useLocalRepository('withdraw');
const withdraw = (...args: string[]) =>
  runCommand('node', ['bin/ca-repo.mjs', 'withdraw', ...args, '--repo', local.repo.url, '--json']);

async function status(path: string): Promise<number> {
  return (await fetch(`${local.repo.url}${path}`)).status;
}

describe('ca-repo withdraw', () => {
  it('retires a CRL published at a second path only with --force; it leaves the CDN and the index', async () => {
    const crl = await local.pki.ca.generateCrl();
    const published = await local.publish({ 'crl/ca.crl': crl, 'certs/old-crl.pem': crl });
    expect(published.rejected).toEqual([]);
    expect(await status('/certs/old-crl.pem')).toBe(200); // now in the local CDN's cache

    const refused = await withdraw(`${local.repo.url}/certs/old-crl.pem`);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      withdrawn: [],
      rejected: [{ url: '/certs/old-crl.pem', reason: expect.stringMatching(/--force/) }],
    });
    expect(await status('/certs/old-crl.pem')).toBe(200);

    const forced = await withdraw('/certs/old-crl.pem', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ withdrawn: ['/certs/old-crl.pem'], rejected: [] });
    await local.repo.idle();
    expect(await status('/certs/old-crl.pem')).toBe(404);
    expect(await status('/crl/ca.crl')).toBe(200);
    const index = (await (await fetch(`${local.repo.url}/index.json`)).json()) as { crls: { url: string }[] };
    expect(index.crls.map((c) => c.url)).toEqual(['/crl/ca.crl']);

    const again = await withdraw('/certs/old-crl.pem', '--force');
    expect(JSON.parse(again.stdout).rejected).toEqual([
      { url: '/certs/old-crl.pem', reason: expect.stringMatching(/nothing is served/) },
    ]);
  });

  it('never withdraws an OCSP answer of revoked: openssl ocsp (with its nonce) still says revoked', async () => {
    const { ca, revokedLeaf } = local.pki;
    expect((await local.publish({ 'ocsp/r.der': await ca.ocspResponse(revokedLeaf) })).rejected).toEqual([]);
    const request = Buffer.from(await ca.ocspRequest(revokedLeaf)).toString('base64');
    const result = await withdraw(`/ocsp/${encodeURIComponent(request)}`, '--force');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).rejected[0].reason).toMatch(/un-revoke.*RFC 5280 §3\.3/);
    const ocsp = await local.opensslOcsp(revokedLeaf);
    expect(ocsp.stderr).toMatch(/Response verify OK/);
    expect(ocsp.stdout).toMatch(/: revoked/);
  });
});

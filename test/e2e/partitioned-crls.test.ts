/**
 * A CRL-first repository on the local repository (issue 16): two partitions published at the URLs
 * their Issuing Distribution Points name, a partition at the wrong URL refused, the CCADB
 * crl-urls files served and matching the index; checked with the real `openssl crl` and
 * `openssl verify -crl_check` over what the local CDN serves.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RepositoryIndex } from '../../lambda/core/publish/repository-index.ts';
import { useLocalRepository } from '../../testkit/local-repository-fixture.ts';
import { runCommand as run } from '../../testkit/run-command.ts';

const local = useLocalRepository('partitions');

async function fetchToFile(path: string, name: string): Promise<string> {
  const response = await fetch(`${local.repo.url}${path}`);
  expect(response.status, path).toBe(200);
  const file = join(local.work, name);
  await writeFile(file, new Uint8Array(await response.arrayBuffer()));
  return file;
}

async function fetchJson<T>(path: string): Promise<T> {
  const response = await fetch(`${local.repo.url}${path}`);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

describe('partitioned CRLs and their CCADB disclosure', () => {
  it('publishes partitions at their IDP URLs, refuses one elsewhere, discloses them; openssl verifies', async () => {
    const { ca } = local.pki;
    const base = local.repo.publicBaseUrls[0]!;
    expect(base).toBe(local.repo.url); // the default: the local address
    const url1 = `${base}/crl/shard-1.crl`;
    const url2 = `${base}/crl/shard-2.crl`;
    const leaf1 = await ca.issue({ commonName: 'shard1.example', profile: 'tls-server', crlUrl: url1 });
    const leaf2 = await ca.issue({ commonName: 'shard2.example', profile: 'tls-server', crlUrl: url2 });
    await ca.revoke(leaf2, { reason: 'keyCompromise' });
    const shard1 = await ca.generateCrl({ issuingDistributionPoint: { uris: [url1] } });
    const shard2 = await ca.generateCrl({ issuingDistributionPoint: { uris: [url2] } });

    const result = await local.publish({
      'ca/root.crt': ca.cert.certDer,
      'crl/shard-1.crl': shard1,
      'crl/shard-2.crl': shard2,
      'crl/shard-3.crl': shard1, // the IDP names shard-1: the wrong URL
      'crl-urls.json': new TextEncoder().encode('["http://evil.example/x.crl"]'),
    });
    expect(result.accepted.map((a) => a.file).sort()).toEqual([
      'ca/root.crt',
      'crl/shard-1.crl',
      'crl/shard-2.crl',
    ]);
    expect(result.rejected).toEqual([
      { file: 'crl-urls.json', reason: expect.stringMatching(/reserved/) },
      { file: 'crl/shard-3.crl', reason: expect.stringMatching(/wrong URL/) },
    ]);

    // The index tells partitions apart and links the disclosure files, which match it.
    const index = await fetchJson<RepositoryIndex>('/index.json');
    const crls = index.crls.filter((c) => c.url.startsWith('/crl/shard-'));
    expect(crls.map((c) => [c.url, c.scope, c.publicUrl])).toEqual([
      ['/crl/shard-1.crl', 'partition', url1],
      ['/crl/shard-2.crl', 'partition', url2],
    ]);
    // `openssl ca` lists every revocation on each partition; a sharding CA would split them.
    expect(crls.map((c) => c.size)).toEqual([shard1.byteLength, shard2.byteLength]);
    expect(crls.every((c) => c.revokedCount >= 1)).toBe(true);
    const sha256 = local.pki.trust.cas[0]!.fingerprints.sha256;
    const links = index.crlUrls!.byCa.find((d) => d.ca === sha256)!;
    expect(links).toMatchObject({ all: `/crl-urls/${sha256}.json`, full: `/crl-urls/${sha256}-full.json` });
    expect(await fetchJson<string[]>('/crl-urls.json')).toEqual([url1, url2]);
    expect(await fetchJson<string[]>(links.all)).toEqual([url1, url2]);
    expect(await fetchJson<string[]>(links.full)).toEqual([]);
    const html = await (await fetch(`${local.repo.url}/index.html`)).text();
    expect(html).toContain('CRL disclosure (CCADB)');
    expect(html).toContain(`crl-urls/${sha256}.json`);

    // Every URL disclosed is served, and openssl reads the partition with its IDP.
    for (const [i, url] of [url1, url2].entries()) {
      const file = await fetchToFile(new URL(url).pathname, `shard-${i + 1}.crl`);
      const text = await run('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-text']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/Issuing Distribution Point: critical\s+Full Name:\s+URI:http/);
      expect(text.stdout).toContain(url);
    }

    // openssl verify -crl_check: each leaf against the partition its CRL distribution point names.
    const verify = async (leafPath: string, crlFile: string) => {
      const pem = join(local.work, `${crlFile}.pem`);
      await run('openssl', ['crl', '-inform', 'DER', '-in', join(local.work, crlFile), '-out', pem]);
      return run('openssl', ['verify', '-crl_check', '-CAfile', ca.cert.certPath, '-CRLfile', pem, leafPath]);
    };
    const good = await verify(leaf1.certPath, 'shard-1.crl');
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/: OK/);
    const revoked = await verify(leaf2.certPath, 'shard-2.crl');
    expect(revoked.code).not.toBe(0);
    expect(`${revoked.stdout}${revoked.stderr}`).toMatch(/certificate revoked/);
    // The other partition does not cover the certificate (its IDP is not the certificate's CDP).
    const wrong = await verify(leaf2.certPath, 'shard-1.crl');
    expect(wrong.code).not.toBe(0);
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/different CRL scope/i);
  });

  it('keeps a partition’s IDP on replacement', async () => {
    const { ca } = local.pki;
    const base = local.repo.publicBaseUrls[0]!;
    const other = await ca.generateCrl({
      issuingDistributionPoint: { uris: [`${base}/crl/shard-2.crl`, `${base}/crl/shard-1.crl`] },
    });
    const result = await local.publish({ 'crl/shard-1.crl': other });
    expect(result.rejected).toEqual([
      { file: 'crl/shard-1.crl', reason: expect.stringMatching(/keeps the same IDP/) },
    ]);
  });
});

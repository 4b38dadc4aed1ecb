/**
 * The README's "Bring your own CA" session, run as written: its marked shell blocks are read from
 * README.md (never copied here) and run in a fresh `openssl ca` directory holding a good and a
 * revoked certificate, with only the checkout path and the port replaced. The relying-party checks
 * use the real clients, including `openssl ocsp` in its default mode, which sends a nonce that the
 * pre-produced responses cannot echo: it warns and still verifies and reports the status.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer, type ChildServer } from '../../bench/bench-tools.ts';
import { OpensslCa, type IssuedCert } from '../../testkit/openssl-ca.ts';
import { makePdf } from '../../testkit/pdf.ts';
import { PROJECT_ROOT, runCommand, type CommandResult } from '../../testkit/run-command.ts';

/** Where the README's commands expect this checkout and the local repository's port. */
const README_CHECKOUT = '/path/to/ca-repo';
const README_PORT = '8080';

/** The shell block after `<!-- bring-your-own-ca:NAME -->`, exactly as the README has it. */
function readmeBlock(readme: string, name: string): string {
  const marker = `<!-- bring-your-own-ca:${name} -->`;
  const found = new RegExp(`${marker}\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!found) throw new Error(`README.md has no \`\`\`sh block after ${marker}`);
  return found[1]!;
}

let work: string;
let caDir: string;
let port: number;
let good: IssuedCert;
let revoked: IssuedCert;
let readme: string;
let server: ChildServer | undefined;

/** A README block with the checkout path and port of this run. */
function localised(name: string): string {
  return readmeBlock(readme, name)
    .replaceAll(README_CHECKOUT, PROJECT_ROOT)
    .replaceAll(README_PORT, String(port));
}

function runBlock(name: string, options: { stopOnError: boolean }): Promise<CommandResult> {
  return runCommand('sh', [options.stopOnError ? '-ec' : '-c', localised(name)], {
    cwd: caDir,
    timeoutMs: 120_000,
  });
}

/** Serial as `openssl ca` names the file in newcerts/ (upper-case hex). */
const newcertsName = (cert: IssuedCert) => `newcerts/${cert.serialHex.toUpperCase()}.pem`;

beforeAll(async () => {
  readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8');
  work = await mkdtemp(join(tmpdir(), 'ca-repo-byo-ca-'));
  caDir = join(work, 'ca');
  port = await freePort();
  // An ordinary `openssl ca` directory whose certificates name the repository in CDP and AIA.
  const ca = await OpensslCa.create({ dir: caDir, commonName: 'Bring Your Own Root CA' });
  const urls = {
    caIssuersUrl: 'http://repo.example.jp/ca/root.crt',
    crlUrl: 'http://repo.example.jp/crl/root.crl',
    ocspUrl: 'http://repo.example.jp/ocsp',
  };
  good = await ca.issue({ commonName: 'good.example.jp', profile: 'tls-server', ...urls });
  revoked = await ca.issue({ commonName: 'revoked.example.jp', profile: 'tls-server', ...urls });
  await ca.revoke(revoked, { reason: 'keyCompromise' });
  const signer = await ca.issue({ commonName: 'Document Signer', profile: 'document-signing' });
  await copyFile(signer.certPath, join(caDir, 'docsigner.crt'));
  await copyFile(signer.keyPath, join(caDir, 'docsigner.key'));
  await writeFile(
    join(caDir, 'cps.pdf'),
    makePdf({ title: 'Certification Practice Statement', lines: ['v1'] }),
  );
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('README: bring your own CA', () => {
  it('builds the bundle from the openssl ca directory', async () => {
    const prepared = await runBlock('prepare', { stopOnError: true });
    expect(prepared.code).toBe(0);
    // The printed CDP/AIA URLs are the bundle's layout.
    expect(prepared.stdout).toContain('URI:http://repo.example.jp/crl/root.crl');
    expect(prepared.stdout).toContain('URI:http://repo.example.jp/ca/root.crt');
  });

  it('serves and publishes it: every file accepted', async () => {
    const serve = localised('serve').trim();
    expect(serve.split('\n')).toHaveLength(1);
    server = await startServer('sh', ['-c', `cd "${caDir}" && exec ${serve}`], {
      pattern: /serving http:\/\/127\.0\.0\.1:\d+\//,
      timeoutMs: 120_000,
    });
    const published = await runBlock('publish', { stopOnError: true });
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    // CA certificate, CRL, 2 CertIDs for each of 4 certificates (CA, good, revoked, signer), CPS + .p7s.
    expect(published.stdout).toMatch(/^12 accepted, 0 rejected/m);
  });

  it('verifies as a relying party: CRL, OCSP with the default nonce, CP/CPS, headers', async () => {
    const checked = await runBlock('verify', { stopOnError: false });
    const output = checked.stdout + checked.stderr;
    expect(output).toMatch(/^subject=CN = Bring Your Own Root CA$/m);
    expect(output).toMatch(/^content-type: application\/pkix-crl/im);
    expect(output).toMatch(/^verify OK$/m); // the CRL's signature
    expect(output).toContain(`${newcertsName(good)}: OK`);
    expect(output).toMatch(/error 23 at 0 depth lookup: certificate revoked/);
    expect(output).toContain('WARNING: no nonce in response');
    expect(output).not.toMatch(/Response Verify Failure/i);
    expect(output.match(/^Response verify OK$/gm)).toHaveLength(4);
    expect(output).toMatch(new RegExp(`^${newcertsName(good)}: good$`, 'm'));
    expect(output).toMatch(new RegExp(`^${newcertsName(revoked)}: revoked$`, 'm'));
    expect(output).toMatch(/Reason: keyCompromise/);
    expect(output).toMatch(/^CMS Verification successful$/m);
  });
});

/**
 * End to end on the local repository: the real CLI uploads a bundle to the embedded S3 server,
 * the dispatcher and worker handlers publish it, and what is served is checked with curl and
 * openssl, the clients relying parties use.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand as run } from '../../testkit/run-command.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { makePdf, signPdfEmbedded } from '../../testkit/pdf.ts';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { formatFingerprint, type RepositoryIndex } from '../../lambda/core/publish/repository-index.ts';
import { normaliseSerialHex } from '../../lambda/core/pki/x509.ts';
import { startLocalRepository, type LocalRepository } from '../../lambda/local/local-repository.ts';
import { DAY, createTestPki, shift, type TestPki } from '../../testkit/test-pki.ts';
import { EXIT } from '../../lambda/core/contract/exit-codes.ts';

async function writeBundle(dir: string, files: Record<string, Uint8Array | string>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

interface CliResult {
  accepted: { file: string; kind: string; url: string; change: string }[];
  rejected: { file: string; reason: string }[];
}

let pki: TestPki;
let signer: IssuedCert;
let work: string;
let repo: LocalRepository;
let firstPublish: { code: number; json: CliResult; stderr: string };
const files: Record<string, Uint8Array> = {};

async function publishWithCli(bundleDir: string): Promise<{ code: number; json: CliResult; stderr: string }> {
  const result = await run('node', ['bin/ca-repo.mjs', 'publish', bundleDir, '--repo', repo.url, '--json']);
  return { code: result.code, json: JSON.parse(result.stdout) as CliResult, stderr: result.stderr };
}

async function fetchBytes(path: string): Promise<Buffer> {
  const response = await fetch(`${repo.url}/${path}`);
  return Buffer.from(await response.arrayBuffer());
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  pki = await createTestPki();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-e2e-'));
  signer = await pki.ca.issue({ commonName: 'e2e document signer', profile: 'document-signing' });
  repo = await startLocalRepository({ port: 0, dataDir: join(work, 'repo'), trust: [pki.ca.cert.certDer] });
  const cps = makePdf({ title: 'E2E CPS', lines: ['Certification Practice Statement'] });
  Object.assign(files, {
    'ca/root.crt': new Uint8Array(Buffer.from(pki.ca.cert.certPem)),
    'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 10n }),
    'ocsp/good.ocsp': await pki.ca.ocspResponse(pki.leaf, { hash: 'sha256' }),
    'ocsp/revoked.ocsp': await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha1' }),
    'policy/cps.pdf': cps,
    'policy/cps.pdf.p7s': await pki.ca.signDetached(cps, signer),
    'policy/cp.pdf': await signPdfEmbedded(
      makePdf({ title: 'E2E CP', lines: ['Certificate Policy'] }),
      signer,
    ),
  });
  firstPublish = await publishWithCli(await writeBundle(join(work, 'bundle-1'), files));
});

afterAll(async () => {
  await repo?.close();
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('ca-repo publish → local repository', () => {
  it('accepts every file, reports it once with its kind and URL, exits 0', () => {
    expect(firstPublish.code).toBe(0);
    expect(firstPublish.json.rejected).toEqual([]);
    expect(firstPublish.json.accepted.map((a) => a.file).sort()).toEqual(Object.keys(files).sort());
    expect(firstPublish.json.accepted).toContainEqual({
      file: 'crl/root.crl',
      kind: 'crl',
      url: `${repo.url}/crl/root.crl`,
      change: 'new',
    });
    expect(firstPublish.json.accepted).toContainEqual({
      file: 'ocsp/good.ocsp',
      kind: 'ocsp-response',
      url: `${repo.url}/ocsp`,
      change: 'new',
    });
  });

  it('serves the CA certificate as DER with a fingerprint equal to openssl and index.json', async () => {
    const headers = await run('curl', [
      '-fsS',
      '-D',
      '-',
      '-o',
      join(work, 'root.der'),
      `${repo.url}/ca/root.crt`,
    ]);
    expect(headers.stdout).toMatch(/^content-type: application\/pkix-cert\r?$/im);
    expect(headers.stdout).toMatch(/^etag: "/im);
    const fingerprint = await run('openssl', [
      'x509',
      '-inform',
      'DER',
      '-in',
      join(work, 'root.der'),
      '-noout',
      '-fingerprint',
      '-sha256',
    ]);
    const index = JSON.parse((await fetchBytes('index.json')).toString()) as RepositoryIndex;
    expect(fingerprint.stdout.trim()).toBe(
      `sha256 Fingerprint=${formatFingerprint(index.caCertificates[0]!.sha256)}`,
    );
    expect(index.caCertificates[0]!.url).toBe('/ca/root.crt');
  });

  it('serves a CRL that openssl verifies against the pinned CA, with RFC 9919-style headers', async () => {
    const headers = await run('curl', [
      '-fsS',
      '-D',
      '-',
      '-o',
      join(work, 'root.crl'),
      `${repo.url}/crl/root.crl`,
    ]);
    expect(headers.stdout).toMatch(/^content-type: application\/pkix-crl\r?$/im);
    expect(headers.stdout).toMatch(
      /^cache-control: max-age=\d+, public, no-transform, must-revalidate\r?$/im,
    );
    expect(headers.stdout).toMatch(/^expires: /im);
    expect(headers.stdout).toMatch(/^last-modified: /im);
    const crl = await run('openssl', [
      'crl',
      '-inform',
      'DER',
      '-in',
      join(work, 'root.crl'),
      '-CAfile',
      pki.ca.cert.certPath,
      '-noout',
      '-crlnumber',
    ]);
    expect(crl.stderr + crl.stdout).toMatch(/verify OK/);
    expect(crl.stdout).toMatch(/crlNumber=0x0A/i);
  });

  it('serves CP/CPS whose signatures openssl cms verifies over the served bytes', async () => {
    await run('curl', ['-fsS', '-o', join(work, 'cps.pdf'), `${repo.url}/policy/cps.pdf`]);
    await run('curl', ['-fsS', '-o', join(work, 'cps.pdf.p7s'), `${repo.url}/policy/cps.pdf.p7s`]);
    const verify = await run('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      join(work, 'cps.pdf.p7s'),
      '-content',
      join(work, 'cps.pdf'),
      '-CAfile',
      pki.ca.cert.certPath,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    expect(verify.stderr).toMatch(/Verification successful/);
    const head = await run('curl', ['-fsSI', `${repo.url}/policy/cps.pdf.p7s`]);
    expect(head.stdout).toMatch(/^content-type: application\/pkcs7-signature\r?$/im);
    expect(sha256(await fetchBytes('policy/cp.pdf'))).toBe(sha256(files['policy/cp.pdf']!));
  });

  it('stores each OCSP response under its CertID; openssl reads the served bytes as the right status', async () => {
    const ca = pki.trust.cas[0]!;
    const key = ocspObjectKey({
      hashAlgorithm: 'sha1',
      issuerNameHashHex: ca.certIdHashes.sha1.nameHash,
      issuerKeyHashHex: ca.certIdHashes.sha1.keyHash,
      serialHex: normaliseSerialHex(pki.revokedLeaf.serialHex),
    });
    const served = await fetchBytes(key);
    expect(sha256(served)).toBe(sha256(files['ocsp/revoked.ocsp']!));
    await writeFile(join(work, 'revoked.ocsp'), served);
    const status = await run('openssl', [
      'ocsp',
      '-respin',
      join(work, 'revoked.ocsp'),
      '-issuer',
      pki.ca.cert.certPath,
      '-cert',
      pki.revokedLeaf.certPath,
      '-CAfile',
      pki.ca.cert.certPath,
    ]);
    expect(status.stdout).toMatch(/: revoked/);
    expect(status.stderr).toMatch(/Response verify OK/);
  });

  it('answers 404 for a path that holds nothing, HEAD without a body, 304 for a matching ETag', async () => {
    expect((await fetch(`${repo.url}/crl/nothing-here.crl`)).status).toBe(404);
    const head = await fetch(`${repo.url}/crl/root.crl`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String((await fetchBytes('crl/root.crl')).length));
    const etag = head.headers.get('etag')!;
    const conditional = await fetch(`${repo.url}/crl/root.crl`, { headers: { 'if-none-match': etag } });
    expect(conditional.status).toBe(304);
    expect((await fetch(`${repo.url}/crl/root.crl`, { method: 'POST' })).status).toBe(403);
  });

  it('serves index.html at / listing fingerprints and CRL dates', async () => {
    const response = await fetch(`${repo.url}/`);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('CN=ca-repo Test Root CA');
    expect(html).toContain('/crl/root.crl');
    expect(html).toContain('/policy/cps.pdf.p7s');
  });
});

describe('every kind of rejection leaves what is served unchanged', () => {
  it('refuses a bundle of bad artifacts aimed at served URLs and keeps serving the old bytes', async () => {
    const paths = ['ca/root.crt', 'crl/root.crl', 'policy/cps.pdf', 'policy/cp.pdf', 'index.html'];
    const before = Object.fromEntries(
      await Promise.all(paths.map(async (p) => [p, sha256(await fetchBytes(p))])),
    );
    const tampered = new Uint8Array(files['policy/cp.pdf']!);
    tampered[200] = (tampered[200] ?? 0) ^ 0x20;
    const bad = await writeBundle(join(work, 'bundle-bad'), {
      'ca/root.crt': pki.rogue.cert.certDer, // rogue CA: same name, other key
      'crl/root.crl': await pki.ca.generateCrl({ crlNumber: 9n }), // CRL number rollback
      'policy/cps.pdf': makePdf({ title: 'Unsigned', lines: ['no signature'] }), // unsigned PDF
      'policy/cp.pdf': tampered, // changed after signing
      'crl/other.crl': await pki.other.generateCrl({ crlNumber: 1n }), // unpinned issuer
      'crl/expired.crl': await pki.ca.generateCrl({
        crlNumber: 11n,
        lastUpdate: shift(new Date(), -10 * DAY),
        nextUpdate: shift(new Date(), -DAY),
      }),
      'ocsp/rogue.ocsp': await pki.rogue.ocspResponse(pki.leaf, { hash: 'sha1' }), // not signed by the pinned CA
      'notes/readme.txt': 'not an artifact',
    });
    const result = await publishWithCli(bad);
    expect(result.code).toBe(1);
    expect(result.json.accepted).toEqual([]);
    const reasons = Object.fromEntries(result.json.rejected.map((r) => [r.file, r.reason]));
    expect(reasons).toEqual({
      'ca/root.crt': expect.stringMatching(/rogue CA certificate/),
      'crl/root.crl': expect.stringMatching(/CRL number 9 is not greater than 10/),
      'policy/cps.pdf': expect.stringMatching(/unsigned PDF/),
      'policy/cp.pdf': expect.stringMatching(/signature/),
      'crl/other.crl': expect.stringMatching(/not a pinned CA/),
      'crl/expired.crl': expect.stringMatching(/CRL expired/),
      'ocsp/rogue.ocsp': expect.stringMatching(/signed by a rogue CA/),
      'notes/readme.txt': expect.stringMatching(/unrecognised content/),
    });
    for (const path of paths) expect(sha256(await fetchBytes(path)), path).toBe(before[path]);
    // Key material never reaches the gate through the CLI (test/e2e/keys-never-leave.test.ts).
    for (const path of ['crl/other.crl', 'crl/expired.crl']) {
      expect((await fetch(`${repo.url}/${path}`)).status, path).toBe(404);
    }
  });

  it('refuses a symbolic link by name and prints reasons without a stack trace', async () => {
    const dir = await writeBundle(join(work, 'bundle-link'), { 'crl/root.crl': files['crl/root.crl']! });
    const { symlink } = await import('node:fs/promises');
    await symlink('/etc/passwd', join(dir, 'passwd.crt'));
    const human = await run('node', ['bin/ca-repo.mjs', 'publish', dir, '--repo', repo.url]);
    expect(human.code).toBe(1);
    // Published before with the same bytes: said so.
    expect(human.stdout).toMatch(/^unchanged {2}crl\/root.crl {2}crl /m);
    expect(human.stdout).toMatch(/REJECTED {2}passwd.crt {2}symbolic link/);
    expect(human.stderr).not.toMatch(/\n\s+at /);
  });

  it('says clearly when the repository cannot be reached', async () => {
    const result = await run('node', ['bin/ca-repo.mjs', 'publish', work, '--repo', 'http://127.0.0.1:9']);
    expect(result.code).toBe(EXIT.unreachable);
    expect(result.stderr).toMatch(/^ca-repo: cannot reach the repository at http:\/\/127.0.0.1:9/);
  });
});

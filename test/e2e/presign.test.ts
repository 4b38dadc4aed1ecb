/**
 * `ca-repo presign` end to end: an `openssl ca` directory with good, revoked, held and expired
 * certificates → presign (key file, then a SoftHSM2 key) → publish to the local repository → the
 * default `openssl ocsp` client (it sends a nonce) reports each status for SHA-1 and SHA-256
 * requests, `openssl crl -CAfile` verifies the CRL and `openssl verify -crl_check` agrees. Every
 * response passes `openssl ocsp -respin ... -verify` and the gate; a serial the index does not list
 * is never answered good; a killed run leaves the previous bundle whole and the next resumes it.
 */
import { spawn } from 'node:child_process';
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { useLocalRepository } from '../../testkit/local-repository-fixture.ts';
import {
  bundleFiles,
  issuePresignCerts,
  runCli,
  softHsmModule,
  softHsmToken,
  type PresignCerts,
} from '../../testkit/presign-fixture.ts';
import { PROJECT_ROOT, runCommand as run } from '../../testkit/run-command.ts';

const DAY = 24 * 3600_000;
const local = useLocalRepository('presign');
const softhsm = await softHsmModule();

let certs: PresignCerts;
async function ensureCerts(): Promise<PresignCerts> {
  certs ??= await issuePresignCerts(local.pki.ca, join(local.work, 'db'));
  return certs;
}

/** The default `openssl ocsp` client: with a nonce, SHA-1 CertID unless `hash` says otherwise. */
async function ocspStatus(
  cert: IssuedCert,
  hash: 'sha1' | 'sha256',
): Promise<{ stdout: string; stderr: string }> {
  const result = await local.opensslOcsp(cert, { sha256: hash === 'sha256' });
  return { stdout: result.stdout, stderr: result.stderr };
}

async function expectStatuses(): Promise<void> {
  for (const hash of ['sha1', 'sha256'] as const) {
    const good = await ocspStatus(certs.good, hash);
    expect(good.stderr).toMatch(/Response verify OK/);
    expect(good.stdout).toMatch(/: good/);
    const revoked = await ocspStatus(certs.revoked, hash);
    expect(revoked.stdout).toMatch(/: revoked[\s\S]*Reason: keyCompromise/);
    const held = await ocspStatus(certs.held, hash);
    expect(held.stdout).toMatch(/: revoked[\s\S]*Reason: certificateHold/);
    // Neither the expired certificate nor the one the index does not list is ever answered good.
    expect((await ocspStatus(certs.expired, hash)).stdout).not.toMatch(/: good/);
    expect((await ocspStatus(certs.unlisted, hash)).stdout).not.toMatch(/: good/);
  }
}

async function presignArgs(out: string, extra: string[] = []): Promise<string[]> {
  await ensureCerts();
  return [
    'presign',
    '--ca',
    local.pki.ca.cert.certPath,
    '--index',
    certs.index,
    '--out',
    out,
    '--json',
    ...extra,
  ];
}

/** Every response verifies with openssl itself, independently of the gate. */
async function expectOpensslVerifies(out: string, sample?: number): Promise<number> {
  const all = await readdir(join(out, 'ocsp'));
  // A sample spread over the bundle where it is large (resumed and newly signed alike).
  const names = sample ? all.filter((_, i) => i % Math.ceil(all.length / sample) === 0) : all;
  for (const name of names) {
    const result = await run('openssl', [
      'ocsp',
      '-respin',
      join(out, 'ocsp', name),
      '-CAfile',
      local.pki.ca.cert.certPath,
      '-issuer',
      local.pki.ca.cert.certPath,
      '-verify_other',
      local.pki.responder.certPath,
      '-resp_text',
    ]);
    expect(result.stderr, name).toMatch(/Response verify OK/);
    expect(result.stdout).toMatch(/Hash Algorithm: sha1[\s\S]*Hash Algorithm: sha256/);
    expect(result.stdout).not.toMatch(/Nonce/);
  }
  return names.length;
}

async function servedCrl(path: string): Promise<string> {
  const response = await fetch(`${local.repo.url}/${path}`);
  expect(response.status).toBe(200);
  const der = join(local.work, `served-${Date.now()}.crl`);
  await writeFile(der, new Uint8Array(await response.arrayBuffer()));
  const pem = `${der}.pem`;
  const check = await run('openssl', [
    'crl',
    '-inform',
    'DER',
    '-in',
    der,
    '-CAfile',
    local.pki.ca.cert.certPath,
    '-noout',
    '-out',
    pem,
  ]);
  expect(check.stderr).toMatch(/verify OK/);
  await run('openssl', ['crl', '-inform', 'DER', '-in', der, '-out', pem]);
  return pem;
}

async function verifyWithCrl(cert: IssuedCert, crlPem: string): Promise<string> {
  const result = await run('openssl', [
    'verify',
    '-crl_check',
    '-CAfile',
    local.pki.ca.cert.certPath,
    '-CRLfile',
    crlPem,
    cert.certPath,
  ]);
  return `${result.stdout}${result.stderr}`;
}

describe('ca-repo presign → publish → openssl', () => {
  it('signs with a key file: every status reaches openssl ocsp (SHA-1 and SHA-256) and the CRL', async () => {
    const out = join(local.work, 'bundle-file-key');
    const result = await runCli([...(await presignArgs(out)), '--key', local.pki.ca.cert.keyPath]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.signed.revoked).toBeGreaterThanOrEqual(2);
    expect(summary.expired).toBe(1);
    const names = await readdir(join(out, 'ocsp'));
    expect(names).toContain(`${certs.good.serialHex}.ocsp`);
    expect(names).not.toContain(`${certs.unlisted.serialHex}.ocsp`);
    expect(names).not.toContain(`${certs.expired.serialHex}.ocsp`);
    await expectOpensslVerifies(out);

    const published = await local.publish(await bundleFiles(out));
    expect(published.rejected).toEqual([]);
    await expectStatuses();

    const crl = await servedCrl('crl/ca.crl');
    expect(await verifyWithCrl(certs.good, crl)).toMatch(/: OK/);
    expect(await verifyWithCrl(certs.revoked, crl)).toMatch(/certificate revoked/);
    expect(await verifyWithCrl(certs.held, crl)).toMatch(/certificate revoked/);
    expect(await verifyWithCrl(certs.expired, crl)).toMatch(/certificate has expired/);
  });

  it('with --state signs only what is due or changed; a revocation brings its response and a higher CRL', async () => {
    const out = join(local.work, 'bundle-state');
    const state = join(local.work, 'state');
    const args = [...(await presignArgs(out, ['--state', state])), '--key', local.pki.ca.cert.keyPath];
    const first = JSON.parse((await runCli(args)).stdout);
    expect(first.signed.good).toBeGreaterThan(0);
    expect((await local.publish(await bundleFiles(out))).rejected).toEqual([]);
    const second = JSON.parse((await runCli(args)).stdout);
    expect(second.signed).toEqual({ good: 0, revoked: 0 });
    expect(second.notDue).toBe(first.signed.good + first.signed.revoked);
    expect(BigInt(second.crls[0].crlNumber)).toBeGreaterThan(BigInt(first.crls[0].crlNumber));

    const late = await local.pki.ca.issue({
      commonName: 'late-revoked.presign.example',
      profile: 'tls-server',
    });
    await local.pki.ca.revoke(late, { reason: 'superseded' });
    // The CA's database gains the revoked certificate (the index handed over otherwise unchanged).
    const line = (await readFile(join(local.pki.ca.dir, 'index.txt'), 'utf8'))
      .split('\n')
      .find((l) => l.toLowerCase().includes(`\t${late.serialHex}\t`));
    await appendFile(certs.index, `\n${line}\n`);
    const third = JSON.parse((await runCli(args)).stdout);
    expect(third.signed.revoked).toBe(1);
    const files = await bundleFiles(out);
    expect(Object.keys(files)).toContain(`ocsp/${late.serialHex}.ocsp`);
    expect((await local.publish(files)).rejected).toEqual([]);
    expect((await ocspStatus(late, 'sha256')).stdout).toMatch(/: revoked[\s\S]*Reason: superseded/);
  });

  it('an expired entry stays on one CRL issued past its notAfter, then leaves with its certificate as evidence', async () => {
    await ensureCerts();
    const now = Date.now();
    const gone = await local.pki.ca.issue({
      commonName: 'revoked-expired.presign.example',
      profile: 'tls-server',
      notBefore: new Date(now - 30 * DAY),
      notAfter: new Date(now - DAY),
    });
    await local.pki.ca.revoke(gone, { reason: 'keyCompromise', time: new Date(now - 2 * DAY) });
    const caIndex = (await readFile(join(local.pki.ca.dir, 'index.txt'), 'utf8')).split('\n');
    const lineOf = (serialHex: string) => caIndex.find((l) => l.toLowerCase().includes(`\t${serialHex}\t`));
    const index = join(local.work, 'expiry-index.txt');
    await writeFile(index, `${await readFile(certs.index, 'utf8')}\n${lineOf(gone.serialHex)}\n`);
    const out = join(local.work, 'bundle-expiry');
    const args = [
      ...(await presignArgs(out, ['--state', join(local.work, 'expiry-state')])),
      '--index',
      index,
      '--certs',
      join(local.pki.ca.dir, 'newcerts'),
      '--crl',
      'crl/expiry.crl',
      '--key',
      local.pki.ca.cert.keyPath,
    ];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    const firstCrl = JSON.parse(first.stdout).crls.find((c: { path: string }) => c.path === 'crl/expiry.crl');
    expect(firstCrl.droppedExpired).toBeUndefined();
    expect((await local.publish(await bundleFiles(out))).rejected).toEqual([]);
    expect(await verifyWithCrl(gone, await servedCrl('crl/expiry.crl'))).toMatch(/certificate revoked/);

    const second = await runCli(args);
    expect(second.code).toBe(0);
    const secondCrl = JSON.parse(second.stdout).crls.find(
      (c: { path: string }) => c.path === 'crl/expiry.crl',
    );
    expect(secondCrl.droppedExpired).toEqual([gone.serialHex]);
    const files = await bundleFiles(out);
    expect(Object.keys(files)).toContain(`crl/expiry.crl.evidence/${gone.serialHex}.pem`);
    const published = await local.publish(files);
    expect(published.rejected).toEqual([]);
    expect(published.accepted).toContainEqual(
      expect.objectContaining({
        kind: 'evidence-certificate',
        file: `crl/expiry.crl.evidence/${gone.serialHex}.pem`,
      }),
    );
    const served = await servedCrl('crl/expiry.crl');
    expect(await verifyWithCrl(gone, served)).toMatch(/certificate has expired/);
    expect(await verifyWithCrl(certs.revoked, served)).toMatch(/certificate revoked/);
    // It left the CRL but stays revoked: OCSP still says so.
    expect((await ocspStatus(gone, 'sha256')).stdout).toMatch(/: revoked/);

    // A CRL that drops an entry whose certificate has not expired is still refused.
    await writeFile(
      index,
      (await readFile(index, 'utf8'))
        .split('\n')
        .filter((l) => !l.toLowerCase().includes(`\t${certs.revoked.serialHex}\t`))
        .join('\n'),
    );
    expect((await runCli(args)).code).toBe(0);
    const refused = await local.publish(await bundleFiles(out));
    expect(refused.rejected).toContainEqual({
      file: 'crl/expiry.crl',
      reason: expect.stringMatching(new RegExp(`omits revoked serial ${certs.revoked.serialHex}`)),
    });
  });

  it('signs through a delegated responder carried in every response', async () => {
    const out = join(local.work, 'bundle-responder');
    const result = await runCli([
      ...(await presignArgs(out)),
      '--key',
      local.pki.ca.cert.keyPath,
      '--responder-cert',
      local.pki.responder.certPath,
      '--responder-key',
      local.pki.responder.keyPath,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(''); // the test responder carries id-pkix-ocsp-nocheck
    await expectOpensslVerifies(out);
    expect((await local.publish(await bundleFiles(out))).rejected).toEqual([]);
    await expectStatuses();
  });

  it('refuses a responder certificate without id-kp-OCSPSigning', async () => {
    const out = join(local.work, 'bundle-bad-responder');
    const result = await runCli([
      ...(await presignArgs(out)),
      '--key',
      local.pki.ca.cert.keyPath,
      '--responder-cert',
      certs.good.certPath,
      '--responder-key',
      certs.good.keyPath,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/lacks extended key usage id-kp-OCSPSigning/);
  });

  it('a run killed mid-way leaves the previous bundle whole; the next run resumes it', async () => {
    const out = join(local.work, 'bundle-killed');
    await ensureCerts();
    // A large index, so that the run is still signing when it is killed.
    const big = join(local.work, 'big-index.txt');
    const lines: string[] = [];
    for (let i = 1; i <= 20_000; i++)
      lines.push(`V\t351231000000Z\t\t${(0x100000 + i).toString(16)}\tunknown\t/CN=bulk-${i}`);
    await writeFile(big, `${lines.join('\n')}\n`);
    const args = [
      'presign',
      '--ca',
      local.pki.ca.cert.certPath,
      '--key',
      local.pki.ca.cert.keyPath,
      '--index',
      big,
      '--out',
      out,
    ];
    expect((await runCli(args)).code).toBe(0);
    const before = await readdir(join(out, 'ocsp'));
    expect(before).toHaveLength(20_000);

    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'ca-repo.mjs'), ...args], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 600; i++) {
      const partial = await readdir(join(`${out}.partial`, 'ocsp')).catch(() => []);
      if (partial.length > 500) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(await readdir(join(out, 'ocsp'))).toEqual(before);
    expect((await stat(`${out}.partial`).catch(() => undefined))?.isDirectory()).toBe(true);

    const partialDone = (await readdir(join(`${out}.partial`, 'ocsp'))).length;

    // The re-run resumes: what the killed run completed is kept, only the rest is signed.
    const resumed = await runCli([...args, '--json']);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.resumed).toBeGreaterThan(0);
    expect(summary.resumed).toBeLessThanOrEqual(partialDone); // a cut-off file is signed again
    expect(summary.signed.good).toBe(20_000 - summary.resumed);
    expect(await readdir(join(out, 'ocsp'))).toHaveLength(20_000);
    expect(await stat(`${out}.partial`).catch(() => undefined)).toBeUndefined();
    expect(await stat(join(out, '.presign-run.json')).catch(() => undefined)).toBeUndefined();
    await expectOpensslVerifies(out, 50);
  }, 180_000);

  it('refresh presigns and publishes under a lock, with exit codes a monitor reads', async () => {
    await ensureCerts();
    const out = join(local.work, 'bundle-refresh');
    const lock = join(local.work, 'refresh.lock');
    const args = [
      'refresh',
      '--ca',
      local.pki.ca.cert.certPath,
      '--index',
      certs.index,
      '--key',
      local.pki.ca.cert.keyPath,
      '--out',
      out,
      '--state',
      join(local.work, 'refresh-state'),
      '--lock',
      lock,
    ];
    const done = await runCli([...args, '--repo', local.repo.url]);
    expect(done.stdout).toMatch(/accepted/);
    expect(done.code).toBe(0);
    expect(await stat(out).catch(() => undefined)).toBeUndefined(); // published: removed
    expect(await stat(lock).catch(() => undefined)).toBeUndefined();
    await expectStatuses();

    await writeFile(lock, `${process.pid}\n`); // a live run holds the lock
    const locked = await runCli([...args, '--repo', local.repo.url]);
    expect(locked.code).toBe(6);
    expect(locked.stderr).toMatch(new RegExp(`pid ${process.pid}`));
    await writeFile(lock, '999999999\n'); // a killed run's lock is taken over
    const unreachable = await runCli([...args, '--repo', 'http://127.0.0.1:1']);
    expect(unreachable.code).toBe(4);
    expect(await stat(lock).catch(() => undefined)).toBeUndefined();
  });

  it.skipIf(!softhsm)('signs with a SoftHSM2 key; the PIN comes from the environment', async () => {
    const token = await softHsmToken(softhsm as string, { 'ca-key': local.pki.ca.cert.keyPath });
    const out = join(local.work, 'bundle-pkcs11');
    const base = [
      ...(await presignArgs(out)),
      '--pkcs11-module',
      token.module,
      '--pkcs11-token',
      token.token,
      '--pkcs11-key',
      'ca-key',
    ];
    const noPin = await runCli(base, token.env);
    expect(noPin.code).toBe(2);
    expect(noPin.stderr).toMatch(/CA_REPO_PKCS11_PIN/);
    const result = await runCli(base, { ...token.env, CA_REPO_PKCS11_PIN: token.pin });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await expectOpensslVerifies(out);
    expect((await local.publish(await bundleFiles(out))).rejected).toEqual([]);
    await expectStatuses();
    const crl = await servedCrl('crl/ca.crl');
    expect(await verifyWithCrl(certs.revoked, crl)).toMatch(/certificate revoked/);
  });
});

if (!softhsm) {
  describe('PKCS#11', () => {
    it.skip('needs softhsm2 (apt-get install softhsm2; .ci/run installs it)', () => undefined);
  });
}

/**
 * What the pre-signer's tests share: an `openssl ca` directory with good, revoked, held and expired
 * certificates (and one it issued but its index does not list), the CLI run as an operator runs
 * it, a bundle directory read back as files, and a SoftHSM2 token holding a key.
 */
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { presign, type PresignInput, type PresignSummary } from '../onprem/presign/presign.ts';
import { FileKeySigner } from '../onprem/presign/signer.ts';
import { caAsResponder, caIdentity } from '../onprem/presign/signing-identity.ts';
import { openssl, type IssuedCert, type OpensslCa } from './openssl-ca.ts';
import { PROJECT_ROOT, runCommand, type CommandResult } from './run-command.ts';

export interface PresignCerts {
  good: IssuedCert;
  revoked: IssuedCert;
  held: IssuedCert;
  expired: IssuedCert;
  /** Issued, but missing from the index handed to presign: must never be answered good. */
  unlisted: IssuedCert;
  /** index.txt without the unlisted certificate. */
  index: string;
}

const DAY = 24 * 3600_000;

export async function issuePresignCerts(ca: OpensslCa, dir: string, crlUrl?: string): Promise<PresignCerts> {
  const tls = (commonName: string) => ({
    commonName,
    profile: 'tls-server' as const,
    ...(crlUrl ? { crlUrl } : {}),
  });
  const good = await ca.issue(tls('good.presign.example'));
  const revoked = await ca.issue(tls('revoked.presign.example'));
  const held = await ca.issue(tls('held.presign.example'));
  const now = Date.now();
  const expired = await ca.issue({
    ...tls('expired.presign.example'),
    notBefore: new Date(now - 30 * DAY),
    notAfter: new Date(now - DAY),
  });
  const unlisted = await ca.issue(tls('unlisted.presign.example'));
  await ca.revoke(revoked, { reason: 'keyCompromise' });
  await ca.revoke(held, { reason: 'certificateHold' });
  await mkdir(dir, { recursive: true });
  const index = join(dir, 'index.txt');
  const lines = (await readFile(join(ca.dir, 'index.txt'), 'utf8')).split('\n');
  await writeFile(
    index,
    lines.filter((line) => !line.toLowerCase().includes(`\t${unlisted.serialHex}\t`)).join('\n'),
  );
  return { good, revoked, held, expired, unlisted, index };
}

/** presign in this process with the CA's key file: CA-signed responses, 4 d, CRL `crl/full.crl` for 7 d. */
export async function presignInProcess(
  ca: OpensslCa,
  index: string,
  out: string,
  extra: Partial<Pick<PresignInput, 'certsDir' | 'stateDir' | 'now' | 'warn' | 'crlPath'>> = {},
): Promise<PresignSummary> {
  const signer = FileKeySigner.fromPem(ca.cert.keyPem, 'test key', 1);
  try {
    const identity = await caIdentity(ca.cert.certDer, signer);
    return await presign({
      ca: identity,
      responder: caAsResponder(identity),
      source: { index },
      out,
      validityMs: 4 * DAY,
      crlPath: extra.crlPath ?? 'crl/full.crl',
      crlValidityMs: 7 * DAY,
      now: extra.now ?? new Date(),
      ...(extra.certsDir ? { certsDir: extra.certsDir } : {}),
      ...(extra.stateDir ? { stateDir: extra.stateDir } : {}),
      ...(extra.warn ? { warn: extra.warn } : {}),
    });
  } finally {
    await signer.close();
  }
}

/** The CLI as an operator runs it (bin/ca-repo.mjs under this Node.js). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return runCommand(process.execPath, [join(PROJECT_ROOT, 'bin', 'ca-repo.mjs'), ...args], {
    env,
    timeoutMs: 120_000,
  });
}

/** Every file under `dir`, by its path relative to it. */
export async function bundleFiles(dir: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path)] = new Uint8Array(await readFile(path));
  }
  return files;
}

export const SOFTHSM_MODULES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
];

export interface SoftHsmToken {
  module: string;
  token: string;
  pin: string;
  /** The environment that points SoftHSM2 at this token's own configuration. */
  env: NodeJS.ProcessEnv;
}

/** Whether softhsm2-util and its module are installed (Debian `softhsm2`). */
export async function softHsmModule(): Promise<string | undefined> {
  if ((await runCommand('softhsm2-util', ['--version'])).code !== 0) return undefined;
  for (const module of SOFTHSM_MODULES) {
    if ((await runCommand('test', ['-f', module])).code === 0) return module;
  }
  return undefined;
}

/** A fresh SoftHSM2 token in its own directory, holding each key file under its label. */
export async function softHsmToken(module: string, keys: Record<string, string>): Promise<SoftHsmToken> {
  const dir = await mkdtemp(join(tmpdir(), 'ca-repo-softhsm-'));
  await mkdir(join(dir, 'tokens'));
  await writeFile(
    join(dir, 'softhsm2.conf'),
    `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\n`,
  );
  const env = { ...process.env, SOFTHSM2_CONF: join(dir, 'softhsm2.conf') };
  const token = 'ca-repo-test';
  const pin = '123456';
  const init = await runCommand(
    'softhsm2-util',
    ['--init-token', '--free', '--label', token, '--pin', pin, '--so-pin', '12345678'],
    { env },
  );
  if (init.code !== 0) throw new Error(`softhsm2-util --init-token: ${init.stderr}`);
  let id = 1;
  for (const [label, keyPath] of Object.entries(keys)) {
    // softhsm2-util imports PKCS#8 PEM only.
    const pkcs8 = join(dir, `${label}.p8`);
    await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', keyPath, '-out', pkcs8]);
    const imported = await runCommand(
      'softhsm2-util',
      [
        '--import',
        pkcs8,
        '--token',
        token,
        '--label',
        label,
        '--id',
        String(id++).padStart(2, '0'),
        '--pin',
        pin,
      ],
      { env },
    );
    if (imported.code !== 0) throw new Error(`softhsm2-util --import: ${imported.stderr}`);
  }
  return { module, token, pin, env };
}

/**
 * The CLI as an operator meets it, spawned for real (`node bin/ca-repo.mjs`): help for every
 * registered command, usage on a missing argument, and every expected failure as one line with
 * its documented exit code and no stack trace unless --debug.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRepositoryProcess } from '../../bench/bench-pki.ts';
import { buildProgram } from '../../cli/program.ts';
import { CLI, CLI_ENTRY } from '../../cli/invocation.ts';
import { EXIT, EXIT_CODE_TABLE } from '../../lambda/core/contract/exit-codes.ts';
import { toPem } from '../../testkit/pem.ts';
import { generateKey, openssl } from '../../testkit/openssl-ca.ts';
import { PROJECT_ROOT, runCommand, type CommandResult } from '../../testkit/run-command.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

const cli = (args: string[], options: Parameters<typeof runCommand>[2] = {}) =>
  runCommand('node', [CLI_ENTRY, ...args], options);

/** One line on stderr, nothing on stdout's side that looks like a stack frame. */
function expectOneLine(result: CommandResult, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).toMatch(/^ca-repo: [^\n]+\n$/);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

let pki: TestPki;
let work: string;
let files: { crlDer: string; crlPem: string; caWithoutKeyUsage: string; missing: string };

beforeAll(async () => {
  pki = await createTestPki();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-cli-'));
  const crl = await pki.ca.generateCrl();
  files = {
    crlDer: join(work, 'root.crl'),
    crlPem: join(work, 'root.crl.pem'),
    caWithoutKeyUsage: join(work, 'no-key-usage.crt'),
    missing: join(work, 'no-such.crt'),
  };
  await writeFile(files.crlDer, crl);
  await writeFile(files.crlPem, toPem('X509 CRL', crl));
  // A self-signed CA certificate (basicConstraints cA TRUE) without keyUsage: RFC 5280 §4.2.1.3
  // requires keyCertSign on a CA certificate, so it must not be pinned.
  const key = join(work, 'no-key-usage.key');
  await generateKey(key);
  const config = join(work, 'no-key-usage.cnf');
  await writeFile(
    config,
    '[req]\ndistinguished_name = dn\nx509_extensions = v3\n[dn]\n[v3]\nbasicConstraints = critical, CA:TRUE\n',
  );
  await openssl([
    'req',
    '-x509',
    '-new',
    '-config',
    config,
    '-key',
    key,
    '-subj',
    '/CN=CA without keyUsage',
    '-days',
    '2',
    '-out',
    files.caWithoutKeyUsage,
  ]);
}, 60_000);
afterAll(async () => {
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('ca-repo help', () => {
  const { program } = buildProgram('test');

  it('every registered command answers --help with exit 0, its options and an example', async () => {
    expect(program.commands.map((c) => c.name())).toEqual(
      expect.arrayContaining([
        'publish',
        'local',
        'demo',
        'health',
        'report',
        'cost',
        'evidence',
        'completion',
      ]),
    );
    await Promise.all(
      program.commands.map(async (command) => {
        const result = await cli([command.name(), '--help']);
        expect(result.code, `${command.name()} --help: ${result.stderr}`).toBe(0);
        for (const option of command.options) expect(result.stdout, command.name()).toContain(option.flags);
        expect(result.stdout).toContain(`Usage: ${CLI} ${command.name()}`);
        if (command.name() !== 'help') expect(result.stdout).toMatch(/Examples?:\n {2}node \//);
      }),
    );
  }, 120_000);

  it('prints every command and the exit-code table, and --version the package version', async () => {
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    for (const command of program.commands) expect(help.stdout).toContain(`  ${command.name()} `);
    const flat = help.stdout.replace(/\s+/g, ' ');
    for (const row of EXIT_CODE_TABLE) expect(flat).toContain(`${row.code} ${row.meaning}`);
    expect(help.stdout).toContain('README.md, section "Exit codes"');

    const version = await cli(['--version'], { cwd: tmpdir() });
    expect(version.code).toBe(0);
    const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('writes a bash completion script generated from the commands', async () => {
    const script = await cli(['completion', 'bash']);
    expect(script.code).toBe(0);
    const path = join(work, 'completion.bash');
    await writeFile(path, script.stdout);
    // COMP_WORDS as bash fills them while the user presses Tab.
    const complete = (...words: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          'bash',
          [
            '-c',
            'source "$0"; COMP_WORDS=("${@}"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _ca_repo; echo "${COMPREPLY[*]}"',
            path,
            ...words,
          ],
          (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout.trim())),
        ),
      );
    expect((await complete('ca-repo', '')).split(' ')).toEqual(program.commands.map((c) => c.name()));
    expect(await complete('ca-repo', 'pu')).toBe('publish');
    expect(await complete('ca-repo', 'publish', '--re')).toBe('--repo --region');
    expect(await complete('ca-repo', '--debug', 'local', '--tr')).toBe('--trust');
    expect(await complete('ca-repo', 'completion', '')).toBe('bash');
    expect(await complete('ca-repo', 'help', 'co')).toBe('cost completion');
  });
});

describe('usage errors', () => {
  it('publish without BUNDLE_DIR prints the usage with --repo and --stack, exit 2', async () => {
    const result = await cli(['publish']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/^ca-repo: missing required argument 'BUNDLE_DIR'\n/);
    expect(result.stderr).toContain(`usage: ${CLI} publish BUNDLE_DIR (--repo URL | --stack NAME`);
  });

  it('an unknown option or command, or publish without a target, exits 2', async () => {
    for (const args of [['local', '--trust', 'x', '--prot', '1'], ['frobnicate'], ['publish', work]]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(EXIT.usage);
      expect(result.stderr).toMatch(
        /^ca-repo: (unknown option '--prot'|unknown command 'frobnicate'|publish needs --repo URL)/,
      );
    }
  });
});

describe('expected failures: one line, the documented exit code, no stack trace', () => {
  const local = (...args: string[]) => cli(['local', '--port', '0', '--data', join(work, 'data'), ...args]);

  it('--trust a CRL (DER or PEM), a leaf certificate, a CA without keyCertSign, a missing file', async () => {
    const [crlDer, crlPem, leaf, noKeyUsage, missing] = await Promise.all([
      local('--trust', files.crlDer),
      local('--trust', files.crlPem),
      local('--trust', pki.leaf.certPath),
      cli(['health', '--repo', 'http://127.0.0.1:1', '--trust', files.caWithoutKeyUsage]),
      local('--trust', files.missing),
    ]);
    expectOneLine(crlDer, EXIT.usage, /--trust \S+root\.crl is not a certificate \(a CRL\)/);
    expectOneLine(crlPem, EXIT.usage, /root\.crl\.pem is not a certificate \(a CRL\)/);
    expectOneLine(
      leaf,
      EXIT.usage,
      /"CN=good\.example" is not a CA \(basicConstraints cA is not set\).*give the certificate of its issuer "CN=ca-repo Test Root CA"/,
    );
    expectOneLine(
      noKeyUsage,
      EXIT.usage,
      /"CN=CA without keyUsage" has no keyUsage extension \(keyCertSign required\).*reissue it with keyUsage keyCertSign/,
    );
    expectOneLine(missing, EXIT.usage, /cannot read --trust \S+no-such\.crt: no such file/);
  });

  it('--debug adds the stack trace', async () => {
    const result = await local('--trust', files.crlDer, '--debug');
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/^ca-repo: --trust \S+ is not a certificate/);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('a port in use', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await cli(
        ['local', '--trust', pki.ca.cert.certPath, '--port', String(port), '--data', join(work, 'busy')],
        {
          timeoutMs: 120_000,
        },
      );
      expectOneLine(
        result,
        EXIT.portInUse,
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use.*another --port`),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 130_000);

  /** A bundle the pre-flight passes (the scratch directory holds keys: those would stop it first, exit 3). */
  async function cleanBundle(): Promise<string> {
    const dir = join(work, 'clean-bundle');
    await mkdir(join(dir, 'ca'), { recursive: true });
    await writeFile(join(dir, 'ca/root.crt'), pki.ca.cert.certDer);
    return dir;
  }

  it('nothing listening at --repo', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await cli(['publish', await cleanBundle(), '--repo', `http://127.0.0.1:${port}`]);
    expectOneLine(
      result,
      EXIT.unreachable,
      new RegExp(`cannot reach the repository at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
  });

  it('no AWS credentials for --stack', async () => {
    const home = join(work, 'empty-home');
    const result = await cli(
      ['publish', await cleanBundle(), '--stack', 'ca-repo', '--region', 'eu-west-1'],
      {
        // Nothing of the credential chain: no variables, no ~/.aws, no instance metadata.
        env: { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true' },
        timeoutMs: 60_000,
      },
    );
    expectOneLine(result, EXIT.unreachable, /no AWS credentials to read stack ca-repo: set AWS_PROFILE/);
  });
});

describe('ca-repo local', () => {
  it('prints the pinned CAs with subject and the SHA-256 fingerprint openssl computes', async () => {
    const server = await startLocalRepositoryProcess({
      trustPath: pki.ca.cert.certPath,
      dataDir: join(work, 'pinned'),
    });
    try {
      const { stdout } = await openssl([
        'x509',
        '-in',
        pki.ca.cert.certPath,
        '-noout',
        '-fingerprint',
        '-sha256',
      ]);
      const fingerprint = /=([0-9A-F:]+)/.exec(stdout.toString())?.[1];
      expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(server.output()).toContain(
        `ca-repo local: pinned CA CN=ca-repo Test Root CA  SHA-256 ${fingerprint}`,
      );
    } finally {
      await server.stop();
    }
  }, 120_000);
});

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand as run } from '../../testkit/run-command.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { detectPrivateKey } from '../../lambda/core/publish/detect-private-key.ts';
import { CLI } from '../../cli/invocation.ts';

let dataDir: string | undefined;
afterAll(() => (dataDir ? rm(dataDir, { recursive: true, force: true }) : undefined));

describe('npm run demo (the main job)', () => {
  it('creates a CA, publishes everything, and every relying-party check passes', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ca-repo-demo-'));
    const { code, stdout } = await run(
      'node',
      ['bin/ca-repo.mjs', 'demo', '--once', '--port', '0', '--data', dataDir],
      {
        timeoutMs: 120_000,
      },
    );
    expect(stdout).toMatch(/9 accepted, 0 rejected/);
    expect(stdout.match(/^ {3}ok {3}/gm)).toHaveLength(7);
    expect(stdout).not.toMatch(/FAIL/);
    expect(code).toBe(0);
    // Every command it prints runs this checkout's CLI from any directory, never a bare npx.
    expect(stdout).not.toMatch(/npx ca-repo/);
    // --once: the server has stopped, so it says so and prints only commands that work without it.
    expect(stdout).toContain('The local repository has stopped (--once).');
    expect(stdout).toContain(`  ${CLI} local --trust ${join(dataDir, 'onprem-ca', 'ca.crt')} --port `);
    expect(stdout).toContain(`Again:     ${CLI} report --ledger `);
    expect(stdout).not.toMatch(/Publish again:|health --repo|^Repository: /m);
    expect(stdout).toContain('   Created a new CA: ');
    // The CA's keys stay on the "on-prem" disk: nothing in the pushed bundle holds key material.
    const bundleFiles = (
      await readdir(join(dataDir, 'bundle'), { recursive: true, withFileTypes: true })
    ).filter((e) => e.isFile());
    expect(bundleFiles.length).toBe(9);
    for (const entry of bundleFiles) {
      const bytes = new Uint8Array(await readFile(join(entry.parentPath, entry.name)));
      expect(detectPrivateKey(bytes), entry.name).toBeUndefined();
    }
  });

  it('a second run on the same data reuses the CA and continues its health ledger', async () => {
    if (!dataDir) throw new Error('the first demo run did not happen');
    const caCert = join(dataDir, 'onprem-ca', 'ca.crt');
    const before = await readFile(caCert);
    const { code, stdout } = await run(
      'node',
      ['bin/ca-repo.mjs', 'demo', '--once', '--port', '0', '--data', dataDir],
      { timeoutMs: 120_000 },
    );
    expect(stdout).toContain(`   Reusing the CA an earlier run left in ${dataDir} (${caCert})`);
    expect(stdout).not.toContain('Created a new CA');
    expect(await readFile(caCert)).toEqual(before);
    // Presign signs again what is due (and the certificates the demo issued since): counts vary.
    expect(stdout).toMatch(/\b\d+ accepted, 0 rejected/);
    expect(stdout).toMatch(/run 1: (\d+) of \1 probes passed \(ledger record #4\)/);
    expect(stdout).toContain('ledger chain intact');
    expect(stdout).not.toMatch(/FAIL/);
    expect(code).toBe(0);
  });
});

/**
 * `npx cdk synth` through cdk.json and bin/app.ts, as an operator or CI runs it: no AWS
 * credentials, no network, the example configuration without its replica Region, Lambda code
 * really bundled by esbuild. (The example with the replica is synthesized by the same builder in
 * repository-stacks.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, exampleConfigJson } from './synth-app.ts';

/** No credentials and an unreachable proxy: synthesis must not need AWS or the network. */
const OFFLINE_ENV = {
  PATH: process.env.PATH ?? '',
  HOME: mkdtempSync(join(tmpdir(), 'ca-repo-home-')),
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  NO_PROXY: '',
  CDK_DISABLE_VERSION_CHECK: '1',
};

describe('npx cdk synth (cdk.json → bin/app.ts)', () => {
  it('synthesizes the example without a replica Region offline, cdk-nag clean', () => {
    const out = mkdtempSync(join(tmpdir(), 'ca-repo-cdk-out-'));
    const result = spawnSync(
      join(PACKAGE_ROOT, 'node_modules/.bin/cdk'),
      // CloudFormation schema validation runs in repository-stacks.test.ts; it costs ~5 s per process.
      ['synth', '--quiet', '--no-notices', '--no-validation', '--output', out, '-c', 'replicaRegion=none'],
      { cwd: PACKAGE_ROOT, env: OFFLINE_ENV, encoding: 'utf8', timeout: 120_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([id, a]) => `${id} ${a.environment}`)
      .sort();
    expect(stacks).toEqual([
      'ca-repo aws://123456789012/ap-northeast-1',
      'ca-repo-edge aws://123456789012/us-east-1',
    ]);
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
    // The Lambda code was really bundled (ESM, one file per function).
    const template = readFileSync(join(out, 'ca-repo.template.json'), 'utf8');
    const assetDirs = [...template.matchAll(/"aws:asset:path": "(asset\.[0-9a-f]+)"/g)].map((m) => m[1]!);
    expect(assetDirs.some((dir) => existsSync(join(out, dir, 'index.mjs')))).toBe(true);
  });

  it('stops with the configuration error, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-repo-config-'));
    const file = join(dir, 'one-zone.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...exampleConfigJson(),
        trust: [join(PACKAGE_ROOT, 'test/infra/fixtures/example-ca.pem')],
        storageClass: 'ONEZONE_IA',
      }),
    );
    const result = spawnSync(join(PACKAGE_ROOT, 'node_modules/.bin/tsx'), ['bin/app.ts'], {
      cwd: PACKAGE_ROOT,
      env: { ...OFFLINE_ENV, CA_REPO_CONFIG: file, CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'ca-repo-out-')) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `ca-repo configuration error: ${file}: storageClass: ONEZONE_IA stores data in one Availability Zone; use STANDARD`,
    );
  });
});

/**
 * The walls of .dependency-cruiser.cjs (docs/ARCHITECTURE.md) hold: `npm run boundaries` passes on
 * the tree, and each wall refuses a deliberately wrong import in a scratch house built from the
 * same rule file. Without this, a rule with a typo in its path would pass everything.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCommand } from '../../testkit/run-command.ts';

const DEPCRUISE = join(PROJECT_ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(PROJECT_ROOT, '.dependency-cruiser.cjs');

/** A scratch house: every room with one file, plus the import under test. */
async function cruise(from: string, importLine: string): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'walls-'));
  try {
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          allowImportingTsExtensions: true,
          noEmit: true,
        },
      }),
      'lambda/core/pki/x509.ts': 'export const x = 1;\n',
      'lambda/storage/object-store.ts': 'export const s = 1;\n',
      'lambda/services/publish/publish-service.ts': 'export const p = 1;\n',
      'lambda/adapters/system-clock.ts': 'export const c = 1;\n',
      'lambda/handlers/publish-lambda.ts': 'export const h = 1;\n',
      'lambda/local/local-repository.ts': 'export const l = 1;\n',
      'onprem/uploader.ts': 'export const u = 1;\n',
      'cli/publish-run.ts': 'export const r = 1;\n',
      'lib/config.ts': 'export const g = 1;\n',
      'evidence/requirement.ts': 'export const e = 1;\n',
      'reporting/report.ts': 'export const t = 1;\n',
      'testkit/openssl-ca.ts': 'export const k = 1;\n',
    };
    files[from] = `${importLine}\nexport const probe = 1;\n`;
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    // the project's own packages, so an npm import resolves exactly as in the tree
    await symlink(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const roots = ['lambda', 'onprem', 'cli', 'lib', 'evidence', 'reporting', 'testkit'];
    const result = await runCommand(DEPCRUISE, ['--config', CONFIG, '--output-type', 'err', ...roots], {
      cwd: dir,
    });
    return { code: result.code, output: result.stdout + result.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('import walls', () => {
  it('the tree itself passes (npm run boundaries)', async () => {
    const result = await runCommand('npm', ['run', '--silent', 'boundaries']);
    expect(result.stdout + result.stderr).toContain('no dependency violations found');
    expect(result.code).toBe(0);
  });

  it.each([
    [
      'core imports an adapter',
      'lambda/core/pki/probe.ts',
      "import '../../adapters/system-clock.ts';",
      'core-imports-only-core',
    ],
    ['core reads files', 'lambda/core/pki/probe.ts', "import 'node:fs';", 'core-is-pure'],
    ['core uses the AWS SDK', 'lambda/core/pki/probe.ts', "import '@aws-sdk/client-s3';", 'core-is-pure'],
    [
      'an adapter imports a handler',
      'lambda/adapters/probe.ts',
      "import '../handlers/publish-lambda.ts';",
      'adapters-never-import-handlers',
    ],
    [
      'a service imports an adapter',
      'lambda/services/probe.ts',
      "import '../adapters/system-clock.ts';",
      'services-talk-through-ports',
    ],
    [
      'a service uses the AWS SDK',
      'lambda/services/probe.ts',
      "import '@aws-sdk/client-s3';",
      'services-no-sdk',
    ],
    ['lib imports the CLI', 'lib/probe.ts', "import '../cli/publish-run.ts';", 'lib-is-infrastructure'],
    [
      'lib imports a handler',
      'lib/probe.ts',
      "import '../lambda/handlers/publish-lambda.ts';",
      'lib-is-infrastructure',
    ],
    [
      'on-prem code imports a service',
      'onprem/probe.ts',
      "import '../lambda/services/publish/publish-service.ts';",
      'onprem-never-imports-cloud-side',
    ],
    [
      'on-prem code imports the local repository',
      'onprem/probe.ts',
      "import '../lambda/local/local-repository.ts';",
      'onprem-never-imports-cloud-side',
    ],
    [
      'evidence wires a service',
      'evidence/probe.ts',
      "import '../lambda/services/publish/publish-service.ts';",
      'evidence-reads-the-app',
    ],
    [
      'production code uses test fixtures',
      'lambda/handlers/probe.ts',
      "import '../../testkit/openssl-ca.ts';",
      'testkit-only-for-demo-tests-bench',
    ],
  ])('refuses: %s', async (_name, from, importLine, rule) => {
    const result = await cruise(from, importLine);
    expect(result.output).toContain(rule);
    expect(result.code).not.toBe(0);
  });

  it.each([
    ['a handler wires an adapter', 'lambda/handlers/probe.ts', "import '../adapters/system-clock.ts';"],
    [
      'on-prem code uses core and storage',
      'onprem/probe.ts',
      "import '../lambda/core/pki/x509.ts';\nimport '../lambda/storage/object-store.ts';",
    ],
    ['lib uses a shared name from core', 'lib/probe.ts', "import '../lambda/core/pki/x509.ts';"],
  ])('allows: %s', async (_name, from, importLine) => {
    const result = await cruise(from, importLine);
    expect(result.output).toContain('no dependency violations found');
    expect(result.code).toBe(0);
  });
});

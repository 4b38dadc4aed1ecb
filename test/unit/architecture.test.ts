/**
 * The walls of .dependency-cruiser.cjs (docs/ARCHITECTURE.md) hold: `npm run boundaries` passes on
 * the tree, and each wall refuses a deliberately wrong import in a scratch house built from the
 * same rule file. Without this, a rule with a typo in its path would pass everything.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCommand } from '../../testkit/run-command.ts';

const DEPCRUISE = join(PROJECT_ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(PROJECT_ROOT, '.dependency-cruiser.cjs');

const REFUSED: [name: string, from: string, importLine: string, rule: string][] = [
  [
    'core imports an adapter',
    'lambda/core/pki/probe-1.ts',
    "import '../../adapters/system-clock.ts';",
    'core-imports-only-core',
  ],
  ['core reads files', 'lambda/core/pki/probe-2.ts', "import 'node:fs';", 'core-is-pure'],
  ['core uses the AWS SDK', 'lambda/core/pki/probe-3.ts', "import '@aws-sdk/client-s3';", 'core-is-pure'],
  [
    'an adapter imports a handler',
    'lambda/adapters/probe.ts',
    "import '../handlers/publish-lambda.ts';",
    'adapters-never-import-handlers',
  ],
  [
    'a service imports an adapter',
    'lambda/services/probe-1.ts',
    "import '../adapters/system-clock.ts';",
    'services-talk-through-ports',
  ],
  [
    'a service uses the AWS SDK',
    'lambda/services/probe-2.ts',
    "import '@aws-sdk/client-s3';",
    'services-no-sdk',
  ],
  ['lib imports the CLI', 'lib/probe-1.ts', "import '../cli/publish-run.ts';", 'lib-is-infrastructure'],
  [
    'lib imports a handler',
    'lib/probe-2.ts',
    "import '../lambda/handlers/publish-lambda.ts';",
    'lib-is-infrastructure',
  ],
  [
    'on-prem code imports a service',
    'onprem/probe-1.ts',
    "import '../lambda/services/publish/publish-service.ts';",
    'onprem-never-imports-cloud-side',
  ],
  [
    'on-prem code imports the local repository',
    'onprem/probe-2.ts',
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
    'lambda/handlers/probe-1.ts',
    "import '../../testkit/openssl-ca.ts';",
    'testkit-only-for-demo-tests-bench',
  ],
];

const ALLOWED: [name: string, from: string, importLine: string][] = [
  ['a handler wires an adapter', 'lambda/handlers/probe-2.ts', "import '../adapters/system-clock.ts';"],
  [
    'on-prem code uses core and storage',
    'onprem/probe-3.ts',
    "import '../lambda/core/pki/x509.ts';\nimport '../lambda/storage/object-store.ts';",
  ],
  ['lib uses a shared name from core', 'lib/probe-3.ts', "import '../lambda/core/pki/x509.ts';"],
];

interface Violation {
  from: string;
  rule: { name: string };
}

/** One scratch house with every room, every probe above, cruised once with the project's rules. */
async function cruiseScratchHouse(): Promise<{ code: number; violations: Violation[] }> {
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
    for (const [, from, importLine] of [...REFUSED, ...ALLOWED])
      files[from] = `${importLine}\nexport const probe = 1;\n`;
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    // the project's own packages, so an npm import resolves exactly as in the tree
    await symlink(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const roots = ['lambda', 'onprem', 'cli', 'lib', 'evidence', 'reporting', 'testkit'];
    const cruise = (outputType: string) =>
      runCommand(DEPCRUISE, ['--config', CONFIG, '--output-type', outputType, ...roots], { cwd: dir });
    // `err` is what `npm run boundaries` prints and exits with; `json` says which rule each import broke
    const [checked, report] = await Promise.all([cruise('err'), cruise('json')]);
    const violations = (JSON.parse(report.stdout) as { summary: { violations: Violation[] } }).summary
      .violations;
    return { code: checked.code, violations };
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

  let house: { code: number; violations: Violation[] };
  beforeAll(async () => {
    house = await cruiseScratchHouse();
  });

  it('a house with wrong imports fails the check', () => {
    expect(house.code).not.toBe(0);
  });

  it.each(REFUSED)('refuses: %s', (_name, from, _importLine, rule) => {
    expect(house.violations.filter((v) => v.from === from).map((v) => v.rule.name)).toContain(rule);
  });

  it.each(ALLOWED)('allows: %s', (_name, from) => {
    expect(house.violations.filter((v) => v.from === from)).toEqual([]);
  });
});

/**
 * The exit-code table is defined once (lambda/core/contract/exit-codes.ts); the README documents
 * it row for row, so the two cannot drift apart.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_CODE_TABLE } from '../../lambda/core/contract/exit-codes.ts';
import { CliError } from '../../lambda/core/contract/cli-error.ts';
import { PROJECT_ROOT } from '../../testkit/run-command.ts';

describe('exit codes', () => {
  it('are distinct, with one row each, and usage errors are 2', () => {
    const codes = Object.values(EXIT);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT_CODE_TABLE.map((row) => row.code)).toEqual(codes);
    expect(EXIT.usage).toBe(2);
    expect(new CliError('x').exitCode).toBe(EXIT.usage);
    expect(new CliError('x', { exitCode: EXIT.unreachable }).exitCode).toBe(EXIT.unreachable);
  });

  it('the README section "Exit codes" holds exactly the table', async () => {
    const readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('### Exit codes');
    const section = readme.slice(start, readme.indexOf('\n## ', start));
    const rows = [...section.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => ({
      code: Number(m[1]),
      meaning: m[2],
    }));
    expect(rows).toEqual(EXIT_CODE_TABLE);
  });
});

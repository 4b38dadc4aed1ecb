/**
 * How a failed command ends (cli/failure.ts): one line and an exit code from the table; the stack
 * trace only with --debug, for expected failures and bugs alike.
 */
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../cli/failure.ts';
import { CliError } from '../../lambda/core/contract/cli-error.ts';
import { EXIT } from '../../lambda/core/contract/exit-codes.ts';

const STACK_FRAME = /\n\s+at /;

describe('describeFailure', () => {
  it('an expected failure: its one line and its exit code; the cause under --debug', () => {
    const cause = new Error('connect ECONNREFUSED');
    const error = new CliError('cannot reach the repository', { exitCode: EXIT.unreachable, cause });
    expect(describeFailure(error, false)).toEqual({
      text: 'ca-repo: cannot reach the repository\n',
      exitCode: EXIT.unreachable,
    });
    const debug = describeFailure(error, true);
    expect(debug.text).toMatch(/^ca-repo: cannot reach the repository\nError: connect ECONNREFUSED/);
    expect(debug.text).toMatch(STACK_FRAME);
  });

  it('a port in use, as node:net reports it', () => {
    const error = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), {
      code: 'EADDRINUSE',
      syscall: 'listen',
      address: '127.0.0.1',
      port: 8080,
    });
    const { text, exitCode } = describeFailure(error, false);
    expect(exitCode).toBe(EXIT.portInUse);
    expect(text).toBe(
      'ca-repo: port 8080 on 127.0.0.1 is in use by another process: stop it or choose another --port (0 picks a free one)\n',
    );
  });

  it('a bug: one line saying how to get the stack trace, exit 70; the stack with --debug', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'x')");
    const plain = describeFailure(error, false);
    expect(plain.exitCode).toBe(EXIT.internal);
    expect(plain.text).toMatch(
      /^ca-repo: unexpected error: Cannot read properties .*\(run again with --debug[^\n]*\n$/,
    );
    expect(plain.text).not.toMatch(STACK_FRAME);
    expect(describeFailure(error, true).text).toMatch(STACK_FRAME);
  });

  it('after commander has printed usage or help: nothing more, exit 2 or 0', () => {
    expect(describeFailure(new CommanderError(1, 'commander.unknownOption', 'x'), false)).toEqual({
      text: '',
      exitCode: EXIT.usage,
    });
    expect(describeFailure(new CommanderError(0, 'commander.helpDisplayed', 'x'), false).exitCode).toBe(
      EXIT.ok,
    );
  });
});

/**
 * How a failed command ends: one line on stderr naming the input and the fix, and an exit code
 * from the one table (lambda/core/contract/exit-codes.ts). The stack trace only with `--debug`.
 */
import { CommanderError } from 'commander';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { EXIT, type ExitCode } from '../lambda/core/contract/exit-codes.ts';

/** Failures the operator can fix that arrive as plain errors from Node.js. */
function expected(error: unknown): CliError | undefined {
  if (error instanceof CliError) return error;
  const system = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (system?.code === 'EADDRINUSE' && system.syscall === 'listen') {
    return new CliError(
      `port ${system.port} on ${system.address} is in use by another process: stop it or choose another --port (0 picks a free one)`,
      { exitCode: EXIT.portInUse, cause: error },
    );
  }
  return undefined;
}

/** What to print and the exit code for anything a command threw. */
export function describeFailure(error: unknown, debug: boolean): { text: string; exitCode: ExitCode } {
  // Commander has printed its own message and the usage already; --help and --version end here too.
  if (error instanceof CommanderError) {
    return { text: '', exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage };
  }
  const known = expected(error);
  const trace = (e: unknown) => (debug ? `${(e as Error)?.stack ?? String(e)}\n` : '');
  if (known) {
    return { text: `ca-repo: ${known.message}\n${trace(known.cause ?? known)}`, exitCode: known.exitCode };
  }
  const message = (error as Error)?.message ?? String(error);
  return {
    text: `ca-repo: unexpected error: ${message}${debug ? '' : ' (run again with --debug for the stack trace, and report it)'}\n${trace(error)}`,
    exitCode: EXIT.internal,
  };
}

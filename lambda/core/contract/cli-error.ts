import { EXIT, type ExitCode } from './exit-codes.ts';

/**
 * An expected failure the operator can fix: printed as one line naming the input and the fix, no
 * stack trace unless `--debug`, and the process exits with `exitCode` (default: usage error).
 */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;

  constructor(message: string, options: { exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? EXIT.usage;
  }
}

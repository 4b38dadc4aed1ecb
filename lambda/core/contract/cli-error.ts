/** A user-facing error: printed as one line, no stack trace, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
}

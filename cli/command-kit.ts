/**
 * What every command line of ca-repo shares: the root program (global `--debug`, `--version`, the
 * exit-code table in its help, one error prefix), how a subcommand is defined (synopsis, examples,
 * usage after an error), the value parsers and the `help` command. The full CLI (cli/program.ts) and
 * the single-file on-prem uploader (bin/ca-repo-onprem.ts) are both built from these, so a command
 * reads the same in either.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_CODE_TABLE } from '../lambda/core/contract/exit-codes.ts';

/** Where the README documents the exit codes; the help points there. */
const EXIT_CODES_DOC = 'README.md, section "Exit codes"';

/** What a command's action leaves behind: its exit code. */
export interface ProgramRun {
  exitCode: number;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('Not a port number (0 to 65535; 0 picks a free one).');
  return port;
}

export function parsePositive(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('Not a positive number.');
  return number;
}

/** A repeatable option: every occurrence is kept, in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function repeatable(flags: string, description: string): Option {
  return new Option(flags, `${description} (repeatable)`).argParser(collect);
}

/**
 * The root program. Its name is `cli`, the command prefix every hint prints (cli/invocation.ts), so
 * the subcommands' examples and usage lines name the file that is actually running.
 */
export function createRootProgram(options: { cli: string; version: string; description: string }): Command {
  const { cli } = options;
  const program = new Command(cli)
    .description(options.description)
    .usage('[--debug] COMMAND [options]')
    .version(options.version, '-V, --version', 'print the version of ca-repo')
    .option('--debug', 'on a failure, print the stack trace too')
    .helpCommand(false) // a plain command (addHelpCommand), so that `help NAME` with an unknown NAME says so
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError(`(${cli} help lists the commands)`)
    .exitOverride()
    // Set before the commands are added, so that they inherit it: every error line starts alike.
    .configureOutput({
      outputError: (message, write) => write(`ca-repo: ${message.replace(/^error: /, '')}`),
    });
  program.addHelpText('after', ({ command }) => {
    // Wrapped as commander wraps its own lists (80 columns unless the terminal says otherwise).
    const helper = command.createHelp();
    const rows = EXIT_CODE_TABLE.map((row) => helper.formatItem(String(row.code), 2, row.meaning, helper));
    return `\nExit codes (every command; ${EXIT_CODES_DOC}):\n${rows.join('\n')}\n\nRun it from any directory as ${cli} COMMAND.\n`;
  });
  return program;
}

/** A subcommand with a synopsis, a long description, examples, and usage shown after any error. */
export function defineCommand(
  program: Command,
  spec: { name: string; synopsis: string; summary: string; description: string; examples: string[] },
): Command {
  const cli = program.name();
  const command = program.command(spec.name).usage(spec.synopsis).summary(spec.summary);
  command.description(spec.description);
  command.addHelpText(
    'after',
    `\nExample${spec.examples.length > 1 ? 's' : ''}:\n${spec.examples.map((e) => `  ${cli} ${e}`).join('\n')}\n`,
  );
  command.showHelpAfterError(
    `usage: ${cli} ${spec.name} ${spec.synopsis}\n(${cli} ${spec.name} --help lists every option with an example)`,
  );
  return command;
}

/** `help [COMMAND]`: the help of COMMAND, or the overview of every command and the exit codes. */
export function addHelpCommand(program: Command): void {
  program
    .command('help')
    .argument('[COMMAND]', 'a command')
    .summary('show help for a command (or this overview)')
    .description('Show the help of COMMAND, or the overview of every command and the exit codes.')
    .showHelpAfterError(`(${program.name()} help lists the commands)`)
    .action((name: string | undefined, _options, command: Command) => {
      if (name === undefined) return program.outputHelp();
      const target = program.commands.find((c) => c.name() === name);
      if (!target) command.error(`unknown command '${name}'`);
      target.outputHelp();
    });
}

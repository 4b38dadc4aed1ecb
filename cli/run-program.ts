/**
 * Runs a command line built from cli/command-kit.ts and turns any failure into one line and an exit
 * code (cli/failure.ts). Shared by the full CLI (bin/ca-repo.ts) and the single-file on-prem uploader
 * (bin/ca-repo-onprem.ts).
 */
import type { Command } from 'commander';
import { describeFailure } from './failure.ts';
import type { ProgramRun } from './command-kit.ts';

/**
 * The AWS SDK warns on every start under Node 20 that releases after January 2027 need Node 22.
 * The CLI works on Node 20; keep the operator's terminal for the verdicts.
 */
function silenceSdkNodeNotice(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    const sdkNodeNotice = [warning.name, warning.message].some((t) =>
      t.startsWith('NodeVersionSupportWarning'),
    );
    if (!sdkNodeNotice) console.warn(`${warning.name}: ${warning.message}`);
  });
}

export async function runProgram(program: Command, run: ProgramRun, argv: string[]): Promise<void> {
  silenceSdkNodeNotice();
  try {
    await program.parseAsync(argv);
    process.exitCode = run.exitCode;
  } catch (error) {
    const debug = program.opts().debug === true;
    const { text, exitCode } = describeFailure(error, debug);
    process.stderr.write(text);
    process.exitCode = exitCode;
  }
}

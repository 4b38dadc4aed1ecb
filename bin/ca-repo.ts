/**
 * The ca-repo command line: composition root for the local repository, the uploader and the demo.
 * The commands are defined in cli/program.ts; this file runs them and turns any failure into one
 * line and an exit code (cli/failure.ts).
 */
import { readFileSync } from 'node:fs';
import { buildProgram } from '../cli/program.ts';
import { describeFailure } from '../cli/failure.ts';

// The AWS SDK warns on every start under Node 20 that releases after January 2027 need Node 22.
// The CLI works on Node 20; keep the operator's terminal for the verdicts.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  const sdkNodeNotice = [warning.name, warning.message].some((t) =>
    t.startsWith('NodeVersionSupportWarning'),
  );
  if (!sdkNodeNotice) console.warn(`${warning.name}: ${warning.message}`);
});

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const { program, run } = buildProgram(version);

try {
  await program.parseAsync(process.argv);
  process.exitCode = run.exitCode;
} catch (error) {
  const debug = program.opts().debug === true;
  const { text, exitCode } = describeFailure(error, debug);
  process.stderr.write(text);
  process.exitCode = exitCode;
}

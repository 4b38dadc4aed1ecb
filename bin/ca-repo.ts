/**
 * The ca-repo command line: composition root for the local repository, the uploader and the demo.
 * The commands are defined in cli/program.ts; cli/run-program.ts runs them and turns any failure
 * into one line and an exit code (cli/failure.ts).
 */
import { readFileSync } from 'node:fs';
import { buildProgram } from '../cli/program.ts';
import { runProgram } from '../cli/run-program.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const { program, run } = buildProgram(version);
await runProgram(program, run, process.argv);

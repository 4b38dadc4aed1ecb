/**
 * The on-prem uploader as one file: the entry that `npm run build:onprem` bundles into
 * dist/ca-repo-onprem.mjs, to run with Node.js alone on the CA's machine in a closed network. It
 * registers only the commands that belong on that machine (publish, withdraw, presign, refresh), from
 * the same definitions as the full CLI (cli/publish-command.ts, cli/withdraw-command.ts,
 * cli/presign-command.ts), so both accept the same arguments and print the same help.
 */
import { fileURLToPath } from 'node:url';
import packageJson from '../package.json' with { type: 'json' };
import { addHelpCommand, createRootProgram, type ProgramRun } from '../cli/command-kit.ts';
import { addPublishCommand } from '../cli/publish-command.ts';
import { addWithdrawCommand } from '../cli/withdraw-command.ts';
import { addPresignCommands } from '../cli/presign-command.ts';
import { shellWord } from '../cli/invocation.ts';
import { runProgram } from '../cli/run-program.ts';

const run: ProgramRun = { exitCode: 0 };
const program = createRootProgram({
  // Hints name this very file (the bundle once built), wherever it was carried.
  cli: `node ${shellWord(fileURLToPath(import.meta.url))}`,
  version: packageJson.version,
  description:
    "The on-prem uploader of ca-repo, in one file: sign OCSP responses and CRLs (presign, refresh) and publish a bundle of signed artifacts (CA certificates, CRLs, CP/CPS, pre-generated OCSP responses) from the CA's machine to its repository. Honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY, NODE_EXTRA_CA_CERTS and AWS_ENDPOINT_URL_S3.",
});
addPublishCommand(program, run);
addWithdrawCommand(program, run);
addPresignCommands(program, run);
addHelpCommand(program);
await runProgram(program, run, process.argv);

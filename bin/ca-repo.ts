/**
 * The ca-repo command line: composition root for the local repository, the uploader and the demo.
 */
import { parseArgs } from 'node:util';
import { CliError } from '../cli/cli-error.ts';

const USAGE = `usage:
  ca-repo local --trust CA_CERT [--trust CA_CERT ...] [--port 8080] [--data .data/local] [--title TEXT]
                [--replica] [--ocsp-path /ocsp]
      Serve a repository on 127.0.0.1 as CloudFront would (edge function, Lambda@Edge handlers, edge
      cache), backed by an embedded S3 server; publish what lands in ingest. --replica adds a second
      bucket replicated asynchronously behind an origin group.
  ca-repo publish BUNDLE_DIR (--repo http://127.0.0.1:8080 | --stack NAME [--region R]) [--json] [--timeout S]
      Upload a bundle of signed artifacts to a local repository or a deployed stack (AWS credential
      chain), wait for the receipt, print a verdict per file. Exit 0 only if every file was accepted.
  ca-repo demo [--port 8080] [--data demo-data] [--once]
      Create a demo CA on local disk, publish its artifacts to a local repository, check them with
      openssl and curl, keep serving until Ctrl-C (--once: exit after the checks).
`;

// The AWS SDK warns on every start under Node 20 that releases after January 2027 need Node 22.
// The CLI works on Node 20; keep the operator's terminal for the verdicts.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  const sdkNodeNotice = [warning.name, warning.message].some((t) =>
    t.startsWith('NodeVersionSupportWarning'),
  );
  if (!sdkNodeNotice) console.warn(`${warning.name}: ${warning.message}`);
});

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'local': {
      const { values } = parseArgs({
        args: rest,
        options: {
          trust: { type: 'string', multiple: true, default: [] },
          port: { type: 'string', default: '8080' },
          data: { type: 'string', default: '.data/local' },
          title: { type: 'string' },
        },
      });
      const { runLocal } = await import('../cli/local-command.ts');
      return runLocal({
        trust: values.trust,
        port: parsePort(values.port),
        dataDir: values.data,
        title: values.title,
      });
    }
    case 'publish': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          repo: { type: 'string' },
          stack: { type: 'string' },
          region: { type: 'string' },
          json: { type: 'boolean', default: false },
          timeout: { type: 'string', default: '600' },
        },
      });
      if (positionals.length !== 1) throw new CliError('publish takes exactly one BUNDLE_DIR');
      if (!values.repo === !values.stack) {
        throw new CliError(
          'publish needs either --repo URL (a local repository) or --stack NAME (a deployed stack)',
        );
      }
      const { runPublish } = await import('../cli/publish-run.ts');
      return runPublish({
        bundleDir: positionals[0] as string,
        target: values.stack
          ? { stack: values.stack, region: values.region }
          : { repoUrl: values.repo as string },
        json: values.json,
        timeoutSeconds: Number(values.timeout),
      });
    }
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: {
          port: { type: 'string', default: '8080' },
          data: { type: 'string', default: 'demo-data' },
          once: { type: 'boolean', default: false },
        },
      });
      const { runDemo } = await import('../cli/demo-command.ts');
      return runDemo({ port: parsePort(values.port), dataDir: values.data, once: values.once });
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown command "${command}"\n${USAGE}`);
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port ${value} is not a port number`);
  return port;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`ca-repo: ${(error as Error).message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`ca-repo: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 70;
    }
  },
);

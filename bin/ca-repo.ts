/**
 * The ca-repo command line: composition root for the local repository, the uploader and the demo.
 */
import { parseArgs } from 'node:util';
import { CliError } from '../lambda/core/contract/cli-error.ts';

const USAGE = `usage:
  ca-repo local --trust CA_CERT [--trust CA_CERT ...] [--port 8080] [--data .data/local] [--title TEXT]
                [--replica] [--ocsp-path /ocsp] [--health-interval SECONDS [--sentinel CERT:ISSUER:STATUS ...]]
      Serve a repository on 127.0.0.1 as CloudFront would (edge function, Lambda@Edge handlers, edge
      cache), backed by an embedded S3 server; publish what lands in ingest. --replica adds a second
      bucket replicated asynchronously behind an origin group. --health-interval runs the health
      checker on that interval, appending to the ledger in DATA/health-ledger.
  ca-repo publish BUNDLE_DIR (--repo http://127.0.0.1:8080 | --stack NAME [--region R]) [--json] [--timeout S]
      Upload a bundle of signed artifacts to a local repository or a deployed stack (AWS credential
      chain), wait for the receipt, print a verdict per file. Exit 0 only if every file was accepted.
  ca-repo cost --certs N --requests-per-month M [--post-share 0.5] [--price-file prices.json]
      Monthly AWS cost of ca-repo beside AWS Private CA OCSP and two EC2 responders behind an ALB.
  ca-repo demo [--port 8080] [--data demo-data] [--once]
      Create a demo CA on local disk, publish its artifacts to a local repository, check them with
      openssl and curl, keep serving until Ctrl-C (--once: exit after the checks).
  ca-repo health --repo URL [--repo URL ...] --trust CA_CERT [--trust ...] [--sentinel CERT:ISSUER:STATUS[:HASH] ...]
                 [--ocsp-url URL] [--ledger DIR|s3://BUCKET] [--timeout-ms 10000] [--crl-margin-hours 24]
                 [--crl-max-age-hours 168] [--ocsp-max-age-hours H] [--json]
      Probe a repository once as a relying party (index.json, CA certificates and fingerprints, CRLs,
      CP/CPS signatures, OCSP by GET and POST for each sentinel with STATUS good|revoked|unknown);
      append the run to the hash-chained ledger. Exit 0 only if every probe passed.
  ca-repo report --ledger DIR|s3://BUCKET --out DIR [--from ISO] [--to ISO] [--slo 99.9]
                 [--anchor SEQUENCE:SHA256] [--crl-margin-hours 24]
      Verify the ledger's hash chain and write report.html (charts), report.json and report.csv:
      availability per endpoint and overall against the SLO, incidents, latency percentiles, CRL
      margin. Exit 1 when the chain is broken.
  ca-repo evidence [--config FILE] [--assembly DIR] [--ledger DIR] [--slo 99.9] [--strict] --out DIR
      Write the investigator pack from the synthesized app (--assembly cdk.out, or synthesized here
      from --config, default the example): architecture.svg/.dot, evidence.html/.md with one row per
      requirement, CA fingerprints, and the availability summary of the ledger. --strict: exit 1
      when a requirement is not met.
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
          replica: { type: 'boolean', default: false },
          'ocsp-path': { type: 'string' },
          'health-interval': { type: 'string' },
          sentinel: { type: 'string', multiple: true, default: [] },
        },
      });
      const { runLocal } = await import('../cli/local-command.ts');
      return runLocal({
        trust: values.trust,
        port: parsePort(values.port),
        dataDir: values.data,
        title: values.title,
        replica: values.replica,
        ocspPathPrefix: values['ocsp-path'],
        healthIntervalSeconds: parseOptionalNumber('health-interval', values['health-interval']),
        sentinels: values.sentinel,
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
    case 'health': {
      const { values } = parseArgs({
        args: rest,
        options: {
          repo: { type: 'string', multiple: true, default: [] },
          trust: { type: 'string', multiple: true, default: [] },
          sentinel: { type: 'string', multiple: true, default: [] },
          'ocsp-url': { type: 'string' },
          ledger: { type: 'string' },
          'timeout-ms': { type: 'string' },
          'crl-margin-hours': { type: 'string' },
          'crl-max-age-hours': { type: 'string' },
          'ocsp-max-age-hours': { type: 'string' },
          json: { type: 'boolean', default: false },
        },
      });
      const { runHealth } = await import('../cli/health-command.ts');
      return runHealth({
        repoUrls: values.repo,
        trust: values.trust,
        sentinels: values.sentinel,
        ocspUrl: values['ocsp-url'],
        ledger: values.ledger,
        json: values.json,
        thresholds: {
          timeoutMs: parseOptionalNumber('timeout-ms', values['timeout-ms']),
          crlMinHoursToNextUpdate: parseOptionalNumber('crl-margin-hours', values['crl-margin-hours']),
          crlMaxAgeHours: parseOptionalNumber('crl-max-age-hours', values['crl-max-age-hours']),
          ocspMaxAgeHours: parseOptionalNumber('ocsp-max-age-hours', values['ocsp-max-age-hours']),
        },
      });
    }
    case 'report': {
      const { values } = parseArgs({
        args: rest,
        options: {
          ledger: { type: 'string' },
          out: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          slo: { type: 'string', default: '99.9' },
          anchor: { type: 'string' },
          'crl-margin-hours': { type: 'string' },
        },
      });
      if (!values.ledger || !values.out)
        throw new CliError('report needs --ledger DIR|s3://BUCKET and --out DIR');
      const { runReport } = await import('../cli/report-command.ts');
      return runReport({
        ledger: values.ledger,
        out: values.out,
        from: values.from,
        to: values.to,
        slo: values.slo,
        anchor: values.anchor,
        crlMarginHours: values['crl-margin-hours'],
      });
    }
    case 'evidence': {
      const { values } = parseArgs({
        args: rest,
        options: {
          config: { type: 'string' },
          assembly: { type: 'string' },
          ledger: { type: 'string' },
          out: { type: 'string' },
          slo: { type: 'string' },
          strict: { type: 'boolean', default: false },
        },
      });
      if (!values.out) throw new CliError('evidence needs --out DIR');
      const { runEvidence } = await import('../cli/evidence-command.ts');
      return runEvidence({ ...values, out: values.out });
    }
    case 'cost': {
      const { values } = parseArgs({
        args: rest,
        options: {
          certs: { type: 'string' },
          'requests-per-month': { type: 'string' },
          'post-share': { type: 'string', default: '0.5' },
          'price-file': { type: 'string' },
        },
      });
      const { runCost } = await import('../cli/cost-command.ts');
      return runCost({
        certs: values.certs,
        requestsPerMonth: values['requests-per-month'],
        postShare: values['post-share'],
        priceFile: values['price-file'],
      });
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

function parseOptionalNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new CliError(`--${name} ${value} is not a positive number`);
  return number;
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

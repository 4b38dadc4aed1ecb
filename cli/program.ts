/**
 * Every ca-repo command, its arguments and options, on commander: the one place that says what the
 * CLI accepts. Help (`ca-repo help`, `ca-repo <command> --help`), usage on errors and the shell
 * completion script are all generated from these definitions. Each command's module is imported
 * only when it runs, so `publish` never loads the CDK and `--help` answers at once.
 */
import { Argument, Option, type Command } from 'commander';
import { DEFAULT_HEALTH_THRESHOLDS } from '../lambda/core/health/health-thresholds.ts';
import { CLI } from './invocation.ts';
import {
  addHelpCommand,
  createRootProgram,
  defineCommand,
  parsePort,
  parsePositive,
  repeatable,
  type ProgramRun,
} from './command-kit.ts';
import { addPublishCommand } from './publish-command.ts';
import { addWithdrawCommand } from './withdraw-command.ts';
import { addPresignCommands } from './presign-command.ts';
import type { CostOptions } from './cost-command.ts';
import type { EvidenceOptions } from './evidence-command.ts';
import type { ReportOptions } from './report-command.ts';

export type { ProgramRun } from './command-kit.ts';

const TRUST_HELP =
  'pinned CA certificate, PEM or DER; must be a CA certificate (basicConstraints cA, keyUsage keyCertSign)';
const SENTINEL_HELP =
  'OCSP sentinel CERT:ISSUER:STATUS[:HASH]: certificate file, issuer file, expected status good|revoked|unknown, optional CertID hash sha1|sha256|sha384|sha512';

export function buildProgram(version: string): { program: Command; run: ProgramRun } {
  const run: ProgramRun = { exitCode: 0 };
  const program = createRootProgram({
    cli: CLI,
    version,
    description:
      "Serve a CA's public repository (CA certificates, CRLs, CP/CPS, pre-generated OCSP responses) from AWS S3 + CloudFront, or locally; publish to it from the CA's machine; probe and report its availability.",
  });

  defineCommand(program, {
    name: 'local',
    synopsis: '--trust CA_CERT [--trust CA_CERT ...] [--port N] [--data DIR] [options]',
    summary: 'serve a repository on 127.0.0.1 as CloudFront would, publishing what lands in ingest',
    description:
      'Serve a repository on 127.0.0.1 as CloudFront would (edge function, Lambda@Edge handlers, edge cache), backed by an embedded S3 server; publish every bundle that lands in its ingest bucket. Prints the pinned CAs (subject, SHA-256 fingerprint) at start.',
    examples: [
      'local --trust ca.crt --port 8080 --data .data/local',
      'local --trust ca.crt --health-interval 60 --sentinel leaf.crt:ca.crt:good',
    ],
  })
    .addOption(repeatable('--trust <CA_CERT>', TRUST_HELP).makeOptionMandatory())
    .addOption(
      new Option('--port <N>', 'HTTP port on 127.0.0.1 (0 picks a free one)')
        .argParser(parsePort)
        .default(8080),
    )
    .option('--data <DIR>', 'data directory: buckets persist here across restarts', '.data/local')
    .option('--title <TEXT>', 'title of the repository index page')
    .option('--replica', 'add a second bucket, replicated asynchronously, behind an origin group')
    .option('--ocsp-path <PATH>', 'path of the OCSP responder; / for a dedicated OCSP hostname', '/ocsp')
    .addOption(
      new Option(
        '--health-interval <SECONDS>',
        'run the health checker on this interval, ledger in DATA/health-ledger',
      ).argParser(parsePositive),
    )
    .addOption(repeatable('--sentinel <SPEC>', `${SENTINEL_HELP}; needs --health-interval`))
    .addOption(
      repeatable(
        '--public-url <URL>',
        'public base URL relying parties use (http://repo.example.jp): absolute CRL URLs, IDP checks, crl-urls files; default the local address',
      ),
    )
    .addOption(
      repeatable(
        '--ca-policy <SPEC>',
        'CA_CERT:PROFILE:SCOPE[:retired[=EXPIRY]]: lint profile rfc5280|br and CRL scope subscriber|root of a pinned CA',
      ),
    )
    .action(async (options) => {
      const { runLocal } = await import('./local-command.ts');
      run.exitCode = await runLocal({
        trust: options.trust,
        port: options.port,
        dataDir: options.data,
        title: options.title,
        replica: options.replica === true,
        ocspPathPrefix: options.ocspPath,
        healthIntervalSeconds: options.healthInterval,
        sentinels: options.sentinel ?? [],
        publicUrls: options.publicUrl ?? [],
        caPolicies: options.caPolicy ?? [],
      });
    });

  addPublishCommand(program, run);
  addWithdrawCommand(program, run);
  addPresignCommands(program, run);

  defineCommand(program, {
    name: 'demo',
    synopsis: '[--port N] [--data DIR] [--once]',
    summary: 'demo CA on local disk, published to a local repository and checked with openssl',
    description:
      'Create a demo CA on local disk, publish its artifacts to a local repository, check them with openssl and curl as a relying party, and keep serving until Ctrl-C. A demo CA found in the data directory is reused (its health ledger continues); a new one is made otherwise.',
    examples: ['demo', 'demo --once --port 0 --data /tmp/ca-repo-demo'],
  })
    .addOption(
      new Option('--port <N>', 'HTTP port on 127.0.0.1 (0 picks a free one)')
        .argParser(parsePort)
        .default(8080),
    )
    .option('--data <DIR>', 'data directory; a demo CA found there is reused', 'demo-data')
    .option('--once', 'exit after the checks instead of serving')
    .action(async (options) => {
      const { runDemo } = await import('./demo-command.ts');
      run.exitCode = await runDemo({
        port: options.port,
        dataDir: options.data,
        once: options.once === true,
      });
    });

  const thresholds = DEFAULT_HEALTH_THRESHOLDS;
  defineCommand(program, {
    name: 'health',
    synopsis:
      '--repo URL [--repo URL ...] --trust CA_CERT [--sentinel CERT:ISSUER:STATUS[:HASH] ...] [options]',
    summary: 'probe a repository once as a relying party; append the run to a ledger',
    description:
      'Probe a repository once as a relying party: index.json, CA certificates and fingerprints, CRLs, CP/CPS signatures, OCSP by GET and POST for each sentinel. Append the run to the hash-chained ledger when --ledger is given. Exit 0 only if every probe passed.',
    examples: [
      'health --repo http://127.0.0.1:8080 --trust ca.crt --sentinel leaf.crt:ca.crt:good --ledger .data/ledger',
    ],
  })
    .addOption(
      repeatable('--repo <URL>', 'repository base URL; give it for http and https').makeOptionMandatory(),
    )
    .addOption(repeatable('--trust <CA_CERT>', TRUST_HELP).makeOptionMandatory())
    .addOption(repeatable('--sentinel <SPEC>', SENTINEL_HELP))
    .option(
      '--ocsp-url <URL>',
      'OCSP responder URL (default: the one index.json names, else /ocsp on the repository)',
    )
    .option('--ledger <DIR|s3://BUCKET>', 'append the run to this hash-chained ledger')
    .addOption(
      new Option('--timeout-ms <MS>', 'longest a probe may take (BR §4.10.2)')
        .argParser(parsePositive)
        .default(thresholds.timeoutMs),
    )
    .addOption(
      new Option('--crl-margin-hours <HOURS>', 'least time a CRL may have left before nextUpdate')
        .argParser(parsePositive)
        .default(thresholds.crlMinHoursToNextUpdate),
    )
    .addOption(
      new Option('--crl-max-age-hours <HOURS>', 'oldest a served CRL may be (BR §4.9.7)')
        .argParser(parsePositive)
        .default(thresholds.crlMaxAgeHours),
    )
    .addOption(
      new Option(
        '--ocsp-max-age-hours <HOURS>',
        "oldest a served OCSP response may be (default: each response's BR §4.9.10 refresh deadline)",
      ).argParser(parsePositive),
    )
    .option('--json', 'print the run as JSON')
    .action(async (options) => {
      const { runHealth } = await import('./health-command.ts');
      run.exitCode = await runHealth({
        repoUrls: options.repo,
        trust: options.trust,
        sentinels: options.sentinel ?? [],
        ocspUrl: options.ocspUrl,
        ledger: options.ledger,
        json: options.json === true,
        thresholds: {
          timeoutMs: options.timeoutMs,
          crlMinHoursToNextUpdate: options.crlMarginHours,
          crlMaxAgeHours: options.crlMaxAgeHours,
          ocspMaxAgeHours: options.ocspMaxAgeHours,
        },
      });
    });

  defineCommand(program, {
    name: 'report',
    synopsis: '--ledger DIR|s3://BUCKET... --out DIR [--from ISO] [--to ISO] [--slo PERCENT] [options]',
    summary: "verify a health ledger's hash chain and write the availability report",
    description:
      "Verify the ledger's hash chain and write report.html (charts), report.json and report.csv: availability per endpoint and overall against the SLO, incidents, latency percentiles, CRL margin. Exit 1 when the chain is broken.",
    examples: [
      'report --ledger .data/ledger --out report --slo 99.9',
      'report --ledger s3://LEDGER-PRIMARY --ledger s3://LEDGER-REPLICA --out report',
    ],
  })
    .addOption(
      repeatable(
        '--ledger <DIR|s3://BUCKET>',
        "the health ledger; several (one per Region's checker): each reported in OUT/<Region>/ and set side by side in OUT/report.html",
      ).makeOptionMandatory(),
    )
    .requiredOption('--out <DIR>', 'directory for report.html, report.json, report.csv')
    .option('--from <ISO>', 'start of the window (ISO 8601)')
    .option('--to <ISO>', 'end of the window (ISO 8601)')
    .option('--slo <PERCENT>', 'availability objective', '99.9')
    .option('--anchor <SEQUENCE:SHA256>', 'a record hash kept elsewhere that the chain must contain')
    .option(
      '--repository <URL>',
      'only the runs against this repository (required when the ledger saw several)',
    )
    .option(
      '--crl-margin-hours <HOURS>',
      'CRL margin below which a run counts as at risk',
      String(thresholds.crlMinHoursToNextUpdate),
    )
    // The options' names (camelCased by commander) are the fields of ReportOptions.
    .action(async (options: ReportOptions) => {
      const { runReport } = await import('./report-command.ts');
      run.exitCode = await runReport(options);
    });

  defineCommand(program, {
    name: 'evidence',
    synopsis: '--out DIR [--assembly DIR | --config FILE] [--ledger DIR] [--slo PERCENT] [--strict]',
    summary: 'write the investigator pack (architecture diagram, requirement evidence)',
    description:
      'Write the investigator pack from the synthesized app (--assembly cdk.out, or synthesized here from --config): architecture.svg/.dot, evidence.html/.md with one row per requirement, CA fingerprints, and the availability summary of --ledger.',
    examples: [
      'evidence --assembly cdk.out --config ca-repo.config.json --out docs/evidence',
      'evidence --out /tmp/pack --strict',
    ],
  })
    .requiredOption('--out <DIR>', 'directory for the pack')
    .option('--config <FILE>', 'configuration file (default: ca-repo.config.example.json unless --assembly)')
    .option('--assembly <DIR>', 'an existing cloud assembly (cdk.out)')
    .option('--ledger <DIR>', 'a health ledger directory for the availability summary')
    .option('--slo <PERCENT>', 'availability objective of the summary', '99.9')
    .option('--strict', 'exit 1 when a requirement is not met')
    .action(async (options: EvidenceOptions) => {
      const { runEvidence } = await import('./evidence-command.ts');
      run.exitCode = await runEvidence(options);
    });

  defineCommand(program, {
    name: 'cost',
    synopsis: '--certs N --requests-per-month M [--post-share 0.5] [--price-file FILE]',
    summary: 'monthly AWS cost beside AWS Private CA OCSP and two EC2 responders',
    description:
      'Monthly AWS cost of ca-repo beside AWS Private CA managed OCSP and two EC2 responders behind an ALB, from documented unit prices (reporting/cost-model.ts).',
    examples: ['cost --certs 100000 --requests-per-month 50000000'],
  })
    .requiredOption('--certs <N>', 'certificates covered (1000000, 1_000_000, 1e6)')
    .requiredOption('--requests-per-month <M>', 'OCSP requests per month')
    .option('--post-share <SHARE>', 'share of OCSP requests sent by POST, 0 to 1', '0.5')
    .option('--price-file <FILE>', 'JSON overriding unit prices and assumptions')
    .action(async (options: CostOptions) => {
      const { runCost } = await import('./cost-command.ts');
      run.exitCode = await runCost(options);
    });

  defineCommand(program, {
    name: 'completion',
    synopsis: 'bash',
    summary: 'print a shell completion script for the commands and options above',
    description: `Print a bash completion script generated from the commands and options of this CLI. It completes the command names ca-repo and ca-repo.mjs; in ~/.bashrc: alias ca-repo="${CLI}" and source the script.`,
    examples: [`completion bash > ~/.ca-repo-completion.bash`],
  })
    .addArgument(new Argument('<SHELL>', 'the shell').choices(['bash']))
    .action(async () => {
      const { bashCompletion } = await import('./completion.ts');
      process.stdout.write(bashCompletion(program));
    });

  addHelpCommand(program);

  return { program, run };
}

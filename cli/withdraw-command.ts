/**
 * `withdraw URL...`: its arguments and options, defined once for the full CLI (cli/program.ts) and
 * the single-file on-prem uploader (bin/ca-repo-onprem.ts); the target options are publish's.
 */
import { Option, type Command } from 'commander';
import { defineCommand, parsePositive, type ProgramRun } from './command-kit.ts';

export function addWithdrawCommand(program: Command, run: ProgramRun): Command {
  return defineCommand(program, {
    name: 'withdraw',
    synopsis: 'URL... (--repo URL | --stack NAME [--region REGION]) [--force] [--json] [--timeout SECONDS]',
    summary: 'retire served objects (kept as noncurrent versions) and print a verdict per URL',
    description:
      'Ask the publish gate to withdraw served objects: each URL (a full URL or a path such as /certs/old.crt; an OCSP response by its GET URL) is judged like a published file. An accepted one stops being served (the versioned bucket keeps it as a noncurrent version), leaves index.json and is invalidated on the CDN. Refused: anything not served, index.json, index.html, a CRL without --force, and an OCSP response whose served status is revoked (revocation is final, RFC 5280 §3.3). Exit 0 only if every URL was withdrawn.',
    examples: [
      'withdraw /certs/old-crl.pem --force --repo http://127.0.0.1:8080',
      'withdraw https://repo.example.jp/docs/cps-2019.pdf --stack ca-repo --json',
    ],
  })
    .argument('<URL...>', 'served URLs or paths to withdraw')
    .addOption(new Option('--repo <URL>', 'a local repository (ca-repo local)').conflicts('stack'))
    .option('--stack <NAME>', 'a deployed stack: ingest bucket and URL from its outputs')
    .option('--region <REGION>', "the stack's AWS Region (default: the AWS configuration's)")
    .option('--force', 'withdraw CRLs too (certificates naming them then fail revocation checks)')
    .option('--json', 'print the verdicts as JSON')
    .addOption(
      new Option('--timeout <SECONDS>', 'how long to wait for the receipt')
        .argParser(parsePositive)
        .default(600),
    )
    .action(async (urls: string[], options, command: Command) => {
      if (!options.repo && !options.stack) {
        command.error('withdraw needs --repo URL (a local repository) or --stack NAME (a deployed stack)');
      }
      const { runWithdraw } = await import('./withdraw-run.ts');
      run.exitCode = await runWithdraw({
        urls,
        force: options.force === true,
        target: options.stack ? { stack: options.stack, region: options.region } : { repoUrl: options.repo },
        json: options.json === true,
        timeoutSeconds: options.timeout,
      });
    });
}

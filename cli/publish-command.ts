/**
 * `publish BUNDLE_DIR`: its arguments and options, defined once for the full CLI (cli/program.ts)
 * and the single-file on-prem uploader (bin/ca-repo-onprem.ts). This module imports nothing of the
 * other commands, so the single file holds publish and nothing else.
 */
import { Option, type Command } from 'commander';
import { defineCommand, parsePositive, repeatable, type ProgramRun } from './command-kit.ts';

export function addPublishCommand(program: Command, run: ProgramRun): Command {
  return defineCommand(program, {
    name: 'publish',
    synopsis:
      'BUNDLE_DIR (--repo URL | --stack NAME [--region REGION] | --dry-run) [--trust CA_CERT ...] [--json] [--timeout SECONDS] [--no-wait]',
    summary: 'check a bundle of signed artifacts on this machine, upload it and print a verdict per file',
    description:
      "Check a bundle of signed artifacts (the directory's layout is the repository's URL layout) on this machine first: private key material in any file stops everything with exit 3 and nothing is sent; classification, paths, validity windows and OCSP nonces are checked, and signatures too against the CA certificates given with --trust. Then upload what passed to a local repository (--repo) or a deployed stack (--stack, standard AWS credential chain), wait for the receipt and print a verdict per file (new, replaced or unchanged). The receipt comes once the CDN has dropped every copy the publish outdated, so on exit 0 every request through the CDN from the primary Region gets what was published. Exit 0 only if every file was accepted or unchanged and is served. --dry-run runs the checks alone and sends nothing.",
    examples: [
      'publish ./bundle --repo http://127.0.0.1:8080',
      'publish ./bundle --stack ca-repo --region ap-northeast-1 --trust ca.crt --json',
      'publish ./bundle --dry-run --trust ca.crt',
    ],
  })
    .argument('<BUNDLE_DIR>', 'directory of signed artifacts, laid out as their URLs')
    .addOption(new Option('--repo <URL>', 'a local repository (ca-repo local)').conflicts('stack'))
    .option('--stack <NAME>', 'a deployed stack: ingest bucket and URL from its outputs')
    .option('--region <REGION>', "the stack's AWS Region (default: the AWS configuration's)")
    .addOption(
      repeatable(
        '--trust <CA_CERT>',
        'pinned CA certificate (PEM or DER) to check signatures against before sending',
      ),
    )
    .addOption(
      new Option('--dry-run', 'run the checks on this machine only: nothing is sent').conflicts([
        'repo',
        'stack',
      ]),
    )
    .option('--json', 'print the verdicts as JSON')
    .option('--no-wait', 'return with the receipt, without waiting for the CDN to serve what was published')
    .addOption(
      new Option('--timeout <SECONDS>', 'how long to wait for the receipt')
        .argParser(parsePositive)
        .default(600),
    )
    .action(async (bundleDir: string, options, command: Command) => {
      if (!options.repo && !options.stack && !options.dryRun) {
        command.error(
          'publish needs --repo URL (a local repository), --stack NAME (a deployed stack) or --dry-run (check only)',
        );
      }
      const { runPublish } = await import('./publish-run.ts');
      run.exitCode = await runPublish({
        bundleDir,
        target: options.dryRun
          ? 'dry-run'
          : options.stack
            ? { stack: options.stack, region: options.region }
            : { repoUrl: options.repo },
        trust: options.trust ?? [],
        json: options.json === true,
        timeoutSeconds: options.timeout,
        wait: options.wait !== false,
      });
    });
}

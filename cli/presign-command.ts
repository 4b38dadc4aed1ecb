/**
 * `presign` and `refresh`: their options, defined once for the full CLI (cli/program.ts) and the
 * single-file on-prem uploader (bin/ca-repo-onprem.ts). Like publish-command.ts, it imports nothing
 * of the other commands.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_PKCS11_PIN_ENV } from '../lambda/core/contract/presign-environment.ts';
import { defineCommand, parsePositive, type ProgramRun } from './command-kit.ts';
import type { PresignCliOptions } from './presign-run.ts';
import type { RefreshCliOptions } from './refresh-run.ts';

const PRESIGN_SYNOPSIS =
  '--ca CA_CERT (--index INDEX_TXT | --status-csv FILE) --out BUNDLE_DIR (--key KEY_PEM | --pkcs11-module LIB --pkcs11-token LABEL --pkcs11-key LABEL) [--responder-cert CERT (--responder-key KEY_PEM | --pkcs11-responder-key LABEL)] [--certs DIR] [--validity 4d] [--crl PATH] [--crl-validity 7d] [--state DIR] [--json]';

/** The options presign and refresh share. */
function presignOptions(command: Command): Command {
  return command
    .requiredOption('--ca <CA_CERT>', "the CA's certificate (PEM or DER)")
    .addOption(
      new Option('--index <INDEX_TXT>', 'the index.txt database of `openssl ca`').conflicts('statusCsv'),
    )
    .option(
      '--status-csv <FILE>',
      'a CSV serial,status,revocationTime,reason,notAfter exported from the CA database',
    )
    .requiredOption(
      '--out <BUNDLE_DIR>',
      'the bundle directory to write (replaced whole, never half-written)',
    )
    .option(
      '--key <KEY_PEM>',
      "the CA's private key file (PEM, unencrypted): signs CRLs, and responses without a responder",
    )
    .option('--pkcs11-module <LIB>', 'a PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so')
    .option('--pkcs11-token <LABEL>', 'the token holding the keys')
    .option('--pkcs11-key <LABEL>', "the CA key's CKA_LABEL on the token")
    .option('--pkcs11-pin-env <VAR>', 'the environment variable holding the user PIN', DEFAULT_PKCS11_PIN_ENV)
    .option('--pkcs11-pin-file <FILE>', 'a file holding the user PIN (first line)')
    .option(
      '--responder-cert <CERT>',
      'a delegated OCSP responder certificate issued by the CA (id-kp-OCSPSigning)',
    )
    .option('--responder-key <KEY_PEM>', "the responder's private key file")
    .option('--pkcs11-responder-key <LABEL>', "the responder key's CKA_LABEL on the token")
    .option(
      '--certs <DIR>',
      'the issued certificates (openssl ca newcerts): one partitioned CRL per CRL Distribution Point URL, and the expired certificates whose entries leave a CRL (with --state)',
    )
    .option('--validity <DURATION>', 'OCSP validity, 8h to 10d (BR §4.9.10)', '4d')
    .option('--crl <PATH>', "the full CRL's path in the bundle (its URL path)", 'crl/ca.crl')
    .option('--crl-validity <DURATION>', 'CRL nextUpdate after thisUpdate, at most 10d (BR §4.9.7)', '7d')
    .option(
      '--state <DIR>',
      'remember what was signed (sharded, flat memory): later runs sign only what is due or changed',
    )
    .option('--json', 'print the summary as JSON');
}

export function addPresignCommands(program: Command, run: ProgramRun): void {
  presignOptions(
    defineCommand(program, {
      name: 'presign',
      synopsis: PRESIGN_SYNOPSIS,
      summary: 'sign every OCSP response and CRL of a CA into a bundle for publish',
      description:
        "Sign one OCSP response per certificate (SHA-1 and SHA-256 CertIDs, no nonce, BR §4.9.9 validity) and the CA's CRL, from the index.txt of `openssl ca` or a status CSV, with a key file or a PKCS#11 key (PIN from --pkcs11-pin-env or --pkcs11-pin-file, never the command line). A serial the source does not list gets no response. The bundle is ready for `publish`.",
      examples: [
        'presign --ca ca.pem --index demoCA/index.txt --key ca.key --out ./bundle',
        'presign --ca ca.pem --index index.txt --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pkcs11-token ca --pkcs11-key ca --out ./bundle --state ./presign-state',
      ],
    }),
  ).action(async (options: PresignCliOptions) => {
    const { runPresign } = await import('./presign-run.ts');
    run.exitCode = await runPresign(options);
  });

  presignOptions(
    defineCommand(program, {
      name: 'refresh',
      synopsis: `${PRESIGN_SYNOPSIS} (--repo URL | --stack NAME [--region REGION]) [--lock FILE] [--timeout SECONDS]`,
      summary: 'presign and publish in one run, for cron or a systemd timer',
      description:
        'Run presign, then publish the bundle, holding a lock so that two runs never overlap. Exit 0 when every file was accepted, 1 when the repository rejected some, 4 when it could not be reached, 6 when another run holds the lock, 7 when signing failed (see README "Exit codes"). With --state, the bundle is removed once published.',
      examples: [
        'refresh --ca ca.pem --index index.txt --key ca.key --out /var/lib/ca-repo/bundle --state /var/lib/ca-repo/state --repo http://127.0.0.1:8080',
      ],
    }),
  )
    .addOption(new Option('--repo <URL>', 'a local repository (ca-repo local)').conflicts('stack'))
    .option('--stack <NAME>', 'a deployed stack: ingest bucket and URL from its outputs')
    .option('--region <REGION>', "the stack's AWS Region")
    .option('--lock <FILE>', 'the lock file (default: BUNDLE_DIR.lock)')
    .addOption(
      new Option('--timeout <SECONDS>', 'how long to wait for the receipt')
        .argParser(parsePositive)
        .default(600),
    )
    .action(async (options: RefreshCliOptions, command: Command) => {
      if (!options.repo && !options.stack) command.error('refresh needs --repo URL or --stack NAME');
      const { runRefresh } = await import('./refresh-run.ts');
      run.exitCode = await runRefresh(options);
    });
}

/**
 * The exit codes of every ca-repo command, the on-prem uploader included: one table, so a script
 * around the CLI (a cron job on the CA's machine, a CI step) can branch on them. `ca-repo help`
 * prints it and the README's "Exit codes" section documents it; a test keeps the two equal.
 */
export const EXIT = {
  /** Everything accepted or unchanged; every probe passed. */
  ok: 0,
  /** The command ran and said no: a file rejected, a probe failed, a broken ledger chain. */
  rejected: 1,
  /** The command line, or a file or value it names, is wrong. */
  usage: 2,
  /** Key material found in the bundle by the uploader's pre-flight: nothing was sent. */
  keyMaterial: 3,
  /** The repository could not be reached: nothing listening, no credentials, no receipt (or served) in time. */
  unreachable: 4,
  /** The port to serve on is in use. */
  portInUse: 5,
  /** Another run holds the lock (`refresh`): this one did nothing. */
  locked: 6,
  /** Signing failed (`presign`, `refresh`): a key or token that cannot sign, a write that failed; the previous bundle is left. */
  signing: 7,
  /** An unexpected failure: a bug (sysexits.h EX_SOFTWARE); `--debug` prints the stack trace. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One row per code, in the words the help and the README use. */
export const EXIT_CODE_TABLE: readonly { code: ExitCode; meaning: string }[] = [
  {
    code: EXIT.ok,
    meaning: 'success: every file accepted or unchanged, every probe passed, the report or pack written',
  },
  {
    code: EXIT.rejected,
    meaning:
      'the command ran and said no: publish rejected some file (the others were published), health had a failing probe, report found the ledger chain broken, evidence --strict found a requirement not met',
  },
  {
    code: EXIT.usage,
    meaning:
      'usage: unknown command or option, missing argument, invalid value, or a file it names is missing or wrong (not a certificate, not a CA certificate)',
  },
  {
    code: EXIT.keyMaterial,
    meaning:
      'private key material found in the bundle by the pre-flight: nothing sent (publish, publish --dry-run)',
  },
  {
    code: EXIT.unreachable,
    meaning:
      'the repository could not be reached: nothing listening at --repo, not a ca-repo repository, the --stack unreadable or AWS credentials missing, no receipt before --timeout, or the CDN did not complete its invalidation while the publisher waited (published, not yet served everywhere)',
  },
  { code: EXIT.portInUse, meaning: 'the --port to serve on is in use by another process' },
  {
    code: EXIT.locked,
    meaning: 'refresh: another run holds the lock, this one did nothing (the next timer run tries again)',
  },
  {
    code: EXIT.signing,
    meaning:
      'presign or refresh could not sign: the key or PKCS#11 token failed, or writing the bundle failed; the previous bundle is left as it was',
  },
  {
    code: EXIT.internal,
    meaning: 'unexpected internal error (a bug): run again with --debug for the stack trace and report it',
  },
];

/**
 * `ca-repo refresh`: presign, then publish, for cron or a systemd timer. A lock file (created with
 * O_EXCL, holding the owner's pid) keeps two runs from overlapping; a lock whose pid is no longer
 * running is taken over, so a killed run does not block the next one forever. With --state the
 * bundle is removed once every file was accepted: the next presign then holds only what is due.
 * Exit codes (README "Exit codes"): 0 published, 1 some file rejected, 4 repository unreachable,
 * 6 another run holds the lock, 7 signing failed, 2 wrong options or files.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { EXIT } from '../lambda/core/contract/exit-codes.ts';
import { formatSummary, presignFromOptions, type PresignCliOptions } from './presign-run.ts';
import { runPublish } from './publish-run.ts';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock, or answers the pid holding it. */
export async function takeLock(path: string): Promise<{ release(): Promise<void> } | { heldBy: number }> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && running(pid)) return { heldBy: pid };
      await rm(path, { force: true }); // stale: its run was killed
    }
  }
  throw new CliError(`could not take the lock ${path}`, { exitCode: EXIT.locked });
}

/** refresh's options: presign's, and where and how to publish. */
export interface RefreshCliOptions extends PresignCliOptions {
  repo?: string;
  stack?: string;
  region?: string;
  lock?: string;
  timeout: number;
}

export async function runRefresh(options: RefreshCliOptions): Promise<number> {
  const lockPath = options.lock ?? `${options.out.replace(/\/+$/, '')}.lock`;
  const lock = await takeLock(lockPath);
  if ('heldBy' in lock) {
    process.stderr.write(
      `ca-repo: refresh: another run (pid ${lock.heldBy}) holds ${lockPath}; nothing done\n`,
    );
    return EXIT.locked;
  }
  try {
    const summary = await presignFromOptions(options, (message) =>
      process.stderr.write(`warning: ${message}\n`),
    );
    process.stderr.write(formatSummary(summary));
    const code = await runPublish({
      bundleDir: options.out,
      target: options.stack
        ? { stack: options.stack, region: options.region }
        : { repoUrl: options.repo as string },
      json: options.json === true,
      timeoutSeconds: options.timeout,
    });
    if (code === EXIT.ok && options.state) await rm(options.out, { recursive: true, force: true });
    return code;
  } finally {
    await lock.release();
  }
}

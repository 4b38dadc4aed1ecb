import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, where `node bin/ca-repo.mjs` runs. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real client (openssl, curl, the CLI) and never rejects: the exit code is part of the result. */
export function runCommand(
  file: string,
  args: string[],
  options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd ?? PROJECT_ROOT,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 << 20,
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

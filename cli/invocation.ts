/**
 * How every printed hint (help examples, the demo, `ca-repo local`) spells the CLI: `node` and the
 * absolute path of this checkout's bin/ca-repo.mjs. It runs this project's own code from any
 * directory; a bare `npx ca-repo` outside the clone would ask the npm registry for a package of
 * that name instead, and run whatever answers.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of the entry point, whichever way the CLI was started (node, tsx, npm run). */
export const CLI_ENTRY = fileURLToPath(new URL('../bin/ca-repo.mjs', import.meta.url));

/** A word the shell passes through unchanged: quoted only when it has to be (POSIX sh). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command prefix to print: `node /path/to/ca-repo/bin/ca-repo.mjs`. */
export const CLI = `node ${shellWord(CLI_ENTRY)}`;

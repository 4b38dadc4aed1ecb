/**
 * `npm run build:onprem`: the on-prem uploader as one self-contained JavaScript file,
 * dist/ca-repo-onprem.mjs, that needs only Node.js (>= 20.19) on the CA's machine: no node_modules,
 * no npm. esbuild bundles bin/ca-repo-onprem.ts with every package it uses (AWS SDK, commander,
 * pkijs, tar-stream, proxy-agent). Its SHA-256 is printed and written beside it as
 * ca-repo-onprem.mjs.sha256, in the format `sha256sum -c` checks, so the file can be verified
 * after it was carried into the closed network.
 *
 * A native PKCS#11 binding (for signing with a key in an HSM) cannot live in one JavaScript file; it
 * will ship as a second checksummed artifact that the single file loads when present.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'bin', 'ca-repo-onprem.ts');
export const SINGLE_FILE_NAME = 'ca-repo-onprem.mjs';

export interface SingleFile {
  file: string;
  checksumFile: string;
  sha256: string;
  bytes: number;
}

export async function buildSingleFile(outDir = join(ROOT, 'dist')): Promise<SingleFile> {
  const file = join(outDir, SINGLE_FILE_NAME);
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [ENTRY],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    minify: true,
    // Names kept: error handling and the SDK read `name` of errors and classes.
    keepNames: true,
    // The bundled packages' licence notices, gathered at the end of the file.
    legalComments: 'eof',
    banner: {
      // CommonJS packages inside an ES module still call require() for Node's built-ins.
      js: [
        '#!/usr/bin/env node',
        "import { createRequire as __caRepoCreateRequire } from 'node:module';",
        'const require = __caRepoCreateRequire(import.meta.url);',
      ].join('\n'),
    },
    logLevel: 'warning',
  });
  const bytes = await readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const checksumFile = `${file}.sha256`;
  // `sha256sum -c` format: digest, two spaces, the file name relative to the checksum file.
  await writeFile(checksumFile, `${sha256}  ${basename(file)}\n`);
  return { file, checksumFile, sha256, bytes: bytes.byteLength };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildSingleFile(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(
    `${built.file}: ${(built.bytes / 1024 / 1024).toFixed(1)} MiB (${built.bytes} bytes)\nSHA-256 ${built.sha256}\n${built.checksumFile} written (check with: sha256sum -c ${basename(built.checksumFile)})\n`,
  );
}

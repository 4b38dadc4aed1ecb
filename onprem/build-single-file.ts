/**
 * `npm run build:onprem`: the on-prem uploader as one self-contained JavaScript file,
 * dist/ca-repo-onprem.mjs, that needs only Node.js (>= 20.19) on the CA's machine: no node_modules,
 * no npm. esbuild bundles bin/ca-repo-onprem.ts with every package it uses (AWS SDK, commander,
 * pkijs, tar-stream, proxy-agent). Its SHA-256 is printed and written beside it as
 * ca-repo-onprem.mjs.sha256, in the format `sha256sum -c` checks, so the file can be verified
 * after it was carried into the closed network.
 *
 * A native PKCS#11 binding (for `presign` with a key in an HSM) cannot live in one JavaScript file:
 * it ships as a second artifact, the directory ca-repo-onprem-pkcs11/ (the pkcs11js package: its
 * JavaScript and the compiled pkcs11.node for this platform and Node-API), with its own
 * ca-repo-onprem-pkcs11.sha256 listing each file. The single file loads it when it lies beside it
 * (onprem/presign/pkcs11-signer.ts); without it, presign signs with key files only.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PKCS11_ARTIFACT_DIR } from './presign/pkcs11-signer.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'bin', 'ca-repo-onprem.ts');
export const SINGLE_FILE_NAME = 'ca-repo-onprem.mjs';

export interface SingleFile {
  file: string;
  checksumFile: string;
  sha256: string;
  bytes: number;
  /** The PKCS#11 artifact beside it, when the pkcs11js binding is built in node_modules. */
  pkcs11?: { dir: string; checksumFile: string };
}

/** The files of the pkcs11js package the binding needs at run time. */
const PKCS11_FILES = ['package.json', 'index.js', 'build/Release/pkcs11.node'];

async function buildPkcs11Artifact(outDir: string): Promise<SingleFile['pkcs11']> {
  const source = join(ROOT, 'node_modules', 'pkcs11js');
  const dir = join(outDir, PKCS11_ARTIFACT_DIR);
  await rm(dir, { recursive: true, force: true });
  const lines: string[] = [];
  for (const file of PKCS11_FILES) {
    const bytes = await readFile(join(source, file)).catch(() => undefined);
    if (!bytes) return undefined; // the optional binding was not built here
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await copyFile(join(source, file), join(dir, file));
    lines.push(`${createHash('sha256').update(bytes).digest('hex')}  ${PKCS11_ARTIFACT_DIR}/${file}`);
  }
  const checksumFile = join(outDir, `${PKCS11_ARTIFACT_DIR}.sha256`);
  await writeFile(checksumFile, `${lines.join('\n')}\n`);
  return { dir, checksumFile };
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
    // Native: loaded from the second artifact beside the file at run time (see above).
    external: ['pkcs11js'],
  });
  const bytes = await readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const checksumFile = `${file}.sha256`;
  // `sha256sum -c` format: digest, two spaces, the file name relative to the checksum file.
  await writeFile(checksumFile, `${sha256}  ${basename(file)}\n`);
  const pkcs11 = await buildPkcs11Artifact(outDir);
  return { file, checksumFile, sha256, bytes: bytes.byteLength, ...(pkcs11 ? { pkcs11 } : {}) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildSingleFile(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(
    `${built.file}: ${(built.bytes / 1024 / 1024).toFixed(1)} MiB (${built.bytes} bytes)\nSHA-256 ${built.sha256}\n${built.checksumFile} written (check with: sha256sum -c ${basename(built.checksumFile)})\n${
      built.pkcs11
        ? `${built.pkcs11.dir}/: the PKCS#11 binding, carried beside it (check with: sha256sum -c ${basename(built.pkcs11.checksumFile)})\n`
        : 'no PKCS#11 artifact: the pkcs11js binding is not built in node_modules\n'
    }`,
  );
}

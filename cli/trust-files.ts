import { readFile } from 'node:fs/promises';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { certificatesInFile } from '../lambda/core/pki/certificate-file.ts';

/** Reads certificate files (PEM or DER) into DER; `flag` names the option in errors. */
export async function readCertificateFiles(
  paths: readonly string[],
  flag = '--trust',
): Promise<Uint8Array[]> {
  const ders: Uint8Array[] = [];
  for (const path of paths) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new CliError(`cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    const certificates = certificatesInFile(new Uint8Array(bytes));
    if (certificates.length === 0) throw new CliError(`${flag} ${path} holds no PEM CERTIFICATE`);
    ders.push(...certificates);
  }
  return ders;
}

/** The pinned CA certificates of `--trust` (at least one). */
export async function readTrustFiles(paths: readonly string[]): Promise<Uint8Array[]> {
  if (paths.length === 0) throw new CliError('at least one --trust CA_CERT is required');
  return readCertificateFiles(paths);
}

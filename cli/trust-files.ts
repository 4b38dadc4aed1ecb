import { readFile } from 'node:fs/promises';
import { looksLikePem, parsePemBlocks } from '../lambda/core/pem.ts';
import { CliError } from './cli-error.ts';

/** Reads pinned CA certificate files (PEM or DER) into DER. */
export async function readTrustFiles(paths: readonly string[]): Promise<Uint8Array[]> {
  if (paths.length === 0) throw new CliError('at least one --trust CA_CERT is required');
  const ders: Uint8Array[] = [];
  for (const path of paths) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new CliError(`cannot read --trust ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    const text = bytes.toString('latin1');
    if (!looksLikePem(text)) {
      ders.push(new Uint8Array(bytes));
      continue;
    }
    const certificates = parsePemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
    if (certificates.length === 0) throw new CliError(`--trust ${path} holds no PEM CERTIFICATE`);
    ders.push(...certificates.map((b) => b.der));
  }
  return ders;
}

/** Certificate files named by the configuration (PEM or DER), read with errors that name the field. */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { certificatesInFile } from '../../lambda/core/pki/certificate-file.ts';
import { parseCertificate, pinCa } from '../../lambda/core/pki/trust-store.ts';
import { ConfigError, check } from './fields.ts';

/** A path from the configuration, relative to the configuration file's directory. */
export function configPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** The certificates of one PEM or DER file. */
export async function readCertificateFile(path: string, field: string): Promise<Uint8Array[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ConfigError(`${field}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const found = certificatesInFile(new Uint8Array(bytes));
  if (found.length === 0) throw new ConfigError(`${field}: ${path} holds no PEM CERTIFICATE`);
  return found;
}

/** Reads each file (PEM or DER) and checks every certificate in it parses as a CA certificate. */
export async function readCaCertificates(paths: string[], field: string): Promise<Uint8Array[]> {
  const ders: Uint8Array[] = [];
  for (const path of paths) {
    const found = await readCertificateFile(path, field);
    for (const der of found) {
      try {
        await pinCa(der);
      } catch (error) {
        throw new ConfigError(`${field}: ${path} is not an X.509 certificate: ${(error as Error).message}`);
      }
    }
    ders.push(...found);
  }
  return ders;
}

/** Reads a file holding exactly one X.509 certificate (PEM or DER) into DER. */
export async function readOneCertificate(path: string, field: string): Promise<Uint8Array> {
  const found = await readCertificateFile(path, field);
  check(
    found.length === 1,
    field,
    `${path} holds ${found.length} certificates; give a file with exactly one`,
  );
  const der = found[0]!;
  try {
    parseCertificate(der);
  } catch (error) {
    throw new ConfigError(`${field}: ${path} is not an X.509 certificate: ${(error as Error).message}`);
  }
  return der;
}

/**
 * The pinned CA certificates shipped with a Lambda function (the publisher's trust layer, mounted
 * under /opt by every function that needs it): read at cold start by the publish and health
 * handlers alike.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CERTIFICATE_FILE_NAME, certificatesInFile } from '../core/pki/certificate-file.ts';

export class TrustDirectoryError extends Error {
  override name = 'TrustDirectoryError';
}

/** Every certificate file (PEM or DER) in the trust directory shipped with the function. */
export async function readTrustDirectory(dir: string): Promise<Uint8Array[]> {
  const ders: Uint8Array[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!CERTIFICATE_FILE_NAME.test(name)) continue;
    ders.push(...certificatesInFile(new Uint8Array(await readFile(join(dir, name)))));
  }
  if (ders.length === 0) throw new TrustDirectoryError(`no pinned CA certificate in ${dir}`);
  return ders;
}

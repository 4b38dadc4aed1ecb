/**
 * Certificate files named on the command line (`--trust`, `--sentinel`): each failure is one line
 * naming the file, what it holds instead, and the fix.
 */
import { readFile } from 'node:fs/promises';
import * as pkijs from 'pkijs';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { caCertificateProblem, isCa } from '../lambda/core/pki/ca-constraints.ts';
import { certificatesInFile } from '../lambda/core/pki/certificate-file.ts';
import { formatName, pinCa } from '../lambda/core/pki/trust-store.ts';
import { decodeDer } from '../lambda/core/pki/x509.ts';
import { classifyContent, type ContentClass } from '../lambda/core/publish/classify-content.ts';
import { formatFingerprint } from '../lambda/core/publish/repository-index.ts';

const WHAT_IT_IS: Readonly<Record<Exclude<ContentClass['type'], 'unrecognised'>, string>> = {
  // RFC 7468 §5.1: only the label CERTIFICATE; "X509 CERTIFICATE" is a legacy one.
  certificate: 'a certificate under a PEM label other than CERTIFICATE',
  crl: 'a CRL',
  'ocsp-response': 'an OCSP response',
  'cms-signature': 'a CMS signature',
  pdf: 'a PDF document',
  'private-key': 'private key material',
};

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

/** A certificate as read from a file: its bytes and their decoding. */
interface CertificateInFile {
  der: Uint8Array;
  certificate: pkijs.Certificate;
}

async function readCertificates(path: string, flag: string): Promise<CertificateInFile[]> {
  const fix = `give ${flag === '--trust' ? "the CA's certificate" : 'a certificate'} file (PEM or DER)`;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new CliError(
      `cannot read ${flag} ${path}: ${READ_ERRORS[code] ?? (code || String(error))}: ${fix}`,
      { cause: error },
    );
  }
  const notACertificate = (content: Uint8Array): CliError => {
    const found = classifyContent(content);
    const what = found.type === 'unrecognised' ? found.reason : WHAT_IT_IS[found.type];
    return new CliError(`${flag} ${path} is not a certificate (${what}): ${fix}`);
  };
  const ders = certificatesInFile(bytes);
  if (ders.length === 0) throw notACertificate(bytes);
  return ders.map((der) => {
    if (classifyContent(der).type !== 'certificate') throw notACertificate(der);
    try {
      return {
        der,
        certificate: decodeDer(der, 'certificate', (schema) => new pkijs.Certificate({ schema })),
      };
    } catch (error) {
      throw new CliError(`${flag} ${path}: ${(error as Error).message}: ${fix}`, { cause: error });
    }
  });
}

/** Reads certificate files (PEM with any number of certificates, or DER) into DER. */
export async function readCertificateFiles(paths: readonly string[], flag: string): Promise<Uint8Array[]> {
  const ders: Uint8Array[] = [];
  for (const path of paths) ders.push(...(await readCertificates(path, flag)).map((c) => c.der));
  return ders;
}

/**
 * The pinned CA certificates of `--trust` (at least one). Each must be a CA certificate: a leaf
 * pinned by mistake would otherwise be taken silently and every OCSP response and CRL then
 * refused with a reason that points elsewhere.
 */
export async function readTrustFiles(paths: readonly string[]): Promise<Uint8Array[]> {
  if (paths.length === 0) throw new CliError('at least one --trust CA_CERT is required');
  const ders: Uint8Array[] = [];
  for (const path of paths) {
    for (const { der, certificate } of await readCertificates(path, '--trust')) {
      const problem = caCertificateProblem(certificate, 'required');
      if (problem) {
        const fix = isCa(certificate)
          ? 'reissue it with keyUsage keyCertSign, cRLSign (RFC 5280 §4.2.1.3)'
          : `give the certificate of its issuer "${formatName(certificate.issuer)}" instead (RFC 5280 §4.2.1.9)`;
        throw new CliError(
          `--trust ${path}: "${formatName(certificate.subject)}" ${problem}, so it cannot be pinned: ${fix}`,
        );
      }
      ders.push(der);
    }
  }
  return ders;
}

/** One line per pinned CA: subject and SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
export async function describePinnedCas(ders: readonly Uint8Array[]): Promise<string[]> {
  return Promise.all(
    ders.map(async (der) => {
      const ca = await pinCa(der);
      return `${ca.subject}  SHA-256 ${formatFingerprint(ca.fingerprints.sha256)}`;
    }),
  );
}

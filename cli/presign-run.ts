/**
 * `ca-repo presign`: reads the files the options name, opens the signing keys (a key file or a
 * PKCS#11 token), checks who may sign, runs the pre-signer and prints its summary.
 */
import { readFile } from 'node:fs/promises';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { EXIT } from '../lambda/core/contract/exit-codes.ts';
import { certificatesInFile } from '../lambda/core/pki/certificate-file.ts';
import {
  MAX_OCSP_VALIDITY_MS,
  ocspNextUpdate,
  ocspValidityProblem,
  parseDuration,
} from '../lambda/core/ocsp/presign-schedule.ts';
import { openPkcs11Signers, readPin } from '../onprem/presign/pkcs11-signer.ts';
import { presign, type PresignSummary } from '../onprem/presign/presign.ts';
import { FileKeySigner, type Signer } from '../onprem/presign/signer.ts';
import {
  caAsResponder,
  caIdentity,
  delegatedResponder,
  SigningIdentityError,
} from '../onprem/presign/signing-identity.ts';
import { StatusSourceError } from '../onprem/presign/status-source.ts';
import { CrlPlanError } from '../onprem/presign/partition-crls.ts';

export interface PresignCliOptions {
  ca: string;
  index?: string;
  statusCsv?: string;
  out: string;
  key?: string;
  pkcs11Module?: string;
  pkcs11Token?: string;
  pkcs11Key?: string;
  pkcs11PinEnv: string;
  pkcs11PinFile?: string;
  responderCert?: string;
  responderKey?: string;
  pkcs11ResponderKey?: string;
  certs?: string;
  validity: string;
  crl: string;
  crlValidity: string;
  state?: string;
  json?: boolean;
}

async function readNamed(path: string, flag: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new CliError(
      `${flag} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

async function readCertificate(path: string, flag: string): Promise<Uint8Array> {
  const [der] = certificatesInFile(await readNamed(path, flag));
  if (!der) throw new CliError(`${flag} ${path} holds no certificate`);
  return der;
}

function duration(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new CliError(`${flag} ${JSON.stringify(text)} is not a duration such as 4d, 36h or 90m`);
  return ms;
}

/** Opens the CA's signer and the responder's (when a delegated responder signs), from files or a token. */
async function openSigners(
  options: PresignCliOptions,
): Promise<{ ca: Signer; responder?: Signer; close(): Promise<void> }> {
  const pkcs11 = options.pkcs11Module !== undefined;
  if (pkcs11 === (options.key !== undefined))
    throw new CliError(
      'give the CA key as --key KEY_PEM or as --pkcs11-module LIB --pkcs11-token LABEL --pkcs11-key LABEL (one of them)',
    );
  if (options.responderCert && !options.responderKey && !options.pkcs11ResponderKey)
    throw new CliError(
      '--responder-cert needs its key: --responder-key KEY_PEM or --pkcs11-responder-key LABEL',
    );
  if (!options.responderCert && (options.responderKey || options.pkcs11ResponderKey))
    throw new CliError('a responder key needs its certificate: --responder-cert CERT');
  const opened: Signer[] = [];
  const close = async () => {
    for (const signer of opened) await signer.close();
  };
  try {
    let ca: Signer;
    let responder: Signer | undefined;
    if (pkcs11) {
      if (!options.pkcs11Token || !options.pkcs11Key)
        throw new CliError('--pkcs11-module needs --pkcs11-token LABEL and --pkcs11-key LABEL');
      const pin = await readPin({ env: options.pkcs11PinEnv, file: options.pkcs11PinFile });
      const labels = [options.pkcs11Key, ...(options.pkcs11ResponderKey ? [options.pkcs11ResponderKey] : [])];
      const signers = await openPkcs11Signers({
        module: options.pkcs11Module as string,
        token: options.pkcs11Token,
        pin,
        keyLabels: labels,
      });
      opened.push(...signers);
      [ca, responder] = signers as [Signer, Signer | undefined];
    } else {
      ca = FileKeySigner.fromPem(
        new TextDecoder().decode(await readNamed(options.key as string, '--key')),
        `--key ${options.key}`,
      );
      opened.push(ca);
    }
    if (options.responderKey) {
      responder = FileKeySigner.fromPem(
        new TextDecoder().decode(await readNamed(options.responderKey, '--responder-key')),
        `--responder-key ${options.responderKey}`,
      );
      opened.push(responder);
    } else if (options.pkcs11ResponderKey && !pkcs11) {
      throw new CliError('--pkcs11-responder-key needs --pkcs11-module and --pkcs11-token');
    }
    return { ca, ...(responder ? { responder } : {}), close };
  } catch (error) {
    await close();
    if (error instanceof CliError) throw error;
    throw new CliError((error as Error).message, { exitCode: EXIT.signing, cause: error });
  }
}

/** Runs presign; answers its summary (the caller prints it). */
export async function presignFromOptions(
  options: PresignCliOptions,
  warn: (message: string) => void,
): Promise<PresignSummary> {
  if (!options.index === !options.statusCsv)
    throw new CliError('give the status source as --index INDEX_TXT or --status-csv FILE (one of them)');
  const validityMs = duration(options.validity, '--validity');
  const validityProblem = ocspValidityProblem(validityMs);
  if (validityProblem) throw new CliError(`--validity ${options.validity} ${validityProblem}`);
  const crlValidityMs = duration(options.crlValidity, '--crl-validity');
  if (crlValidityMs <= 0 || crlValidityMs > MAX_OCSP_VALIDITY_MS)
    throw new CliError(
      `--crl-validity ${options.crlValidity} must be more than 0 and at most 10 days (BR §4.9.7)`,
    );
  const caDer = await readCertificate(options.ca, '--ca');
  const responderDer = options.responderCert
    ? await readCertificate(options.responderCert, '--responder-cert')
    : undefined;
  const now = new Date();
  const signers = await openSigners(options);
  try {
    const ca = await caIdentity(caDer, signers.ca);
    const responder =
      responderDer && signers.responder
        ? await delegatedResponder({
            der: responderDer,
            signer: signers.responder,
            ca,
            thisUpdate: now,
            lastNextUpdate: ocspNextUpdate(now, validityMs),
            warn,
          })
        : caAsResponder(ca);
    return await presign({
      ca,
      responder,
      source: options.index ? { index: options.index } : { csv: options.statusCsv as string },
      out: options.out,
      validityMs,
      crlPath: options.crl,
      crlValidityMs,
      ...(options.certs ? { certsDir: options.certs } : {}),
      ...(options.state ? { stateDir: options.state } : {}),
      now,
      warn,
    });
  } catch (error) {
    if (
      error instanceof SigningIdentityError ||
      error instanceof StatusSourceError ||
      error instanceof CrlPlanError
    )
      throw new CliError(error.message, { cause: error });
    if (error instanceof CliError) throw error;
    throw new CliError(`presign failed: ${(error as Error).message}`, {
      exitCode: EXIT.signing,
      cause: error,
    });
  } finally {
    await signers.close();
  }
}

export function formatSummary(summary: PresignSummary): string {
  const lines = [
    `${summary.out}: ${summary.signed.good} good and ${summary.signed.revoked} revoked responses signed (thisUpdate ${summary.thisUpdate}, nextUpdate ${summary.nextUpdate})`,
  ];
  if (summary.resumed) lines.push(`  ${summary.resumed} kept from the killed run this one resumed`);
  if (summary.notDue) lines.push(`  ${summary.notDue} not due yet (--state)`);
  if (summary.carriedOver) lines.push(`  ${summary.carriedOver} kept from the unpublished previous bundle`);
  if (summary.expired) lines.push(`  ${summary.expired} expired and not revoked: no response`);
  for (const crl of summary.crls)
    lines.push(
      `  CRL ${crl.path}: number ${crl.crlNumber}, ${crl.entries} entries${crl.droppedExpired ? `, ${crl.droppedExpired.length} expired left with their certificates as evidence` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

export async function runPresign(options: PresignCliOptions): Promise<number> {
  const summary = await presignFromOptions(options, (message) =>
    process.stderr.write(`warning: ${message}\n`),
  );
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  return EXIT.ok;
}

/**
 * `ca-repo health`: probe a repository once as a relying party would, print a verdict per
 * endpoint, and append the run to a ledger when one is given. The scheduled Lambda runs the same
 * probe service every minute in AWS.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpClient } from '../lambda/adapters/node-http-client.ts';
import { DirectoryObjectStore } from '../lambda/storage/directory-object-store.ts';
import { S3ObjectStore } from '../lambda/storage/s3-object-store.ts';
import { systemClock } from '../lambda/adapters/system-clock.ts';
import type { ProbeRun } from '../lambda/core/health/health-record.ts';
import type { HealthThresholds } from '../lambda/core/health/health-thresholds.ts';
import { CERT_ID_HASHES, CERT_STATUSES } from '../lambda/core/ocsp/cert-id.ts';
import { checkSentinel, SentinelError, type Sentinel } from '../lambda/core/health/sentinel.ts';
import { TrustStore } from '../lambda/core/pki/trust-store.ts';
import { runHealthCheck } from '../lambda/services/health/health-check.ts';
import { HealthLedger } from '../lambda/services/health/health-ledger.ts';
import { HealthConfigError, HealthProbe } from '../lambda/services/health/health-probe.ts';
import type { ObjectStore } from '../lambda/services/ports.ts';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { readCertificateFiles, readTrustFiles } from './trust-files.ts';

export interface HealthOptions {
  repoUrls: string[];
  trust: string[];
  /** `CERT:ISSUER:STATUS[:HASH]` */
  sentinels: string[];
  ocspUrl?: string;
  /** A directory, or `s3://bucket` (credentials from the standard AWS chain). */
  ledger?: string;
  thresholds: Partial<HealthThresholds>;
  json?: boolean;
}

/** Parses `CERT:ISSUER:STATUS[:HASH]` (certificate and issuer files in PEM or DER, one certificate each). */
export async function readSentinel(spec: string): Promise<Sentinel> {
  const parts = spec.split(':');
  const hashAlgorithm = (CERT_ID_HASHES as readonly string[]).includes(parts.at(-1) ?? '')
    ? parts.pop()
    : undefined;
  const expectedStatus = parts.pop() ?? '';
  if (!(CERT_STATUSES as readonly string[]).includes(expectedStatus) || parts.length !== 2) {
    throw new CliError(
      `--sentinel ${spec}: expected CERT:ISSUER:STATUS[:HASH] with STATUS one of ${CERT_STATUSES.join(', ')} and HASH one of ${CERT_ID_HASHES.join(', ')} (paths without ':')`,
    );
  }
  const [certificateFile, issuerFile] = parts as [string, string];
  try {
    return await checkSentinel(
      {
        certificate: await readCertificateFiles([certificateFile], '--sentinel'),
        issuer: await readCertificateFiles([issuerFile], '--sentinel'),
        expectedStatus,
        hashAlgorithm,
      },
      { certificateName: certificateFile, issuerName: issuerFile },
    );
  } catch (error) {
    if (error instanceof SentinelError) throw new CliError(`--sentinel ${spec}: ${error.message}`);
    throw error;
  }
}

/** The ledger's store: `s3://bucket` or a local directory. */
export function openLedgerStore(location: string): ObjectStore {
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?$/.exec(location);
  if (s3) return new S3ObjectStore({ client: new S3Client({}), bucket: s3[1]! });
  if (location.startsWith('s3://'))
    throw new CliError(`--ledger ${location}: use s3://BUCKET (records live under ledger/)`);
  return new DirectoryObjectStore(location);
}

export function formatRun(run: ProbeRun): string {
  const width = Math.max(...run.results.map((r) => r.check.length), 5);
  return run.results
    .map(
      (r) =>
        `${r.outcome === 'ok' ? 'ok  ' : 'FAIL'}  ${r.check.padEnd(width)}  ${String(r.latencyMs).padStart(5)} ms  ${r.target}\n${' '.repeat(width + 8)}${r.detail}`,
    )
    .join('\n');
}

export async function createProbe(options: {
  repoUrls: string[];
  trust: Uint8Array[];
  sentinels: Sentinel[];
  ocspUrl?: string;
  thresholds: Partial<HealthThresholds>;
}): Promise<HealthProbe> {
  try {
    return await HealthProbe.create({
      http: new NodeHttpClient(),
      clock: systemClock,
      trust: await TrustStore.fromDer(options.trust),
      repositoryUrls: options.repoUrls,
      ocspUrl: options.ocspUrl,
      sentinels: options.sentinels,
      thresholds: options.thresholds,
    });
  } catch (error) {
    if (error instanceof HealthConfigError || error instanceof RangeError) throw new CliError(error.message);
    throw error;
  }
}

export async function runHealth(options: HealthOptions): Promise<number> {
  if (options.repoUrls.length === 0)
    throw new CliError('health needs --repo URL (repeat it for http and https)');
  const sentinels: Sentinel[] = [];
  for (const spec of options.sentinels) sentinels.push(await readSentinel(spec));
  const probe = await createProbe({
    repoUrls: options.repoUrls,
    trust: await readTrustFiles(options.trust),
    sentinels,
    ocspUrl: options.ocspUrl,
    thresholds: options.thresholds,
  });
  const ledger = options.ledger ? new HealthLedger({ store: openLedgerStore(options.ledger) }) : undefined;
  const { run, appended, ledgerError } = await runHealthCheck({ probe, ledger, clock: systemClock });
  const failed = run.results.filter((r) => r.outcome !== 'ok').length;
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ run, ledger: appended && { key: appended.key, sequence: appended.record.sequence, hash: appended.record.hash } }, null, 2)}\n`,
    );
  } else {
    console.log(formatRun(run));
    console.log(`\n${run.results.length - failed} ok, ${failed} failed`);
    if (appended) {
      console.log(
        `ledger: record #${appended.record.sequence} ${appended.key} (SHA-256 ${appended.record.hash})`,
      );
    }
    if (sentinels.length === 0) console.log('note: no --sentinel given, so OCSP was not probed');
  }
  if (ledgerError !== undefined) {
    throw new CliError(
      `the run was probed but not recorded in --ledger ${options.ledger}: ${(ledgerError as Error)?.message ?? String(ledgerError)}`,
    );
  }
  return failed === 0 ? 0 : 1;
}

import { REPLICA_BUCKET, startLocalRepository } from '../lambda/local/local-repository.ts';
import { DEFAULT_OCSP_PATH_PREFIX, parseOcspPathPrefix } from '../lambda/core/ocsp/ocsp-path.ts';
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { describePinnedCas, readTrustFiles } from './trust-files.ts';
import { CLI } from './invocation.ts';
import { formatRun, readSentinel } from './health-command.ts';
import type { Sentinel } from '../lambda/core/health/sentinel.ts';
import { parsePublicBaseUrl } from '../lambda/core/publish/public-urls.ts';
import { readCaPolicySpecs } from './ca-policy-spec.ts';

export async function runLocal(options: {
  trust: string[];
  port: number;
  dataDir: string;
  title?: string;
  replica?: boolean;
  ocspPathPrefix?: string;
  /** Run the health checker every this many seconds (ledger under `<data>/health-ledger`). */
  healthIntervalSeconds?: number;
  /** `CERT:ISSUER:STATUS[:HASH]` specs of OCSP sentinel certificates for the health checker. */
  sentinels?: string[];
  /** Public base URLs relying parties use; default the local address. */
  publicUrls?: string[];
  /** `CA_CERT:PROFILE:SCOPE[:retired[=EXPIRY]]` specs (cli/ca-policy-spec.ts). */
  caPolicies?: string[];
}): Promise<number> {
  let ocspPathPrefix: string;
  try {
    ocspPathPrefix = parseOcspPathPrefix(options.ocspPathPrefix ?? DEFAULT_OCSP_PATH_PREFIX, {
      wholeHost: true,
    });
  } catch (error) {
    throw new CliError(`--ocsp-path: ${(error as Error).message}`);
  }
  const sentinels: Sentinel[] = [];
  for (const spec of options.sentinels ?? []) sentinels.push(await readSentinel(spec));
  if (sentinels.length > 0 && options.healthIntervalSeconds === undefined) {
    throw new CliError('--sentinel needs --health-interval SECONDS');
  }
  let publicBaseUrls: string[];
  try {
    publicBaseUrls = [...new Set((options.publicUrls ?? []).map(parsePublicBaseUrl))];
  } catch (error) {
    throw new CliError(`--public-url: ${(error as Error).message}`);
  }
  const caPolicies = await readCaPolicySpecs(options.caPolicies ?? []);
  const trust = await readTrustFiles(options.trust);
  for (const ca of await describePinnedCas(trust)) console.log(`ca-repo local: pinned CA ${ca}`);
  const repository = await startLocalRepository({
    port: options.port,
    dataDir: options.dataDir,
    trust,
    title: options.title,
    replica: options.replica,
    ocspPathPrefix,
    publicBaseUrls,
    caPolicies,
    onReceipt: (receipt) =>
      console.log(
        `bundle ${receipt.bundleId}: ${receipt.status}, ${receipt.accepted.length} accepted, ${receipt.rejected.length} rejected`,
      ),
    ...(options.healthIntervalSeconds !== undefined
      ? {
          healthCheck: {
            intervalSeconds: options.healthIntervalSeconds,
            sentinels,
            onOutcome: ({ run, appended }) => {
              const failed = run.results.filter((r) => r.outcome !== 'ok');
              console.log(
                `health: ${run.results.length - failed.length} ok, ${failed.length} failed${appended ? ` (ledger record #${appended.record.sequence})` : ''}`,
              );
              if (failed.length > 0) console.log(formatRun({ ...run, results: failed }).replace(/^/gm, '  '));
            },
          },
        }
      : {}),
  });
  console.log(
    `ca-repo local: serving ${repository.url}/ (ingest S3 at ${repository.s3.endpoint}); Ctrl-C to stop`,
  );
  console.log(`ca-repo local: public base URL ${repository.publicBaseUrls.join(', ')}`);
  console.log(
    `ca-repo local: OCSP at ${repository.url}${ocspPathPrefix} (GET ${ocspPathPrefix === '/' ? '' : ocspPathPrefix}/<request>, POST)${
      options.replica ? `; replica bucket ${REPLICA_BUCKET} behind an origin group` : ''
    }`,
  );
  if (repository.health) {
    console.log(
      `ca-repo local: health checker every ${options.healthIntervalSeconds} s, ledger ${repository.health.ledgerDir} (${CLI} report --ledger ${repository.health.ledgerDir} --out DIR)`,
    );
  }
  await waitForSignal();
  await repository.close();
  return 0;
}

export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/**
 * `npm run demo`: the main job on one machine. A demo CA on local disk stands in for the on-prem
 * CA (its keys never enter the bundle), a local repository stands in for AWS, and the uploader
 * publishes exactly as it would to the cloud. The demo then checks what is served with the same
 * openssl commands it prints for a relying party.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { OpensslCa, loadIssuedCert, type IssuedCert } from '../testkit/openssl-ca.ts';
import { makePdf, signPdfEmbedded } from '../testkit/pdf.ts';
import { S3ObjectStore } from '../lambda/storage/s3-object-store.ts';
import { INGEST_BUCKET, startLocalRepository } from '../lambda/local/local-repository.ts';
import { formatResult, publishBundle } from '../onprem/uploader.ts';
import { waitForSignal } from './local-command.ts';
import { DirectoryObjectStore } from '../lambda/storage/directory-object-store.ts';
import { systemClock } from '../lambda/adapters/system-clock.ts';
import { runHealthCheck } from '../lambda/services/health/health-check.ts';
import { HealthLedger } from '../lambda/services/health/health-ledger.ts';
import { createProbe, formatRun } from './health-command.ts';
import { CLI } from './invocation.ts';
import { presignFromOptions } from './presign-run.ts';
import { DEFAULT_PKCS11_PIN_ENV } from '../lambda/core/contract/presign-environment.ts';
import { writeHealthReport } from './report-command.ts';

export interface DemoOptions {
  port: number;
  dataDir: string;
  /** Exit after publishing and checking instead of serving until Ctrl-C (CI smoke test). */
  once?: boolean;
}

export interface DemoCa {
  ca: OpensslCa;
  good: IssuedCert;
  revoked: IssuedCert;
  bundleDir: string;
  /** The CA (and its certificates) came from an earlier run on the same data directory. */
  reused: boolean;
}

/** What a run leaves in the CA directory so that the next run on the same data reuses it. */
interface DemoState {
  baseUrl: string;
  certificates: Record<'good' | 'revoked' | 'signer', { certPath: string; keyPath: string }>;
}

const STATE_FILE = 'demo-state.json';

async function readDemoState(caDir: string): Promise<DemoState | undefined> {
  try {
    return JSON.parse(await readFile(join(caDir, STATE_FILE), 'utf8')) as DemoState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The demo CA with a good and a revoked certificate and a document signer: the ones an earlier
 * run left in `caDir` when their URLs name the same repository, otherwise new ones. A new CA is
 * made only when the directory holds none, so a re-run keeps the CA that relying parties and the
 * health ledger already know.
 */
async function openOrCreateCa(
  caDir: string,
  baseUrl: string,
): Promise<{ ca: OpensslCa; good: IssuedCert; revoked: IssuedCert; signer: IssuedCert; reused: boolean }> {
  const state = await readDemoState(caDir);
  if (state?.baseUrl === baseUrl) {
    const load = (name: keyof DemoState['certificates']) =>
      loadIssuedCert(state.certificates[name].certPath, state.certificates[name].keyPath);
    return {
      ca: await OpensslCa.open(caDir),
      good: await load('good'),
      revoked: await load('revoked'),
      signer: await load('signer'),
      reused: true,
    };
  }
  // A CA from a run on another port (or from an older demo without a state file) is kept; leaves
  // naming other URLs are not, so new ones are issued.
  const reused =
    state !== undefined || (await stat(join(caDir, 'ca.crt')).catch(() => undefined)) !== undefined;
  const ca = reused
    ? await OpensslCa.open(caDir)
    : await OpensslCa.create({
        dir: caDir,
        commonName: 'ca-repo Demo Root CA',
        organization: 'ca-repo demo',
      });
  const urls = {
    caIssuersUrl: `${baseUrl}/ca/demo-root.crt`,
    crlUrl: `${baseUrl}/crl/demo-root.crl`,
    ocspUrl: `${baseUrl}/ocsp`,
  };
  const good = await ca.issue({ commonName: 'good.demo.example', profile: 'tls-server', ...urls });
  const revoked = await ca.issue({ commonName: 'revoked.demo.example', profile: 'tls-server', ...urls });
  await ca.revoke(revoked, { reason: 'keyCompromise' });
  const signer = await ca.issue({ commonName: 'ca-repo Demo Document Signer', profile: 'document-signing' });
  const paths = (cert: IssuedCert) => ({ certPath: cert.certPath, keyPath: cert.keyPath });
  const newState: DemoState = {
    baseUrl,
    certificates: { good: paths(good), revoked: paths(revoked), signer: paths(signer) },
  };
  await writeFile(join(caDir, STATE_FILE), `${JSON.stringify(newState, null, 2)}\n`);
  return { ca, good, revoked, signer, reused };
}

/**
 * The demo CA (reused from an earlier run on `dataDir` when there is one) and the bundle it pushes:
 * certificate, CRL and OCSP responses (one per certificate, SHA-1 and SHA-256 CertIDs) signed by
 * `ca-repo presign` from the CA's index.txt as an operator runs it, CP/CPS.
 */
export async function createDemoCa(dataDir: string, baseUrl: string): Promise<DemoCa> {
  const caDir = join(dataDir, 'onprem-ca');
  const bundleDir = join(dataDir, 'bundle');
  const { ca, good, revoked, signer, reused } = await openOrCreateCa(caDir, baseUrl);
  await rm(bundleDir, { recursive: true, force: true }); // only this run's files are pushed

  await presignFromOptions(
    {
      ca: ca.cert.certPath,
      index: join(caDir, 'index.txt'),
      out: bundleDir,
      key: ca.cert.keyPath,
      pkcs11PinEnv: DEFAULT_PKCS11_PIN_ENV,
      validity: '4d',
      crl: 'crl/demo-root.crl',
      crlValidity: '7d',
    },
    (message) => process.stderr.write(`warning: ${message}\n`),
  );
  const files: Record<string, Uint8Array> = { 'ca/demo-root.crt': ca.cert.certDer };
  const cps = makePdf({
    title: 'ca-repo Demo CA - Certification Practice Statement',
    lines: [
      'Certification Practice Statement, version 1.0',
      'Signed with a detached CMS signature (cps.pdf.p7s).',
    ],
  });
  files['policy/cps.pdf'] = cps;
  files['policy/cps.pdf.p7s'] = await ca.signDetached(cps, signer);
  files['policy/cp.pdf'] = await signPdfEmbedded(
    makePdf({
      title: 'ca-repo Demo CA - Certificate Policy',
      lines: ['Certificate Policy, version 1.0', 'Signed with an embedded PAdES signature.'],
    }),
    signer,
  );
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(join(bundleDir, path, '..'), { recursive: true });
    await writeFile(join(bundleDir, path), bytes);
  }
  return { ca, good, revoked, bundleDir, reused };
}

/** A free loopback port, so `--port 0` still gives certificates a URL that works. */
async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  await new Promise((done) => server.close(done));
  return port;
}

interface Check {
  what: string;
  command: string[];
  expect: RegExp;
}

/** The commands a relying party runs, which the demo runs too before it says it is ready. */
function relyingPartyChecks(baseUrl: string, demo: DemoCa, workDir: string): Check[] {
  const caCert = demo.ca.cert.certPath;
  const fetched = (name: string) => join(workDir, name);
  return [
    {
      what: 'CA certificate fingerprint (compare with index.json)',
      command: [
        'sh',
        '-c',
        `curl -fsS ${baseUrl}/ca/demo-root.crt | openssl x509 -inform DER -noout -subject -fingerprint -sha256`,
      ],
      expect: /sha256 Fingerprint=/i,
    },
    {
      what: 'CRL signature and dates',
      command: [
        'sh',
        '-c',
        `curl -fsS -o ${fetched('demo-root.crl')} ${baseUrl}/crl/demo-root.crl && openssl crl -inform DER -in ${fetched('demo-root.crl')} -CAfile ${caCert} -noout -crlnumber -lastupdate -nextupdate`,
      ],
      expect: /verify OK/,
    },
    {
      what: 'CP/CPS detached signature',
      command: [
        'sh',
        '-c',
        `curl -fsS -o ${fetched('cps.pdf')} ${baseUrl}/policy/cps.pdf && curl -fsS -o ${fetched('cps.pdf.p7s')} ${baseUrl}/policy/cps.pdf.p7s && openssl cms -verify -binary -inform DER -in ${fetched('cps.pdf.p7s')} -content ${fetched('cps.pdf')} -CAfile ${caCert} -purpose any -out /dev/null`,
      ],
      expect: /Verification successful/,
    },
    {
      what: 'OCSP by POST (openssl ocsp, with its default nonce): good',
      command: [
        'sh',
        '-c',
        `openssl ocsp -issuer ${caCert} -cert ${demo.good.certPath} -url ${baseUrl}/ocsp -CAfile ${caCert}`,
      ],
      expect: /: good[\s\S]*Response verify OK|Response verify OK[\s\S]*: good/,
    },
    {
      what: 'OCSP by POST: revoked',
      command: [
        'sh',
        '-c',
        `openssl ocsp -issuer ${caCert} -cert ${demo.revoked.certPath} -url ${baseUrl}/ocsp -CAfile ${caCert} -no_nonce`,
      ],
      expect: /: revoked/,
    },
    {
      what: 'OCSP by GET (RFC 6960 A.1, as Java and browsers send it) through the edge function',
      command: [
        'sh',
        '-c',
        `openssl ocsp -issuer ${caCert} -sha256 -cert ${demo.good.certPath} -no_nonce -reqout ${fetched('req.der')} && curl -fsS -o ${fetched('resp.der')} "${baseUrl}/ocsp/$(base64 -w0 ${fetched('req.der')})" && openssl ocsp -respin ${fetched('resp.der')} -issuer ${caCert} -sha256 -cert ${demo.good.certPath} -CAfile ${caCert} -no_nonce`,
      ],
      expect: /: good/,
    },
    {
      what: 'HTTP headers of the CRL',
      command: ['curl', '-fsSI', `${baseUrl}/crl/demo-root.crl`],
      expect: /content-type: application\/pkix-crl/i,
    },
  ];
}

async function runCheck(check: Check): Promise<{ ok: boolean; output: string }> {
  const { execFile } = await import('node:child_process');
  return new Promise((done) => {
    execFile(check.command[0]!, check.command.slice(1), { timeout: 20_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      done({ ok: !error && check.expect.test(output), output });
    });
  });
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const port = options.port === 0 ? await findFreePort() : options.port;
  const baseUrl = `http://127.0.0.1:${port}`;

  const caDir = join(dataDir, 'onprem-ca');
  console.log(`1. The demo CA in ${caDir} (stands in for the on-prem CA; keys stay there)`);
  const demo = await createDemoCa(dataDir, baseUrl);
  console.log(
    demo.reused
      ? `   Reusing the CA an earlier run left in ${dataDir} (${demo.ca.cert.certPath}); its health ledger continues. Delete ${dataDir} to start afresh.`
      : `   Created a new CA: ${demo.ca.cert.certPath}`,
  );

  console.log(
    `2. Starting the local repository at ${baseUrl}/ (embedded S3 server, same publish code as the Lambda)`,
  );
  const repository = await startLocalRepository({
    port,
    dataDir: join(dataDir, 'repository'),
    trust: [demo.ca.cert.certDer],
    title: 'ca-repo Demo CA repository',
  });
  try {
    console.log(`3. Publishing ${demo.bundleDir} (${CLI} publish ${demo.bundleDir} --repo ${baseUrl})`);
    const ingest = new S3ObjectStore({ client: repository.s3.client, bucket: INGEST_BUCKET });
    const { receipt, ...result } = await publishBundle({
      bundleDir: demo.bundleDir,
      repoUrl: baseUrl,
      ingest,
    });
    process.stdout.write(`${formatResult(result, receipt).trimEnd().replace(/^/gm, '   ')}\n`);
    if (result.rejected.length > 0) return 1;

    const workDir = join(dataDir, 'relying-party');
    await mkdir(workDir, { recursive: true });
    console.log('4. Checking what is served, as a relying party would:');
    let failures = 0;
    for (const check of relyingPartyChecks(baseUrl, demo, workDir)) {
      const { ok, output } = await runCheck(check);
      if (!ok) failures++;
      const shown = check.command[0] === 'sh' ? check.command.at(-1) : check.command.join(' ');
      console.log(`   ${ok ? 'ok  ' : 'FAIL'} ${check.what}\n     $ ${shown}`);
      if (!ok) console.log(output.replace(/^/gm, '       '));
    }
    failures += await runHealthStep(baseUrl, demo, dataDir, options.once === true);
    if (options.once) {
      // The repository stops with this process: print no URL or command that needs it running.
      console.log(`
The local repository has stopped (--once). Its data stays in ${join(dataDir, 'repository')}; serve it again with
  ${CLI} local --trust ${demo.ca.cert.certPath} --port ${port} --data ${join(dataDir, 'repository')}
(the checks above then answer again), or run the demo again without --once (it reuses this CA).`);
      return failures > 0 ? 1 : 0;
    }
    console.log(`
Repository:   ${baseUrl}/            (index.html; machine-readable ${baseUrl}/index.json)
CA cert:      ${baseUrl}/ca/demo-root.crt
CRL:          ${baseUrl}/crl/demo-root.crl
CP/CPS:       ${baseUrl}/policy/cps.pdf (+ .p7s), ${baseUrl}/policy/cp.pdf (embedded signature)
OCSP (AIA):   ${baseUrl}/ocsp   (POST, or GET ${baseUrl}/ocsp/<base64 request>)
Demo CA:      ${demo.ca.cert.certPath}
Certificates: ${demo.good.certPath} (good), ${demo.revoked.certPath} (revoked)
Publish again: ${CLI} publish ${demo.bundleDir} --repo ${baseUrl}`);
    if (failures > 0) {
      console.log(`\n${failures} relying-party check(s) failed.`);
      return 1;
    }
    console.log('\nServing until Ctrl-C.');
    await waitForSignal();
    return 0;
  } finally {
    await repository.close();
  }
}

/** Health probe runs the scheduled Lambda would make, recorded in a ledger, and the report on them. */
async function runHealthStep(baseUrl: string, demo: DemoCa, dataDir: string, once: boolean): Promise<number> {
  const runs = 3;
  const ledgerDir = join(dataDir, 'health-ledger');
  console.log(
    `5. Health checker: ${runs} probe runs as a relying party, recorded in the hash-chained ledger ${ledgerDir}`,
  );
  const probe = await createProbe({
    repoUrls: [baseUrl],
    trust: [demo.ca.cert.certDer],
    sentinels: [
      { certificate: demo.good.certDer, issuer: demo.ca.cert.certDer, expectedStatus: 'good' },
      { certificate: demo.revoked.certDer, issuer: demo.ca.cert.certDer, expectedStatus: 'revoked' },
    ],
    thresholds: {},
  });
  const ledger = new HealthLedger({ store: new DirectoryObjectStore(ledgerDir) });
  let failed = 0;
  for (let i = 1; i <= runs; i++) {
    const { run, appended, ledgerError } = await runHealthCheck({ probe, ledger, clock: systemClock });
    if (ledgerError !== undefined) throw ledgerError;
    const bad = run.results.filter((r) => r.outcome !== 'ok');
    failed += bad.length;
    console.log(
      `   run ${i}: ${run.results.length - bad.length} of ${run.results.length} probes passed (ledger record #${appended?.record.sequence})`,
    );
    if (bad.length > 0) console.log(formatRun({ ...run, results: bad }).replace(/^/gm, '       '));
  }
  const { report, files } = await writeHealthReport({
    store: new DirectoryObjectStore(ledgerDir),
    ledgerLocation: ledgerDir,
    outDir: join(dataDir, 'health-report'),
    sloPercent: 99.9,
    // a demo re-run on another port continues the ledger against another URL: report this one
    repository: baseUrl,
    now: systemClock.now(),
  });
  const reportAgain = `${CLI} report --ledger ${ledgerDir} --out ${join(dataDir, 'health-report')} --repository ${baseUrl}`;
  // With --once nothing listens at the repository afterwards: a health command would only fail.
  const probeAgain = `${CLI} health --repo ${baseUrl} --trust ${demo.ca.cert.certPath} --sentinel ${demo.good.certPath}:${demo.ca.cert.certPath}:good --ledger ${ledgerDir}`;
  console.log(`   availability ${report.slo.overallPercent} %, ledger chain ${report.chain.intact ? 'intact' : 'BROKEN'}
   Report:    ${files.html}
   Again:     ${once ? reportAgain : `${probeAgain}\n              ${reportAgain}`}`);
  return failed > 0 || !report.chain.intact ? 1 : 0;
}

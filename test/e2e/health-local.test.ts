/**
 * The health checker where operators meet it without AWS: the local repository's interval checker,
 * `ca-repo health` and `ca-repo report` as commands, with their exit codes.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../lambda/core/health/ledger.ts';
import { DirectoryObjectStore } from '../../lambda/storage/directory-object-store.ts';
import { startLocalRepository } from '../../lambda/local/local-repository.ts';
import type { HealthCheckOutcome } from '../../lambda/services/health/health-check.ts';
import { HealthLedger } from '../../lambda/services/health/health-ledger.ts';
import { runCommand } from '../../testkit/run-command.ts';
import { KEYS, startPublishedRepository, type PublishedRepository } from './health-fixture.ts';

let fixture: PublishedRepository;
let work: string;

beforeAll(async () => {
  fixture = await startPublishedRepository();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-health-cli-'));
});

afterAll(async () => {
  await fixture?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the local repository with a health interval', () => {
  it('probes itself on the interval into a verifiable ledger under its data directory', async () => {
    const outcomes: HealthCheckOutcome[] = [];
    const dataDir = join(work, 'interval');
    const repo = await startLocalRepository({
      port: 0,
      dataDir,
      trust: [fixture.pki.ca.cert.certDer],
      healthCheck: { intervalSeconds: 0.2, onOutcome: (outcome) => void outcomes.push(outcome) },
    });
    try {
      while (outcomes.length < 3) await new Promise((done) => setTimeout(done, 50));
    } finally {
      await repo.close();
    }
    expect(repo.health?.ledgerDir).toBe(join(dataDir, 'health-ledger'));
    // Nothing was published to this repository: it serves its empty index (never a 404).
    expect(outcomes[0]!.run.results).toEqual([
      expect.objectContaining({
        check: 'index',
        outcome: 'ok',
        detail: expect.stringMatching(/^0 CA certificate\(s\), 0 CRL\(s\), 0 document\(s\)/),
      }),
    ]);
    const entries = await new HealthLedger({
      store: new DirectoryObjectStore(repo.health!.ledgerDir),
    }).readEntries();
    const verification = await verifyLedger(entries);
    expect(verification.intact).toBe(true);
    expect(verification.records.length).toBeGreaterThanOrEqual(3);
  });
});

describe('ca-repo local --health-interval', () => {
  it('reports each run of the checker until stopped', async () => {
    const result = await runCommand(
      'node',
      [
        'bin/ca-repo.mjs',
        'local',
        '--trust',
        fixture.pki.ca.cert.certPath,
        '--port',
        '0',
        '--data',
        join(work, 'local-cli'),
        '--health-interval',
        '1',
        '--sentinel',
        `${fixture.pki.leaf.certPath}:${fixture.pki.ca.cert.certPath}:good`,
      ],
      // Stopped with SIGTERM after a few seconds, as Ctrl-C would (long enough for a cold start of
      // the CLI on a loaded machine to reach its first run).
      { timeoutMs: 10_000 },
    );
    expect(result.stdout).toMatch(/health checker every 1 s, ledger .*health-ledger/);
    // An empty repository: its empty index is served, no OCSP response is published, and each
    // run says so (the sentinel's OCSP URL falls back to /ocsp without an index entry).
    expect(result.stdout).toMatch(/^health: 1 ok, 2 failed \(ledger record #1\)$/m);
    expect(result.stdout).not.toMatch(/FAIL {2}index/);
    expect(result.stdout).toMatch(/FAIL {2}ocsp-post .*\n +responder answered unauthorized \(6\)/);
  });
});

describe('ca-repo health and ca-repo report', () => {
  const cli = (...args: string[]) => runCommand('node', ['bin/ca-repo.mjs', ...args]);
  const sentinel = () => `${fixture.pki.leaf.certPath}:${fixture.pki.ca.cert.certPath}:good`;

  it('exits 0 when every probe passes and records the run', async () => {
    const ledger = join(work, 'cli-ledger');
    const result = await cli(
      'health',
      '--repo',
      fixture.repo.url,
      '--trust',
      fixture.pki.ca.cert.certPath,
      '--sentinel',
      sentinel(),
      '--ledger',
      ledger,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok {4}index/m);
    expect(result.stdout).toMatch(/^ok {4}ocsp-post/m);
    // index, CA certificate, CRL, crl-urls.json and the CRL it lists, OCSP GET and POST, two documents
    expect(result.stdout).toMatch(/^9 ok, 0 failed$/m);
    expect(result.stdout).toMatch(
      /ledger: record #1 ledger\/\d{4}\/\d\d\/\d\d\/\d{8}T\d{6}Z-0000000001\.json/,
    );
  });

  it('exits 1 and prints the reason when a probe fails', async () => {
    await fixture.inject(KEYS.crl, (await fixture.store.get(KEYS.crl))!.body, { contentType: 'text/plain' });
    try {
      const result = await cli(
        'health',
        '--repo',
        fixture.repo.url,
        '--trust',
        fixture.pki.ca.cert.certPath,
        '--json',
      );
      expect(result.code).toBe(1);
      const { run } = JSON.parse(result.stdout);
      expect(run.results.find((r: { check: string }) => r.check === 'crl')).toMatchObject({
        outcome: 'fail',
        detail: expect.stringMatching(/Content-Type "text\/plain", expected application\/pkix-crl/),
      });
    } finally {
      await fixture.restoreAll();
    }
  });

  it('exits 2 on a malformed sentinel or a sentinel its issuer did not issue', async () => {
    const malformed = await cli(
      'health',
      '--repo',
      fixture.repo.url,
      '--trust',
      fixture.pki.ca.cert.certPath,
      '--sentinel',
      'a.crt:good',
    );
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--sentinel a\.crt:good: expected CERT:ISSUER:STATUS/);
    const wrongIssuer = await cli(
      'health',
      '--repo',
      fixture.repo.url,
      '--trust',
      fixture.pki.ca.cert.certPath,
      '--sentinel',
      `${fixture.pki.leaf.certPath}:${fixture.pki.other.cert.certPath}:good`,
    );
    expect(wrongIssuer.code).toBe(2);
    expect(wrongIssuer.stderr).toMatch(/sentinel: sentinel certificate .* is not issued by/);
  });

  it('writes the report files for the ledger it recorded', async () => {
    const out = join(work, 'report');
    const result = await cli('report', '--ledger', join(work, 'cli-ledger'), '--out', out, '--slo', '99.95');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/availability 100 % over 1 run\(s\) against SLO 99\.95 %: met/);
    expect((await readdir(out)).sort()).toEqual(['report.csv', 'report.html', 'report.json']);
    const bad = await cli(
      'report',
      '--ledger',
      join(work, 'cli-ledger'),
      '--out',
      out,
      '--from',
      'yesterday',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from yesterday is not an ISO 8601 time/);
  });
});

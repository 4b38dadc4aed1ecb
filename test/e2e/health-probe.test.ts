/**
 * The health probe against the local repository over real HTTP: a healthy repository passes every
 * check, and each fault injected behind the publish gate's back is recorded by the very next probe
 * run with a reason an operator can act on.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildOcspResponse } from '../../testkit/ocsp-response-builder.ts';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { NodeHttpClient } from '../../lambda/adapters/node-http-client.ts';
import { systemClock } from '../../lambda/adapters/system-clock.ts';
import { META } from '../../lambda/core/serving/cache-policy.ts';
import type { CheckName, ProbeResult, ProbeRun } from '../../lambda/core/health/health-record.ts';
import { normaliseSerialHex } from '../../lambda/core/pki/x509.ts';
import { HealthProbe, type HealthProbeOptions } from '../../lambda/services/health/health-probe.ts';
import { DAY, HOUR, shift } from '../../testkit/test-pki.ts';
import { KEYS, startPublishedRepository, type PublishedRepository } from './health-fixture.ts';

let fixture: PublishedRepository;
let baseline: ProbeRun;

async function probeOnce(
  overrides: Partial<HealthProbeOptions> = {},
  previous?: ProbeRun,
): Promise<ProbeRun> {
  const probe = await HealthProbe.create({
    http: new NodeHttpClient(),
    clock: systemClock,
    trust: fixture.pki.trust,
    repositoryUrls: [fixture.repo.url],
    sentinels: fixture.sentinels,
    ...overrides,
  });
  return probe.run(previous);
}

function only(run: ProbeRun, check: CheckName, targetPart = ''): ProbeResult {
  const matching = run.results.filter((r) => r.check === check && r.target.includes(targetPart));
  expect(matching, `${check} ${targetPart}`).toHaveLength(1);
  return matching[0]!;
}

/** The serial as probe targets print it (minimal hex, RFC 5280 §4.1.2.2). */
function serialOf(cert: IssuedCert): string {
  return normaliseSerialHex(cert.serialHex);
}

function failures(run: ProbeRun): string[] {
  return run.results.filter((r) => r.outcome === 'fail').map((r) => `${r.check} ${r.target}`);
}

/** A loopback HTTP proxy in front of the repository that can hold answers back. */
async function startProxy(
  upstream: string,
  delayMsFor: (path: string) => number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    setTimeout(
      () => {
        const forward = httpRequest(
          `${upstream}${req.url}`,
          { method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.on('error', () => res.destroy());
        req.pipe(forward);
      },
      delayMsFor(req.url ?? '/'),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

beforeAll(async () => {
  fixture = await startPublishedRepository();
  baseline = await probeOnce();
});

afterEach(async () => {
  fixture.repo.outage.primary.down = false;
  await fixture.restoreAll();
});

afterAll(async () => {
  await fixture?.close();
});

describe('a healthy repository', () => {
  it('passes every relying-party check, GET and POST OCSP included', () => {
    expect(failures(baseline)).toEqual([]);
    expect(baseline.results.map((r) => r.check)).toEqual([
      'index',
      'ca-certificate',
      'crl',
      // crl-urls.json and the CRL URL it discloses, fetched as CCADB does (every 4 hours at least)
      'crl-urls',
      'crl-urls',
      'ocsp-get',
      'ocsp-get',
      'ocsp-post',
      'ocsp-post',
      'document',
      'document',
    ]);
    const crl = only(baseline, 'crl');
    expect(crl.detail).toMatch(/CRL number 10 .* nextUpdate in 16\d\.\d h; max-age=900/);
    expect(crl.measures?.hoursToNextUpdate).toBeGreaterThan(160);
    const good = only(baseline, 'ocsp-get', serialOf(fixture.pki.leaf));
    expect(good.detail).toMatch(/^good \(sha1/);
    expect(good.measures?.ageHours).toBeLessThan(1);
    expect(only(baseline, 'ocsp-post', serialOf(fixture.pki.revokedLeaf)).detail).toMatch(/^revoked/);
    expect(only(baseline, 'document', 'cps.pdf').detail).toMatch(
      /detached signature by "CN=ca-repo Test Document Signer"/,
    );
    expect(only(baseline, 'document', 'cp.pdf').detail).toMatch(/embedded signature/);
    for (const result of baseline.results) expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe('each fault is recorded by the next probe run', () => {
  it('server down: every endpoint known from the last run fails with the connection error', async () => {
    const proxy = await startProxy(fixture.repo.url, () => 0);
    const before = await probeOnce({ repositoryUrls: [proxy.url] });
    expect(failures(before)).toEqual([]);
    await proxy.close();

    const run = await probeOnce({ repositoryUrls: [proxy.url] }, before);

    expect(run.results.map((r) => r.check).sort()).toEqual(before.results.map((r) => r.check).sort());
    for (const result of run.results) {
      expect(result.outcome, result.target).toBe('fail');
      expect(result.detail).toMatch(/connection failed: ECONNREFUSED/);
    }
  });

  it('storage down behind the CDN: nothing uncached is served, OCSP answers tryLater', async () => {
    fixture.repo.outage.primary.down = true;
    fixture.repo.cdn.invalidate(['/*']);

    const run = await probeOnce({}, baseline);

    expect(only(run, 'index').detail).toMatch(/HTTP 503/);
    expect(only(run, 'crl').outcome).toBe('fail');
    expect(only(run, 'ocsp-post', serialOf(fixture.pki.leaf)).detail).toMatch(/tryLater/);
    expect(run.results.every((r) => r.outcome === 'fail')).toBe(true);
  });

  it('CRL past nextUpdate', async () => {
    const now = new Date();
    const crl = await fixture.pki.ca.generateCrl({
      crlNumber: 100n,
      lastUpdate: shift(now, -8 * DAY),
      nextUpdate: shift(now, -HOUR),
    });
    await fixture.inject(KEYS.crl, crl, {
      metadata: {
        [META.thisUpdate]: shift(now, -8 * DAY).toISOString(),
        [META.nextUpdate]: shift(now, -HOUR).toISOString(),
      },
    });

    const result = only(await probeOnce(), 'crl');

    expect(result.outcome).toBe('fail');
    expect(result.detail).toMatch(/CRL expired: nextUpdate .* has passed/);
    expect(result.measures?.hoursToNextUpdate).toBeLessThan(0);
  });

  it('CRL below the nextUpdate margin (24 h by default)', async () => {
    const now = new Date();
    await fixture.inject(
      KEYS.crl,
      await fixture.pki.ca.generateCrl({
        crlNumber: 101n,
        lastUpdate: shift(now, -HOUR),
        nextUpdate: shift(now, 12 * HOUR),
      }),
      { metadata: { [META.nextUpdate]: shift(now, 12 * HOUR).toISOString() } },
    );

    const result = only(await probeOnce(), 'crl');

    expect(result.outcome).toBe('fail');
    expect(result.detail).toMatch(/only 1[12]\.\d h left before nextUpdate .* below the 24 h margin/);
    expect(result.measures?.hoursToNextUpdate).toBeCloseTo(12, 0);
  });

  it('CRL older than what index.json lists (a stale copy at the edge)', async () => {
    await fixture.inject(KEYS.crl, await fixture.pki.ca.generateCrl({ crlNumber: 9n }));

    expect(only(await probeOnce(), 'crl').detail).toMatch(
      /stale copy: serves CRL number 9 but index.json lists 10/,
    );
  });

  it('OCSP wrong status: the good sentinel answered revoked, by GET and by POST', async () => {
    const now = new Date();
    const { ca, leaf } = fixture.pki;
    const revoked = await buildOcspResponse({
      signerCertDer: ca.cert.certDer,
      signerKeyPem: ca.cert.keyPem,
      producedAt: now,
      responses: [
        {
          issuerCertDer: ca.cert.certDer,
          serialHex: leaf.serialHex,
          hash: 'sha1',
          status: 'revoked',
          revokedAt: shift(now, -HOUR),
          thisUpdate: now,
          nextUpdate: shift(now, 7 * DAY),
        },
      ],
    });
    await fixture.inject(fixture.ocspKeyOf(leaf.serialHex), revoked, {
      metadata: {
        [META.thisUpdate]: now.toISOString(),
        [META.nextUpdate]: shift(now, 7 * DAY).toISOString(),
      },
    });

    const run = await probeOnce();

    const serial = serialOf(leaf);
    for (const check of ['ocsp-get', 'ocsp-post'] as const) {
      expect(only(run, check, serial).detail).toMatch(/status revoked, expected good/);
    }
    expect(only(run, 'ocsp-get', serialOf(fixture.pki.revokedLeaf)).outcome).toBe('ok');
  });

  it('OCSP stale: a response past the BR §4.9.10 refresh deadline (4 days after thisUpdate)', async () => {
    const now = new Date();
    const { ca, leaf } = fixture.pki;
    const thisUpdate = shift(now, -5 * DAY);
    const stale = await buildOcspResponse({
      signerCertDer: ca.cert.certDer,
      signerKeyPem: ca.cert.keyPem,
      producedAt: thisUpdate,
      responses: [
        {
          issuerCertDer: ca.cert.certDer,
          serialHex: leaf.serialHex,
          hash: 'sha1',
          status: 'good',
          thisUpdate,
          nextUpdate: shift(now, 2 * DAY),
        },
      ],
    });
    await fixture.inject(fixture.ocspKeyOf(leaf.serialHex), stale, {
      metadata: {
        [META.thisUpdate]: thisUpdate.toISOString(),
        [META.nextUpdate]: shift(now, 2 * DAY).toISOString(),
      },
    });

    const result = only(await probeOnce(), 'ocsp-get', serialOf(leaf));

    expect(result.outcome).toBe('fail');
    expect(result.detail).toMatch(/stale: thisUpdate .* is 120\.\d h old, past the refresh deadline/);
    expect(result.measures?.ageHours).toBeCloseTo(120, 0);
  });

  it('wrong content type on the CRL', async () => {
    const served = await fixture.store.get(KEYS.crl);
    await fixture.inject(KEYS.crl, served!.body, { contentType: 'application/octet-stream' });

    expect(only(await probeOnce(), 'crl').detail).toMatch(
      /Content-Type "application\/octet-stream", expected application\/pkix-crl/,
    );
  });

  it('an answer slower than the timeout', async () => {
    const proxy = await startProxy(fixture.repo.url, (path) => (path.startsWith('/crl/') ? 1500 : 0));
    try {
      const run = await probeOnce({ repositoryUrls: [proxy.url], thresholds: { timeoutMs: 400 } });

      const crl = only(run, 'crl');
      expect(crl.outcome).toBe('fail');
      expect(crl.detail).toMatch(/no complete answer within 400 ms/);
      expect(crl.latencyMs).toBeGreaterThanOrEqual(390);
      expect(crl.latencyMs).toBeLessThan(1400);
      expect(failures(run)).toEqual([`crl ${proxy.url}/${KEYS.crl}`]);
    } finally {
      await proxy.close();
    }
  });

  it('fingerprint mismatch: another certificate served at the CA certificate URL', async () => {
    await fixture.inject(KEYS.ca, fixture.pki.rogue.cert.certDer);

    const result = only(await probeOnce(), 'ca-certificate');

    expect(result.outcome).toBe('fail');
    expect(result.detail).toMatch(
      /fingerprint mismatch: SHA-256 of the served bytes is [0-9A-F:]+, index.json publishes/,
    );
  });

  it('fingerprint mismatch: index.json publishes a fingerprint the served certificate does not have', async () => {
    const index = JSON.parse(Buffer.from((await fixture.store.get('index.json'))!.body).toString('utf8'));
    index.caCertificates[0].sha256 = 'ab'.repeat(32);
    await fixture.inject('index.json', new Uint8Array(Buffer.from(JSON.stringify(index))));

    expect(only(await probeOnce(), 'ca-certificate').detail).toMatch(
      /fingerprint mismatch: SHA-256 .* index.json publishes AB:AB:AB/,
    );
  });

  it('a CP/CPS changed after signing', async () => {
    const served = await fixture.store.get(KEYS.cps);
    const changed = new Uint8Array(served!.body);
    changed[changed.length - 10] = (changed[changed.length - 10] ?? 0) ^ 0x01;
    await fixture.inject(KEYS.cps, changed);

    const result = only(await probeOnce(), 'document', 'cps.pdf');

    expect(result.outcome).toBe('fail');
    expect(result.detail).toMatch(/SHA-256 of the served document .* differs from index.json/);
  });
});

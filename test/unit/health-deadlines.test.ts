/**
 * Faulted runs of the health probe against a fake repository (the test kit's openssl CA makes the
 * CRLs, the builder the OCSP responses): a CRL not reissued in time (7 days, 4 without OCSP, 12
 * months for an ARL; BR §4.9.7), a sentinel's OCSP response past its refresh point long before
 * nextUpdate (BR §4.9.10), an answer that never completes within the limit (BR §4.10.2) and a
 * disclosed CRL URL not verified for 4 hours (CCADB). Each raises its deadline in the result and
 * the DeadlineMissed metric its alarm reads (test/infra/health-checker.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaPolicy } from '../../lambda/core/publish/ca-policy.ts';
import { renderEmfLines } from '../../lambda/core/health/health-metrics.ts';
import type { HttpAnswer, ProbeRun } from '../../lambda/core/health/health-record.ts';
import { CONTENT_TYPES } from '../../lambda/core/serving/cache-policy.ts';
import type { HttpClient } from '../../lambda/services/health/health-http.ts';
import { HealthProbe } from '../../lambda/services/health/health-probe.ts';
import { buildOcspResponse } from '../../testkit/ocsp-response-builder.ts';
import { DAY, HOUR, createTestPki, shift, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const BASE = 'http://repo.example';
const crls: Record<string, Uint8Array> = {};
const ocsp: Record<string, Uint8Array> = {};

beforeAll(async () => {
  pki = await createTestPki();
  const crl = (daysOld: number) =>
    pki.ca.generateCrl({
      lastUpdate: shift(now, -daysOld * DAY),
      nextUpdate: shift(now, (10 - daysOld) * DAY),
    });
  crls.fresh = await crl(1);
  crls.fiveDays = await crl(5);
  crls.eightDays = await crl(8);
  const response = (thisUpdate: Date, nextUpdate: Date) =>
    buildOcspResponse({
      signerCertDer: pki.ca.cert.certDer,
      signerKeyPem: pki.ca.cert.keyPem,
      producedAt: thisUpdate,
      responses: [
        {
          issuerCertDer: pki.ca.cert.certDer,
          serialHex: pki.leaf.serialHex,
          hash: 'sha1',
          status: 'good',
          thisUpdate,
          nextUpdate,
        },
      ],
    });
  ocsp.fresh = await response(shift(now, -HOUR), shift(now, 9 * DAY));
  // Ten days' validity, five gone: nextUpdate is 5 days away, the refresh point (4 days after
  // thisUpdate) a day past.
  ocsp.pastRefresh = await response(shift(now, -5 * DAY), shift(now, 5 * DAY));
}, 120_000);
afterAll(() => pki?.cleanup());

function ok(contentType: string, body: Uint8Array | string, maxAge = 600): HttpAnswer {
  return {
    status: 200,
    headers: {
      'content-type': contentType,
      'cache-control': `max-age=${maxAge}, public, no-transform, must-revalidate`,
      'last-modified': now.toUTCString(),
      expires: shift(now, maxAge * 1000).toUTCString(),
      etag: '"1"',
      date: now.toUTCString(),
    },
    body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
  };
}

interface Served {
  crl?: Uint8Array;
  ocsp?: Uint8Array;
  disclose?: boolean;
  /** Paths that never answer (until the probe gives up). */
  hang?: string[];
}

function fakeRepository(served: Served): HttpClient {
  const index = {
    version: 1,
    updatedAt: now.toISOString(),
    caCertificates: [],
    crls: served.crl ? [{ url: '/crl/ca.crl', crlNumber: '0' }] : [],
    documents: [],
    ...(served.disclose ? { crlUrls: { all: '/crl-urls.json', byCa: [] } } : {}),
  };
  return {
    async send(request): Promise<HttpAnswer> {
      const path = new URL(request.url).pathname;
      if (served.hang?.includes(path)) {
        return new Promise((_, reject) =>
          request.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      }
      if (path === '/index.json') return ok('application/json', JSON.stringify(index));
      if (path === '/crl/ca.crl' && served.crl) return ok(CONTENT_TYPES.crl, served.crl);
      if (path === '/crl-urls.json' && served.disclose)
        return ok('application/json', JSON.stringify([`${BASE}/crl/ca.crl`]));
      if (path.startsWith('/ocsp') && served.ocsp) return ok(CONTENT_TYPES['ocsp-response'], served.ocsp);
      return { status: 404, headers: {}, body: new Uint8Array() };
    },
  };
}

async function run(
  served: Served,
  options: { policy?: CaPolicy; at?: Date; previous?: ProbeRun; timeoutMs?: number; region?: string } = {},
): Promise<ProbeRun> {
  const probe = await HealthProbe.create({
    http: fakeRepository(served),
    clock: { now: () => options.at ?? now },
    trust: pki.trust,
    repositoryUrls: [BASE],
    ...(served.ocsp
      ? {
          sentinels: [{ certificate: pki.leaf.certDer, issuer: pki.ca.cert.certDer, expectedStatus: 'good' }],
        }
      : {}),
    ...(options.policy ? { caPolicies: { [pki.trust.cas[0]!.fingerprints.sha256]: options.policy } } : {}),
    ...(options.timeoutMs ? { thresholds: { timeoutMs: options.timeoutMs } } : {}),
    ...(options.region ? { region: options.region } : {}),
  });
  return probe.run(options.previous);
}

/** The DeadlineMissed value the run's metrics carry for one deadline class. */
function missedMetric(probeRun: ProbeRun, deadline: string): number | undefined {
  for (const line of renderEmfLines(probeRun)) {
    const document = JSON.parse(line) as Record<string, unknown>;
    if (document.Deadline === deadline) return document.DeadlineMissed as number;
  }
  return undefined;
}

function deadlinesOf(probeRun: ProbeRun, check: string) {
  return probeRun.results.filter((r) => r.check === check).flatMap((r) => r.deadlines ?? []);
}

const SUBSCRIBER: CaPolicy = { profile: 'br', scope: 'subscriber' };

describe('the Region a run was probed from', () => {
  it("is recorded in the run (each Region's ledger says where it probed from), absent when not given", async () => {
    const served = { crl: crls.fresh };
    expect((await run(served, { region: 'ap-northeast-3' })).region).toBe('ap-northeast-3');
    expect(await run(served)).not.toHaveProperty('region');
  });
});

describe('CRL reissue deadlines (BR §4.9.7)', () => {
  it('a CRL 8 days old fails its 7-day deadline and raises crl-reissue, days before nextUpdate', async () => {
    const probeRun = await run({ crl: crls.eightDays });
    const crl = probeRun.results.find((r) => r.check === 'crl')!;
    expect(crl.outcome).toBe('fail');
    expect(crl.detail).toMatch(/not reissued in time.*BR §4\.9\.7/);
    expect(crl.deadlines).toMatchObject([{ deadline: 'crl-reissue', citation: 'BR §4.9.7', missed: true }]);
    expect(crl.measures?.hoursToNextUpdate).toBeGreaterThan(24);
    expect(missedMetric(probeRun, 'crl-reissue')).toBe(1);
  });

  it('a CRL a day old meets it, with its margin recorded', async () => {
    const probeRun = await run({ crl: crls.fresh });
    expect(probeRun.results.every((r) => r.outcome === 'ok')).toBe(true);
    expect(deadlinesOf(probeRun, 'crl')).toMatchObject([
      { deadline: 'crl-reissue', missed: false, hoursLeft: 144 },
    ]);
    expect(missedMetric(probeRun, 'crl-reissue')).toBe(0);
  });

  it('5 days old: met on the 7-day cadence, missed when the CA has certificates without OCSP (4 days)', async () => {
    expect(deadlinesOf(await run({ crl: crls.fiveDays }, { policy: SUBSCRIBER }), 'crl')).toMatchObject([
      { missed: false },
    ]);
    const withoutOcsp = await run(
      { crl: crls.fiveDays },
      { policy: { ...SUBSCRIBER, certificatesWithoutOcsp: true } },
    );
    expect(deadlinesOf(withoutOcsp, 'crl')).toMatchObject([{ deadline: 'crl-reissue', missed: true }]);
    expect(missedMetric(withoutOcsp, 'crl-reissue')).toBe(1);
  });

  it("an ARL 8 days old is within its 12 months (arl-reissue), not a subscriber CRL's 7 days", async () => {
    const probeRun = await run({ crl: crls.eightDays }, { policy: { profile: 'br', scope: 'root' } });
    expect(deadlinesOf(probeRun, 'crl')).toMatchObject([{ deadline: 'arl-reissue', missed: false }]);
    expect(probeRun.results.find((r) => r.check === 'crl')?.outcome).toBe('ok');
  });
});

describe('OCSP refresh point (BR §4.9.10)', () => {
  it("a sentinel's response past its refresh point raises ocsp-refresh while nextUpdate is 5 days away", async () => {
    const probeRun = await run({ ocsp: ocsp.pastRefresh });
    const get = probeRun.results.find((r) => r.check === 'ocsp-get')!;
    expect(get.outcome).toBe('fail');
    expect(get.measures?.hoursToNextUpdate).toBeGreaterThan(100);
    expect(get.deadlines).toMatchObject([{ deadline: 'ocsp-refresh', citation: 'BR §4.9.10', missed: true }]);
    expect(missedMetric(probeRun, 'ocsp-refresh')).toBe(2); // GET and POST
  });

  it('a fresh response meets it', async () => {
    const probeRun = await run({ ocsp: ocsp.fresh });
    expect(deadlinesOf(probeRun, 'ocsp-get')).toMatchObject([{ deadline: 'ocsp-refresh', missed: false }]);
    expect(missedMetric(probeRun, 'ocsp-refresh')).toBe(0);
  });
});

describe('answer time (BR §4.10.2)', () => {
  it('an answer that does not complete within the limit raises answer-time; answers in time record nothing', async () => {
    const slow = await run({ crl: crls.fresh, hang: ['/crl/ca.crl'] }, { timeoutMs: 50 });
    const crl = slow.results.find((r) => r.check === 'crl')!;
    expect(crl.outcome).toBe('fail');
    expect(crl.deadlines).toMatchObject([{ deadline: 'answer-time', citation: 'BR §4.10.2', missed: true }]);
    expect(missedMetric(slow, 'answer-time')).toBe(1);
    const fast = await run({ crl: crls.fresh });
    expect(missedMetric(fast, 'answer-time')).toBe(0);
  });
});

describe('disclosed CRL URLs verified every 4 hours (CCADB)', () => {
  it('each URL of crl-urls.json is fetched and judged as a CRL; unreachable for over 4 hours raises crl-urls-fetch', async () => {
    const first = await run({ crl: crls.fresh, disclose: true });
    const disclosed = first.results.filter((r) => r.check === 'crl-urls');
    expect(disclosed.map((r) => [r.target, r.outcome])).toEqual([
      [`${BASE}/crl-urls.json`, 'ok'],
      [`${BASE}/crl/ca.crl`, 'ok'],
    ]);
    expect(deadlinesOf(first, 'crl-urls')).toContainEqual(
      expect.objectContaining({ deadline: 'crl-urls-fetch', hoursLeft: 4, missed: false }),
    );
    // The list then fails to answer: within 4 hours of the last pass the deadline still holds…
    const broken = { crl: crls.fresh, disclose: true, hang: ['/crl-urls.json'] };
    const soon = await run(broken, { at: shift(now, 3 * HOUR), previous: first, timeoutMs: 50 });
    const url = soon.results.find((r) => r.target === `${BASE}/crl/ca.crl` && r.check === 'crl-urls')!;
    expect(url.outcome).toBe('fail');
    expect(url.deadlines).toMatchObject([{ deadline: 'crl-urls-fetch', missed: false, hoursLeft: 1 }]);
    // …and past them it is missed.
    const late = await run(broken, { at: shift(now, 5 * HOUR), previous: soon, timeoutMs: 50 });
    expect(deadlinesOf(late, 'crl-urls').filter((d) => d.deadline === 'crl-urls-fetch')).toMatchObject([
      { missed: true, hoursLeft: -1 },
    ]);
    expect(missedMetric(late, 'crl-urls-fetch')).toBe(1);
  });
});

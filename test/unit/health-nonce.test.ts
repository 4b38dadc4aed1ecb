/**
 * The health probe's POST sends a nonce exactly as `openssl ocsp -url` does by default, and judges
 * the answer as OpenSSL's OCSP_check_nonce does: no nonce in the response passes, the echoed nonce
 * passes, another nonce fails with the reason named. Driven through a fake HTTP client answering
 * with responses from the test kit's builder; the request's nonce is read back by `openssl ocsp`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../lambda/core/encoding/bytes.ts';
import type { HttpAnswer, ProbeResult } from '../../lambda/core/health/health-record.ts';
import { CONTENT_TYPES } from '../../lambda/core/serving/cache-policy.ts';
import type { HttpClient, HttpRequestSpec } from '../../lambda/services/health/health-http.ts';
import { HealthProbe } from '../../lambda/services/health/health-probe.ts';
import { buildOcspResponse } from '../../testkit/ocsp-response-builder.ts';
import { runCommand } from '../../testkit/run-command.ts';
import { DAY, HOUR, createTestPki, shift, type TestPki } from '../../testkit/test-pki.ts';

const NONCE = new Uint8Array(16).map((_, i) => 0x40 + i);
let pki: TestPki;
const now = new Date();
const nextUpdate = shift(now, 3 * DAY);

beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.cleanup());

function response(nonce?: Uint8Array): Promise<Uint8Array> {
  return buildOcspResponse({
    signerCertDer: pki.ca.cert.certDer,
    signerKeyPem: pki.ca.cert.keyPem,
    producedAt: shift(now, -HOUR),
    responses: [
      {
        issuerCertDer: pki.ca.cert.certDer,
        serialHex: pki.leaf.serialHex,
        hash: 'sha1',
        status: 'good',
        thisUpdate: shift(now, -HOUR),
        nextUpdate,
      },
    ],
    nonce,
  });
}

/** Answers every OCSP request with `body` as the edge would (RFC 9919 headers); 404 for the rest. */
function fakeRepository(body: Uint8Array, sent: HttpRequestSpec[]): HttpClient {
  return {
    async send(request): Promise<HttpAnswer> {
      sent.push(request);
      if (!request.url.includes('/ocsp')) return { status: 404, headers: {}, body: new Uint8Array() };
      return {
        status: 200,
        headers: {
          'content-type': CONTENT_TYPES['ocsp-response'],
          'cache-control': 'max-age=600, public, no-transform, must-revalidate',
          'last-modified': shift(now, -HOUR).toUTCString(),
          expires: nextUpdate.toUTCString(),
          etag: '"1"',
          date: now.toUTCString(),
        },
        body,
      };
    },
  };
}

async function probe(
  body: Uint8Array,
): Promise<{ post: ProbeResult; get: ProbeResult; sent: HttpRequestSpec[] }> {
  const sent: HttpRequestSpec[] = [];
  const health = await HealthProbe.create({
    http: fakeRepository(body, sent),
    clock: { now: () => now },
    trust: pki.trust,
    repositoryUrls: ['http://repo.example'],
    sentinels: [{ certificate: pki.leaf.certDer, issuer: pki.ca.cert.certDer, expectedStatus: 'good' }],
    nonce: () => NONCE,
  });
  const run = await health.run();
  const find = (check: string) => run.results.find((r) => r.check === check)!;
  return { post: find('ocsp-post'), get: find('ocsp-get'), sent };
}

describe('health probe: OCSP POST with a nonce, as openssl ocsp sends it', () => {
  it('sends the nonce on POST only, in the form openssl reads as "OCSP Nonce"', async () => {
    const { sent } = await probe(await response());
    const post = sent.find((r) => r.method === 'POST')!;
    const path = join(pki.dir, 'probe-request.der');
    await writeFile(path, post.body!);
    const text = await runCommand('openssl', ['ocsp', '-reqin', path, '-req_text', '-noverify']);
    expect(text.stdout).toMatch(/OCSP Nonce:\s*\n\s*0410([0-9A-F]{32})/);
    expect(text.stdout.replace(/\s/g, '')).toContain(`0410${toHex(NONCE).toUpperCase()}`);
    const get = sent.find((r) => r.method === 'GET' && r.url.includes('/ocsp/'))!;
    expect(decodeURIComponent(get.url)).not.toContain(Buffer.from(NONCE).toString('base64'));
  });

  it('a response without a nonce passes, as in OpenSSL ("WARNING: no nonce in response")', async () => {
    const { post } = await probe(await response());
    expect(post.outcome, post.detail).toBe('ok');
  });

  it('a response echoing the nonce sent passes', async () => {
    const { post } = await probe(await response(NONCE));
    expect(post.outcome, post.detail).toBe('ok');
  });

  it('a response carrying another nonce fails, and the result names why', async () => {
    const { post, get } = await probe(await response(new Uint8Array(16).fill(0xee)));
    expect(post.outcome).toBe('fail');
    expect(post.detail).toMatch(/nonce other than the one sent.*Nonce Verify error.*-no_nonce/);
    // GET sends none, so, as OpenSSL with -no_nonce, it checks none.
    expect(get.outcome, get.detail).toBe('ok');
  });
});

/**
 * The replica's copy of a CRL against the primary's: equal ETags pass; a missing or different copy
 * passes only while the primary's copy is younger than the replication window (S3 RTC, 15 minutes).
 */
import { describe, expect, it } from 'vitest';
import { judgeReplicaCopy } from '../../lambda/core/health/replica-judgement.ts';
import { HealthProbe } from '../../lambda/services/health/health-probe.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { readFileSync } from 'node:fs';
import { certificatesInFile } from '../../lambda/core/pki/certificate-file.ts';
import { TrustStore } from '../../lambda/core/pki/trust-store.ts';
import type { ProbeResult } from '../../lambda/core/health/health-record.ts';

const now = new Date('2026-12-04T12:00:00Z');
const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000);
const judge = (
  primary?: { etag: string; lastModified: Date },
  replica?: { etag: string; lastModified: Date },
) => judgeReplicaCopy({ key: 'crl/ca.crl', primary, replica, now, replicationWindowSeconds: 900 });

describe('judgeReplicaCopy', () => {
  it('passes when the replica holds the same bytes (same ETag)', () => {
    expect(
      judge({ etag: '"a"', lastModified: at(5000) }, { etag: '"a"', lastModified: at(4990) }),
    ).toMatchObject({
      outcome: 'ok',
    });
  });

  it('tolerates a new CRL not replicated yet, within the window', () => {
    expect(
      judge({ etag: '"b"', lastModified: at(60) }, { etag: '"a"', lastModified: at(5000) }),
    ).toMatchObject({
      outcome: 'ok',
      detail: expect.stringContaining('replication pending'),
    });
    expect(judge({ etag: '"b"', lastModified: at(60) }, undefined).outcome).toBe('ok');
  });

  it('fails a replica that differs or lacks the CRL past the window', () => {
    expect(
      judge({ etag: '"b"', lastModified: at(901) }, { etag: '"a"', lastModified: at(5000) }),
    ).toMatchObject({
      outcome: 'fail',
      detail: expect.stringMatching(/^replica ETag "a" differs from primary ETag "b" 901 s after/),
    });
    expect(judge({ etag: '"b"', lastModified: at(3600) }, undefined)).toMatchObject({
      outcome: 'fail',
      detail: expect.stringMatching(/^missing from the replica 3600 s after/),
    });
    expect(judge(undefined, undefined).outcome).toBe('fail');
  });
});

describe('HealthProbe with a replica comparison', () => {
  it('compares each CRL once per run, whatever the number of base URLs (here from the last run: no index)', async () => {
    const primary = new MemoryObjectStore({ clock: { now: () => at(3600) } });
    const replica = new MemoryObjectStore({ clock: { now: () => at(3600) } });
    await primary.put('crl/ca.crl', new Uint8Array([1, 2, 3]), { contentType: 'application/pkix-crl' });
    await replica.put('crl/ca.crl', new Uint8Array([9]), { contentType: 'application/pkix-crl' });
    const ca = certificatesInFile(new Uint8Array(readFileSync('test/infra/fixtures/example-ca.pem')));
    const probe = await HealthProbe.create({
      http: { send: async () => ({ status: 404, headers: {}, body: new Uint8Array(0) }) },
      clock: { now: () => now },
      trust: await TrustStore.fromDer(ca),
      repositoryUrls: ['http://repo.example.jp', 'https://repo.example.jp'],
      replica: { primary, replica },
    });
    const crl = (target: string): ProbeResult => ({
      time: at(60).toISOString(),
      check: 'crl',
      target,
      outcome: 'ok',
      latencyMs: 10,
      detail: 'ok',
    });
    const run = await probe.run({
      startedAt: at(60).toISOString(),
      finishedAt: at(60).toISOString(),
      repositories: ['http://repo.example.jp', 'https://repo.example.jp'],
      results: [crl('http://repo.example.jp/crl/ca.crl'), crl('https://repo.example.jp/crl/ca.crl')],
    });
    expect(run.results.filter((r) => r.check === 'crl-replica')).toEqual([
      expect.objectContaining({
        target: 'replica crl/ca.crl',
        outcome: 'fail',
        detail: expect.stringMatching(/differs from primary ETag/),
      }),
    ]);
    await replica.put('crl/ca.crl', new Uint8Array([1, 2, 3]), { contentType: 'application/pkix-crl' });
    const again = await probe.run(run);
    expect(again.results.filter((r) => r.check === 'crl-replica').map((r) => r.outcome)).toEqual(['ok']);
  });
});

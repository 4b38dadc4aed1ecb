/**
 * The receipt means served: the publisher waits for the CDN to complete its invalidation before it
 * writes the receipt, records the invalidation (id, completedAt), says so when the wait ran out,
 * and does not wait when the bundle asks not to (`--no-wait`). The uploader's exit code follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import type { CdnInvalidator } from '../../lambda/services/ports.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { EXIT } from '../../lambda/core/contract/exit-codes.ts';
import { formatResult, publishExitCode, toResult } from '../../onprem/uploader.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let crl: Uint8Array;
beforeAll(async () => {
  pki = await createTestPki();
  crl = await pki.ca.generateCrl();
});
afterAll(() => pki?.cleanup());

const completedAt = new Date('2026-01-01T00:00:07Z');

/** A CDN whose invalidations complete (or never do), recording what the publisher asked. */
function fakeCdn(completes: boolean) {
  const events: string[] = [];
  const cdn: CdnInvalidator = {
    invalidate: async (paths) => {
      events.push(`create ${paths.join(' ')}`);
      return { id: 'I2TEST' };
    },
    waitForCompletion: async (id, timeoutMs) => {
      events.push(`wait ${id} ${timeoutMs}`);
      if (completes) return completedAt;
      throw new Error(`CloudFront invalidation ${id} was still InProgress after ${timeoutMs / 1000} s`);
    },
  };
  return { cdn, events };
}

async function publishWith(cdn: CdnInvalidator, options: { waitForCdn?: boolean; deadline?: Date } = {}) {
  const ingest = new MemoryObjectStore();
  const service = new PublishService({
    ingest,
    repository: new MemoryObjectStore(),
    trust: pki.trust,
    clock: { now: () => new Date() },
    cdn,
    cdnWaitSeconds: 120,
  });
  const bundleId = await putBundle(ingest, { 'crl/root.crl': crl }, { waitForCdn: options.waitForCdn });
  const receipt = await service.publishBundle(bundleId, options.deadline);
  return { receipt, result: toResult(receipt, ['crl/root.crl'], 'http://repo.example') };
}

describe('the receipt waits for the CDN', () => {
  it('records the invalidation and when the CDN completed it; exit 0', async () => {
    const { cdn, events } = fakeCdn(true);
    const { receipt, result } = await publishWith(cdn);
    expect(events).toEqual(['create / /crl/root.crl /index.html /index.json', 'wait I2TEST 120000']);
    expect(receipt.invalidation).toEqual({ id: 'I2TEST', completedAt: completedAt.toISOString() });
    expect(result.accepted).toEqual([expect.objectContaining({ file: 'crl/root.crl', change: 'new' })]);
    expect(publishExitCode(result, receipt)).toBe(EXIT.ok);
    expect(formatResult(result, receipt)).toMatch(
      /^served: CDN invalidation I2TEST completed at 2026-01-01T00:00:07.000Z$/m,
    );
  });

  it('never waits past the invocation’s deadline, less the time the receipt needs', async () => {
    const { cdn, events } = fakeCdn(true);
    await publishWith(cdn, { deadline: new Date(Date.now() + 60_000) });
    const waited = Number(/^wait I2TEST (\d+)$/.exec(events[1] ?? '')?.[1]);
    expect(waited).toBeLessThanOrEqual(45_000);
    expect(waited).toBeGreaterThan(40_000);
  });

  it('an invalidation still in progress when the wait runs out: published, said so in one line, exit 4', async () => {
    const { cdn } = fakeCdn(false);
    const { receipt, result } = await publishWith(cdn);
    expect(receipt.status).toBe('completed');
    expect(receipt.invalidation).toEqual({
      id: 'I2TEST',
      incomplete: 'CloudFront invalidation I2TEST was still InProgress after 120 s',
    });
    expect(publishExitCode(result, receipt)).toBe(EXIT.unreachable);
    expect(formatResult(result, receipt)).toMatch(
      /^NOT YET SERVED everywhere: CloudFront invalidation I2TEST/m,
    );
  });

  it('a bundle sent with --no-wait: the invalidation started, not waited for; exit 0', async () => {
    const { cdn, events } = fakeCdn(false);
    const { receipt, result } = await publishWith(cdn, { waitForCdn: false });
    expect(events).toEqual(['create / /crl/root.crl /index.html /index.json']);
    expect(receipt.invalidation).toEqual({ id: 'I2TEST' });
    expect(publishExitCode(result, receipt)).toBe(EXIT.ok);
  });
});

/**
 * Sizes are checked before anything is read (issue 13, finding 5): the manifest's own size, each
 * part's size against the manifest (and the manifest's sizes against their caps), and each
 * entry's size against the manifest, so a crafted bundle cannot make the gate read without bound.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_ENTRY_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_PART_BYTES,
  manifestKey,
  parseManifest,
  partKey,
  type BundleManifest,
} from '../../lambda/core/publish/bundle.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import type { ObjectHead, StoredObject } from '../../lambda/storage/object-store.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

/** An ingest store that can claim an object is larger than it is, and counts the GETs. */
class SizedStore extends MemoryObjectStore {
  readonly claimedSize = new Map<string, number>();
  readonly reads: string[] = [];
  override async head(key: string): Promise<ObjectHead | undefined> {
    const head = await super.head(key);
    const claimed = this.claimedSize.get(key);
    return head && claimed !== undefined ? { ...head, size: claimed } : head;
  }
  override async get(key: string): Promise<StoredObject | undefined> {
    this.reads.push(key);
    return super.get(key);
  }
}

let pki: TestPki;
let crl: Uint8Array;
let ingest: SizedStore;
let service: PublishService;
beforeAll(async () => {
  pki = await createTestPki();
  crl = await pki.ca.generateCrl();
});
afterAll(() => pki?.cleanup());
beforeEach(() => {
  ingest = new SizedStore();
  const repository = new MemoryObjectStore();
  service = new PublishService({ ingest, repository, trust: pki.trust, clock: { now: () => new Date() } });
});

async function manifestOf(bundleId: string): Promise<BundleManifest> {
  return JSON.parse(
    Buffer.from((await ingest.get(manifestKey(bundleId)))!.body).toString(),
  ) as BundleManifest;
}
async function rewriteManifest(bundleId: string, edit: (m: BundleManifest) => void): Promise<void> {
  const manifest = await manifestOf(bundleId);
  edit(manifest);
  await ingest.put(manifestKey(bundleId), Buffer.from(JSON.stringify(manifest)), {
    contentType: 'application/json',
  });
}

describe('size checks before reading', () => {
  it('refuses a manifest larger than MAX_MANIFEST_BYTES without reading it', async () => {
    const bundleId = await putBundle(ingest, { 'crl/ca.crl': crl });
    ingest.claimedSize.set(manifestKey(bundleId), MAX_MANIFEST_BYTES + 1);
    ingest.reads.length = 0;
    const receipt = await service.publishBundle(bundleId);
    expect(receipt.error).toMatch(/manifest.json is \d+ bytes, more than the \d+ allowed/);
    expect(ingest.reads).not.toContain(manifestKey(bundleId));
  });

  it('refuses a part whose size differs from the manifest without reading it', async () => {
    const bundleId = await putBundle(ingest, { 'crl/ca.crl': crl });
    ingest.claimedSize.set(partKey(bundleId, 0), 10 * MAX_PART_BYTES);
    ingest.reads.length = 0;
    const receipt = await service.publishBundle(bundleId);
    expect(receipt.rejected).toEqual([
      { file: 'crl/ca.crl', reason: expect.stringMatching(/is \d+ bytes, the manifest says \d+/) },
    ]);
    expect(ingest.reads).not.toContain(partKey(bundleId, 0));
  });

  it('refuses an entry whose size differs from the manifest before hashing it', async () => {
    const bundleId = await putBundle(ingest, { 'crl/ca.crl': crl }, { format: 1 });
    await rewriteManifest(bundleId, (m) => {
      m.files![0]!.size += 1;
    });
    const receipt = await service.publishBundle(bundleId);
    expect(receipt.rejected).toEqual([
      {
        file: 'crl/ca.crl',
        reason: `${crl.byteLength} bytes in the archive, the manifest says ${crl.byteLength + 1}`,
      },
    ]);
  });

  it('refuses manifest sizes beyond the caps, or missing', () => {
    const base = {
      format: 'ca-repo-bundle/1',
      bundleId: 'b-1',
      createdAt: '2026-11-30T10:00:00.000Z',
      parts: [{ key: 'bundles/b-1/part-0001.tar', sha256: 'ab'.repeat(32), size: 10240 }],
      files: [{ path: 'crl/root.crl', size: 512, sha256: 'ab'.repeat(32), part: 0 }],
    };
    const text = (edit: (m: typeof base) => void) => {
      const copy = structuredClone(base);
      edit(copy);
      return JSON.stringify(copy);
    };
    expect(() =>
      parseManifest(
        text(() => undefined),
        'b-1',
      ),
    ).not.toThrow();
    expect(() =>
      parseManifest(
        text((m) => (m.parts[0]!.size = MAX_PART_BYTES + 1)),
        'b-1',
      ),
    ).toThrow(/parts\[0\] size/);
    expect(() =>
      parseManifest(
        text((m) => (m.files[0]!.size = MAX_ENTRY_BYTES + 1)),
        'b-1',
      ),
    ).toThrow(/files\[0\] size/);
    expect(() =>
      parseManifest(
        text((m) => delete (m.files[0] as { size?: number }).size),
        'b-1',
      ),
    ).toThrow(/files\[0\] size/);
  });
});

/**
 * Every format the publish side persists carries a version, and its reader accepts the previous
 * version: a deployed stack upgrades in place over objects written by the release before. The
 * "previous" documents below are literally what that release wrote.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT, parseManifest, partResultKey } from '../../lambda/core/publish/bundle.ts';
import { PART_RESULT_FORMAT, parsePartResult } from '../../lambda/core/publish/part-result.ts';
import { RECEIPT_FORMAT, parseReceipt, type Receipt } from '../../lambda/core/publish/receipt.ts';
import {
  INDEX_VERSION,
  mergeIndex,
  noIndexChanges,
  parseIndex,
} from '../../lambda/core/publish/repository-index.ts';
import { readServedMetadata } from '../../lambda/core/publish/served-object.ts';
import {
  DEFAULT_CACHE_CAPS,
  META,
  OBJECT_METADATA_VERSION,
  servingHeaders,
} from '../../lambda/core/serving/cache-policy.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { PublishService } from '../../lambda/services/publish/publish-service.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

const SHA = 'ab'.repeat(32);
const now = new Date('2026-12-01T00:00:00Z');

describe('bundle manifest', () => {
  it(`reads a ${MANIFEST_FORMAT} manifest as the uploader writes it`, () => {
    const text = `{"format":"ca-repo-bundle/1","bundleId":"b-1","createdAt":"2026-11-30T10:00:00.000Z",
      "parts":[{"key":"bundles/b-1/part-0001.tar","sha256":"${SHA}","size":10240}],
      "files":[{"path":"crl/root.crl","size":512,"sha256":"${SHA}","part":0}]}`;
    expect(parseManifest(text, 'b-1').files!.map((f) => f.path)).toEqual(['crl/root.crl']);
    expect(() => parseManifest(text.replace('ca-repo-bundle/1', 'ca-repo-bundle/9'), 'b-1')).toThrow(
      /manifest format must be/,
    );
  });
});

describe('receipt', () => {
  const previous = {
    format: 'ca-repo-receipt/1',
    bundleId: 'b-1',
    status: 'completed',
    receivedAt: '2026-11-30T10:00:00.000Z',
    completedAt: '2026-11-30T10:00:01.000Z',
    accepted: [{ file: 'crl/root.crl', kind: 'crl', url: '/crl/root.crl' }],
    rejected: [],
    replaced: [],
    invalidated: [],
  };

  it(`reads a ${RECEIPT_FORMAT} receipt, and one without a format label as the same`, () => {
    expect(parseReceipt(JSON.stringify(previous))).toEqual(previous);
    const { format: _format, ...unlabelled } = previous;
    expect(parseReceipt(JSON.stringify(unlabelled))).toEqual(previous);
  });

  it('refuses a receipt of an unknown format or without a status', () => {
    expect(() => parseReceipt(JSON.stringify({ ...previous, format: 'ca-repo-receipt/9' }))).toThrow(
      /receipt format ca-repo-receipt\/9/,
    );
    expect(() => parseReceipt(JSON.stringify({ ...previous, status: 'done' }))).toThrow(/status/);
    expect(() => parseReceipt('{')).toThrow(/not JSON/);
  });
});

describe('index.json', () => {
  it(`merges into a version ${INDEX_VERSION} index as written before, instead of rebuilding it`, () => {
    const previous = `{
  "version": 1,
  "updatedAt": "2026-11-30T10:00:00.000Z",
  "caCertificates": [{ "url": "/root.crt", "subject": "CN=Root", "notBefore": "2026-01-01T00:00:00.000Z",
    "notAfter": "2036-01-01T00:00:00.000Z", "sha256": "${SHA}", "sha384": "", "sha512": "" }],
  "crls": [],
  "documents": [{ "url": "/cps.pdf", "signature": "embedded", "signer": "CN=Signer", "sha256": "${SHA}" }],
  "ocsp": { "url": "/ocsp", "issuers": [] }
}`;
    const index = mergeIndex(parseIndex(previous, '/ocsp', now), noIndexChanges(), now);
    expect(index.version).toBe(INDEX_VERSION);
    expect(index.caCertificates.map((c) => c.url)).toEqual(['/root.crt']);
    expect(index.documents.map((d) => d.url)).toEqual(['/cps.pdf']);
  });
});

describe('object metadata', () => {
  const previous = {
    [META.kind]: 'ocsp-response',
    [META.sha256]: SHA,
    [META.bundleId]: 'b-1',
    [META.certStatus]: 'good',
    [META.thisUpdate]: '2026-11-30T10:00:00.000Z',
    [META.nextUpdate]: '2026-12-03T10:00:00.000Z',
  };
  const current = { ...previous, [META.version]: OBJECT_METADATA_VERSION };

  it('reads metadata without a version label as version 1, the same as labelled metadata', () => {
    expect(readServedMetadata(previous)).toEqual(readServedMetadata(current));
    expect(readServedMetadata(previous)).toMatchObject({ kind: 'ocsp-response', certStatus: 'good' });
    expect(() => readServedMetadata({ ...previous, [META.version]: '2' })).toThrow(/metadata is version 2/);
  });

  it('serves the same headers for an object written before the label and after', () => {
    const object = (metadata: Record<string, string>) => ({
      contentType: 'application/ocsp-response',
      etag: 'e',
      size: 100,
      lastModified: now,
      metadata,
    });
    const headers = servingHeaders(object(previous), now, DEFAULT_CACHE_CAPS);
    expect(headers['last-modified']).toBe(new Date(previous[META.thisUpdate]!).toUTCString());
    expect(servingHeaders(object(current), now, DEFAULT_CACHE_CAPS)).toEqual(headers);
  });
});

describe('part result', () => {
  const previous = {
    accepted: [{ file: 'a.crl', kind: 'crl', url: '/a.crl', unchanged: false }],
    rejected: [{ file: 'k.key', reason: 'private key material' }],
    replaced: [],
    changed: [],
    changes: { caCertificates: [], crls: [], documents: [], ocspIssuers: [] },
  };

  it(`reads a part result without a format label as ${PART_RESULT_FORMAT}, and refuses an unknown one`, () => {
    expect(parsePartResult(JSON.stringify(previous))).toEqual({ format: PART_RESULT_FORMAT, ...previous });
    const current = { format: PART_RESULT_FORMAT, ...previous };
    expect(parsePartResult(JSON.stringify(current))).toEqual(current);
    expect(() => parsePartResult(JSON.stringify({ ...previous, format: 'ca-repo-part-result/9' }))).toThrow(
      /part result format ca-repo-part-result\/9/,
    );
  });
});

describe('the publish service over what the previous release wrote', () => {
  let pki: TestPki;
  let crl: Uint8Array;
  let ocsp: Uint8Array;
  let ingest: MemoryObjectStore;
  let repository: MemoryObjectStore;
  let service: PublishService;
  beforeAll(async () => {
    pki = await createTestPki();
    crl = await pki.ca.generateCrl({ crlNumber: 1n });
    ocsp = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  });
  afterAll(() => pki?.cleanup());
  beforeEach(() => {
    ingest = new MemoryObjectStore();
    repository = new MemoryObjectStore();
    service = new PublishService({ ingest, repository, trust: pki.trust, clock: { now: () => new Date() } });
  });

  /** Rewrites every served object's metadata with `edit`, as another release would have written it. */
  async function rewriteMetadata(edit: (metadata: Record<string, string>) => void): Promise<string[]> {
    const keys: string[] = [];
    for (const key of ['root.crl', ...(await list('_ocsp/'))]) {
      const object = (await repository.get(key))!;
      expect(object.metadata[META.version]).toBe(OBJECT_METADATA_VERSION);
      const metadata = { ...object.metadata };
      edit(metadata);
      await repository.put(key, object.body, { ...object, metadata });
      keys.push(key);
    }
    return keys;
  }

  async function list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of repository.list(prefix)) keys.push(key);
    return keys;
  }

  it('takes objects without a metadata label as unchanged when the bytes are the same', async () => {
    const files = { 'root.crl': crl, 'good.ocsp': ocsp };
    expect((await service.publishBundle(await putBundle(ingest, files))).status).toBe('completed');
    await rewriteMetadata((metadata) => delete metadata[META.version]);
    const again = await service.publishBundle(await putBundle(ingest, files));
    expect(again.rejected).toEqual([]);
    expect(again.accepted.map((a) => a.unchanged)).toEqual([true, true]);
  });

  it('refuses to judge a file against an object whose metadata version it does not read', async () => {
    const files = { 'root.crl': crl, 'good.ocsp': ocsp };
    expect((await service.publishBundle(await putBundle(ingest, files))).status).toBe('completed');
    await rewriteMetadata((metadata) => (metadata[META.version] = '2'));
    const again = await service.publishBundle(await putBundle(ingest, files));
    expect(again.rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/metadata is version 2/),
      expect.stringMatching(/metadata is version 2/),
    ]);
  });

  it('a finishing worker merges a part result recorded by a worker of the previous release', async () => {
    const bundleId = await putBundle(ingest, { 'root.crl': crl, 'good.ocsp': ocsp }, { filesPerPart: 1 });
    expect(await service.dispatchBundle(bundleId, async () => undefined)).toBeUndefined();
    expect(await service.publishBundlePart(bundleId, 0)).toBeUndefined();
    const recorded = JSON.parse(Buffer.from((await ingest.get(partResultKey(bundleId, 0)))!.body).toString());
    expect(recorded.format).toBe(PART_RESULT_FORMAT);
    delete recorded.format;
    await ingest.put(partResultKey(bundleId, 0), Buffer.from(JSON.stringify(recorded)), {
      contentType: 'application/json',
    });
    const receipt: Receipt | undefined = await service.publishBundlePart(bundleId, 1);
    expect(receipt?.status).toBe('completed');
    expect(receipt?.accepted.map((a) => a.file)).toEqual(['good.ocsp', 'root.crl']);
  });
});

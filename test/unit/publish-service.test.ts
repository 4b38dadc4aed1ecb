import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { benchSerial, buildSignedResponse, signingCa, type SigningCa } from '../../testkit/ocsp-fixtures.ts';
import { makePdf, signPdfEmbedded } from '../../testkit/pdf.ts';
import type { IssuedCert } from '../../testkit/openssl-ca.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { digest, toHex } from '../../lambda/core/encoding/bytes.ts';
import { partResultKey, receiptKey } from '../../lambda/core/publish/bundle.ts';
import { META } from '../../lambda/core/serving/cache-policy.ts';
import { normaliseSerialHex } from '../../lambda/core/pki/x509.ts';
import type { RepositoryIndex } from '../../lambda/core/publish/repository-index.ts';
import type { Clock } from '../../lambda/services/ports.ts';
import { INDEX_PATHS, PublishService } from '../../lambda/services/publish/publish-service.ts';
import type { Receipt } from '../../lambda/core/publish/receipt.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let signer: IssuedCert;
const a: Record<string, Uint8Array> = {};
const clock: Clock = { now: () => new Date() };

beforeAll(async () => {
  pki = await createTestPki();
  signer = await pki.ca.issue({ commonName: 'ca-repo Test Document Signer', profile: 'document-signing' });
  const pdf = makePdf({ title: 'Test CPS', lines: ['Certification Practice Statement', 'version 1.0'] });
  Object.assign(a, {
    caPem: new Uint8Array(Buffer.from(pki.ca.cert.certPem)),
    caDer: pki.ca.cert.certDer,
    crl1: await pki.ca.generateCrl({ crlNumber: 1n, form: 'PEM' }),
    crl2: await pki.ca.generateCrl({ crlNumber: 2n }),
    ocspGoodSha1: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' }),
    ocspGoodSha256: await pki.ca.ocspResponse(pki.leaf, { hash: 'sha256' }),
    ocspRevokedSha1: await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha1' }),
    pdf,
    pdfSignature: await pki.ca.signDetached(pdf, signer),
    pdfEmbedded: await signPdfEmbedded(makePdf({ title: 'Test CP', lines: ['Certificate Policy'] }), signer),
    unsignedPdf: makePdf({ title: 'Draft', lines: ['not signed'] }),
    certAndKey: new Uint8Array(Buffer.from(pki.leaf.certPem + pki.leaf.keyPem)),
    keyOnly: new Uint8Array(Buffer.from(pki.leaf.keyPem)),
    rogueCa: pki.rogue.cert.certDer,
    leafCert: pki.leaf.certDer,
  });
});
afterAll(() => pki?.cleanup());

let ingest: MemoryObjectStore;
let repository: MemoryObjectStore;
let service: PublishService;
beforeEach(() => {
  ingest = new MemoryObjectStore();
  repository = new MemoryObjectStore();
  service = new PublishService({ ingest, repository, trust: pki.trust, clock, title: 'Test repository' });
});

/** Every OCSP object key of the repository. */
async function ocspKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of repository.list('_ocsp/')) keys.push(key);
  return keys;
}

async function publish(files: Record<string, Uint8Array | string>): Promise<Receipt> {
  return service.publishBundle(await putBundle(ingest, files));
}

async function served(key: string): Promise<Uint8Array | undefined> {
  return (await repository.get(key))?.body;
}

async function index(): Promise<RepositoryIndex> {
  return JSON.parse(Buffer.from((await served('index.json'))!).toString('utf8')) as RepositoryIndex;
}

describe('PublishService', () => {
  it('publishes every kind, keyed and typed as relying parties expect, then the index', async () => {
    const receipt = await publish({
      'certs/root.pem': a.caPem!,
      'crl/root.crl': a.crl1!,
      'ocsp/good-sha1.der': a.ocspGoodSha1!,
      'ocsp/good-sha256.der': a.ocspGoodSha256!,
      'docs/cps.pdf': a.pdf!,
      'docs/cps.pdf.p7s': a.pdfSignature!,
      'docs/cp.pdf': a.pdfEmbedded!,
    });
    expect(receipt.status).toBe('completed');
    expect(receipt.rejected).toEqual([]);
    expect(receipt.accepted.map((x) => [x.file, x.kind, x.url])).toEqual([
      ['certs/root.pem', 'ca-certificate', '/certs/root.pem'],
      ['crl/root.crl', 'crl', '/crl/root.crl'],
      ['docs/cp.pdf', 'document', '/docs/cp.pdf'],
      ['docs/cps.pdf', 'document', '/docs/cps.pdf'],
      ['docs/cps.pdf.p7s', 'signature', '/docs/cps.pdf.p7s'],
      ['ocsp/good-sha1.der', 'ocsp-response', '/ocsp'],
      ['ocsp/good-sha256.der', 'ocsp-response', '/ocsp'],
    ]);

    // Certificates and CRLs are served as DER whatever the input encoding.
    expect(await served('certs/root.pem')).toEqual(a.caDer);
    const crl = await repository.get('crl/root.crl');
    expect(crl?.contentType).toBe('application/pkix-crl');
    expect(crl?.body[0]).toBe(0x30);
    expect(crl?.metadata[META.crlNumber]).toBe('1');
    expect(crl?.expires).toBeInstanceOf(Date);
    expect((await repository.head('certs/root.pem'))?.contentType).toBe('application/pkix-cert');
    expect((await repository.head('docs/cps.pdf'))?.contentType).toBe('application/pdf');
    expect((await repository.head('docs/cps.pdf.p7s'))?.contentType).toBe('application/pkcs7-signature');

    // OCSP responses live under their CertID, one key per hash algorithm.
    const ocspKeys: string[] = [];
    for await (const key of repository.list('_ocsp/')) ocspKeys.push(key);
    expect(ocspKeys.map((k) => k.split('/')[2]).sort()).toEqual(['sha1', 'sha256']);
    expect(ocspKeys.every((k) => k.endsWith(`/${normaliseSerialHex(pki.leaf.serialHex)}`))).toBe(true);
    const ocsp = await repository.get(ocspKeys[0]!);
    expect(ocsp?.contentType).toBe('application/ocsp-response');
    expect(ocsp?.metadata[META.certStatus]).toBe('good');

    const published = await index();
    expect(published.caCertificates).toEqual([
      expect.objectContaining({
        url: '/certs/root.pem',
        subject: 'CN=ca-repo Test Root CA',
        sha256: toHex(await digest('sha256', a.caDer!)),
        sha512: toHex(await digest('sha512', a.caDer!)),
      }),
    ]);
    expect(published.crls[0]).toMatchObject({ url: '/crl/root.crl', crlNumber: '1' });
    expect(published.crls[0]!.thisUpdate).toMatch(/Z$/);
    expect(published.documents).toEqual([
      expect.objectContaining({ url: '/docs/cp.pdf', signature: 'embedded' }),
      expect.objectContaining({ url: '/docs/cps.pdf', signature: '/docs/cps.pdf.p7s' }),
    ]);
    expect(published.ocsp.url).toBe('/ocsp');
    const html = Buffer.from((await served('index.html'))!).toString('utf8');
    expect(html).toContain('CN=ca-repo Test Root CA');
    expect(html).toContain(published.caCertificates[0]!.sha256.slice(0, 2).toUpperCase());

    // The receipt is written to the ingest store for the uploader.
    const stored = JSON.parse(
      Buffer.from((await ingest.get(receiptKey(receipt.bundleId)))!.body).toString(),
    ) as Receipt;
    expect(stored).toEqual(receipt);
  });

  it('refuses each bad file with its reason and publishes the rest', async () => {
    const receipt = await publish({
      'good.crl': a.crl1!,
      'leaf.pem': a.certAndKey!,
      'leaf.key': a.keyOnly!,
      'rogue.crt': a.rogueCa!,
      'leaf.crt': a.leafCert!,
      'notes.txt': 'hello',
      'draft.pdf': a.unsignedPdf!,
      'draft.pdf.p7s': a.pdfSignature!,
      'orphan.p7s': a.pdfSignature!,
      'bad name.crl': a.crl2!,
    });
    const reasons = Object.fromEntries(receipt.rejected.map((r) => [r.file, r.reason]));
    expect(receipt.accepted.map((x) => x.file)).toEqual(['good.crl']);
    expect(reasons['leaf.pem']).toMatch(/private key material .* whole file is refused/);
    expect(reasons['leaf.key']).toMatch(/private key material/);
    expect(reasons['rogue.crt']).toMatch(/rogue CA certificate/);
    expect(reasons['leaf.crt']).toMatch(/not a pinned CA certificate/);
    expect(reasons['notes.txt']).toMatch(/unrecognised content/);
    expect(reasons['draft.pdf']).toMatch(/signature/);
    expect(reasons['draft.pdf.p7s']).toMatch(/detached signature of draft.pdf, which was refused/);
    expect(reasons['orphan.p7s']).toMatch(/published only as <document>.p7s/);
    expect(reasons['bad name.crl']).toMatch(/bad path: unsafe path segment/);
    expect(Object.keys(reasons)).toHaveLength(9);
    for (const file of Object.keys(reasons)) expect(await repository.head(file)).toBeUndefined();
  });

  it('keeps serving the newer CRL when an older CRL number arrives', async () => {
    await publish({ 'crl/root.crl': a.crl2! });
    const receipt = await publish({ 'crl/root.crl': a.crl1! });
    expect(receipt.rejected[0]?.reason).toMatch(/CRL number 1 is not greater than 2/);
    expect(await served('crl/root.crl')).toEqual(a.crl2);
    expect((await index()).crls[0]?.crlNumber).toBe('2');
  });

  it('is idempotent: the same bundle twice writes nothing the second time', async () => {
    const files = { 'root.crt': a.caDer!, 'root.crl': a.crl2!, 'good.ocsp': a.ocspGoodSha1! };
    await publish(files);
    const before = await repository.head('root.crl');
    const receipt = await publish(files);
    expect(receipt.accepted.every((x) => x.unchanged)).toBe(true);
    expect(receipt.replaced).toEqual([]);
    expect((await repository.head('root.crl'))?.etag).toBe(before?.etag);
  });

  it('refuses a second answer for the same CertID within one bundle', async () => {
    const receipt = await publish({ 'a.ocsp': a.ocspGoodSha1!, 'b.ocsp': a.ocspGoodSha1! });
    expect(receipt.accepted.map((x) => x.file)).toEqual(['a.ocsp']);
    expect(receipt.rejected[0]).toMatchObject({
      file: 'b.ocsp',
      reason: expect.stringMatching(/also answered by a.ocsp/),
    });
  });

  it('never changes the kind served at a URL', async () => {
    await publish({ 'root.crt': a.caDer! });
    const receipt = await publish({ 'root.crt': a.crl1! });
    expect(receipt.rejected[0]?.reason).toMatch(/already serves a ca-certificate; it cannot become a crl/);
    expect(await served('root.crt')).toEqual(a.caDer);
  });

  it('records replaced keys when served content changes (CDN invalidation input)', async () => {
    await publish({ 'root.crl': a.crl1! });
    const receipt = await publish({ 'root.crl': a.crl2! });
    expect(receipt.replaced).toEqual(['root.crl']);
  });

  it('refuses files of a part damaged in transit', async () => {
    const bundleId = await putBundle(ingest, { 'root.crl': a.crl1! });
    const partKey = `bundles/${bundleId}/part-0001.tar`;
    const part = (await ingest.get(partKey))!.body;
    part[600] = (part[600] ?? 0) ^ 0xff;
    await ingest.put(partKey, part, { contentType: 'application/x-tar' });
    const receipt = await service.publishBundle(bundleId);
    expect(receipt.rejected[0]?.reason).toMatch(/damaged in transit/);
    expect(await repository.head('root.crl')).toBeUndefined();
  });

  it('spreads a large bundle over parts and keeps documents with their signatures', async () => {
    const bundleId = await putBundle(
      ingest,
      { 'a.crl': a.crl1!, 'b.ocsp': a.ocspGoodSha1!, 'c.ocsp': a.ocspRevokedSha1!, 'root.crt': a.caDer! },
      { filesPerPart: 1 },
    );
    const receipt = await service.publishBundle(bundleId);
    expect(receipt.accepted).toHaveLength(4);
  });

  it('on a store failure mid-publish: fails the receipt, keeps served objects whole, and a re-run completes', async () => {
    await publish({ 'root.crl': a.crl1! });
    const crl1Der = (await served('root.crl'))!;
    const bundleId = await putBundle(ingest, {
      'root.crl': a.crl2!,
      'root.crt': a.caDer!,
      'good.ocsp': a.ocspGoodSha1!,
    });
    repository.failNext('put', new Error('injected: S3 unavailable'));
    await expect(service.publishBundle(bundleId)).rejects.toThrow(/injected/);
    const failed = JSON.parse(
      Buffer.from((await ingest.get(receiptKey(bundleId)))!.body).toString(),
    ) as Receipt;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/injected: S3 unavailable/);
    // Whatever is served is one complete, valid version: old or new, never a mix inside an object.
    const crl = (await served('root.crl'))!;
    expect([toHex(crl1Der), toHex(a.crl2!)]).toContain(toHex(crl));
    expect((await index()).crls[0]?.crlNumber).toBe('1');

    const retried = await service.publishBundle(bundleId);
    expect(retried.status).toBe('completed');
    expect(retried.rejected).toEqual([]);
    expect(await served('root.crl')).toEqual(a.crl2);
    expect((await index()).crls[0]?.crlNumber).toBe('2');
  });

  it('answers a missing or malformed manifest with a failed receipt', async () => {
    const missing = await service.publishBundle('no-such-bundle');
    expect(missing).toMatchObject({ status: 'failed', error: expect.stringMatching(/no manifest.json/) });
    await ingest.put('bundles/broken/manifest.json', Buffer.from('{"format":"x"}'), {
      contentType: 'application/json',
    });
    const broken = await service.publishBundle('broken');
    expect(broken.error).toMatch(/manifest format must be/);
  });

  it('fans a bundle out by part (dispatcher + workers) and the last worker writes the same receipt', async () => {
    const files = {
      'a.crl': a.crl1!,
      'b.ocsp': a.ocspGoodSha1!,
      'c.ocsp': a.ocspRevokedSha1!,
      'leaf.key': a.keyOnly!,
    };
    const bundleId = await putBundle(ingest, files, { filesPerPart: 1 });
    const queued: number[] = [];
    expect(await service.dispatchBundle(bundleId, async (part) => void queued.push(part))).toBeUndefined();
    expect(queued).toEqual([0, 1, 2, 3]);
    // Workers run in any order; only the one recording the last part finishes.
    const receipts = [];
    for (const part of [2, 0, 3, 1]) receipts.push(await service.publishBundlePart(bundleId, part));
    expect(receipts.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    const receipt = receipts[3]!;
    expect(receipt.status).toBe('completed');
    expect(receipt.accepted.map((x) => x.file)).toEqual(['a.crl', 'b.ocsp', 'c.ocsp']);
    expect(receipt.rejected.map((x) => x.file)).toEqual(['leaf.key']);
    expect(JSON.parse(Buffer.from((await ingest.get(receiptKey(bundleId)))!.body).toString())).toEqual(
      receipt,
    );
    expect((await index()).crls.map((c) => c.url)).toEqual(['/a.crl']);
  });

  it('invalidates new keys, replaced URLs, OCSP keys whose status changed and the index, not unchanged refreshes', async () => {
    const invalidated: string[][] = [];
    service = new PublishService({
      ingest,
      repository,
      trust: pki.trust,
      clock,
      cdn: { invalidate: async (paths) => void invalidated.push([...paths]) },
    });
    const first = await publish({ 'root.crl': a.crl1!, 'good.ocsp': a.ocspGoodSha1! });
    const [ocspKey] = await ocspKeys();
    // New keys may hold a cached 404 or `unauthorized`; the index changed.
    expect(invalidated).toEqual([[...INDEX_PATHS, `/${ocspKey}`, '/root.crl'].sort()]);
    expect(first.accepted.map((x) => x.change)).toEqual(['new', 'new']);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refreshed = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
    const receipt = await publish({ 'root.crl': a.crl2!, 'good.ocsp': refreshed });
    expect(receipt.replaced).toHaveLength(2);
    expect(receipt.accepted.map((x) => x.change)).toEqual(['replaced', 'replaced']);
    // Same status: the OCSP refresh is not invalidated.
    expect(invalidated[1]).toEqual([...INDEX_PATHS, '/root.crl'].sort());
  });

  it('two publishes racing on one CRL path: the higher CRL number wins, whatever the order', async () => {
    const orders: [Uint8Array, Uint8Array][] = [
      [a.crl1!, a.crl2!],
      [a.crl2!, a.crl1!],
    ];
    for (const [first, second] of orders) {
      repository = new MemoryObjectStore();
      const make = () => new PublishService({ ingest, repository, trust: pki.trust, clock });
      const [one, two] = [make(), make()];
      const ids = [
        await putBundle(ingest, { 'race.crl': first }),
        await putBundle(ingest, { 'race.crl': second }),
      ];
      const receipts = await Promise.all([one.publishBundle(ids[0]!), two.publishBundle(ids[1]!)]);
      const served = (await repository.get('race.crl'))!;
      expect(served.metadata[META.crlNumber]).toBe('2');
      const verdicts = receipts.flatMap((r) => [
        ...r.accepted.map(() => 'accepted'),
        ...r.rejected.map((x) => x.reason),
      ]);
      expect(verdicts).toHaveLength(2);
      expect(verdicts.filter((v) => v !== 'accepted').every((v) => /not greater than 2/.test(v))).toBe(true);
    }
  });
});

describe('a publish that stopped after replacing objects, before invalidating the CDN', () => {
  let ca: SigningCa;
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const ocsp = (i: number, status: 'good' | 'revoked', thisUpdate = t0) =>
    buildSignedResponse(ca, {
      serialHex: benchSerial(i),
      status,
      thisUpdate,
      nextUpdate: new Date(t0.getTime() + 3 * 24 * 3600_000),
      ...(status === 'revoked' ? { revokedAt: t0 } : {}),
    });
  let invalidated: string[][];
  let before: Record<string, Uint8Array>;
  let update: Record<string, Uint8Array>;

  const withCdn = (options: { clock?: Clock } = {}) =>
    new PublishService({
      ingest,
      repository,
      trust: pki.trust,
      clock: options.clock ?? clock,
      cdn: { invalidate: async (paths) => void invalidated.push([...paths]) },
    });

  /** The OCSP key of serial 5, which the update turns from good to revoked. */
  async function revokedKey(): Promise<string> {
    for await (const key of repository.list('_ocsp/')) {
      if ((await repository.head(key))?.metadata[META.certStatus] === 'revoked') return key;
    }
    throw new Error('no revoked OCSP key');
  }

  /** The OCSP keys `update` adds (serial 7). */
  let newKeys: string[];
  /** What a publish invalidates besides the index it rewrites. */
  const withIndex = (paths: string[]) => [...INDEX_PATHS, ...paths].sort();

  /** Publishes `before`, then `update` until the index write fails: every artifact is promoted, nothing invalidated. */
  async function failAfterPromoting(): Promise<string> {
    await publishBefore();
    const bundleId = await putBundle(ingest, update);
    const restore = repository.failWhen((call) => call.operation === 'put' && call.key === 'index.json');
    await expect(service.publishBundle(bundleId)).rejects.toThrow(/injected put fault/);
    restore();
    expect(await served('root.crl')).toEqual(a.crl2);
    expect((await repository.head(await revokedKey()))?.metadata[META.certStatus]).toBe('revoked');
    expect(invalidated).toEqual([]);
    newKeys = (await ocspKeys()).filter((k) => !beforeKeys.has(k));
    expect(newKeys).toHaveLength(1);
    return bundleId;
  }

  let beforeKeys: Set<string>;
  async function publishBefore(): Promise<void> {
    expect((await service.publishBundle(await putBundle(ingest, before))).status).toBe('completed');
    beforeKeys = new Set(await ocspKeys());
    invalidated = [];
  }

  beforeAll(() => {
    ca = signingCa(pki.trust.cas[0]!, pki.ca.cert.keyPem);
    before = { 'root.crl': a.crl1!, 's5.ocsp': ocsp(5, 'good'), 's6.ocsp': ocsp(6, 'good') };
    update = {
      'root.crl': a.crl2!, // replaces CRL 1: invalidated
      's5.ocsp': ocsp(5, 'revoked', new Date(t0.getTime() + 1000)), // good → revoked: invalidated
      's6.ocsp': ocsp(6, 'good', new Date(t0.getTime() + 1000)), // same status: not invalidated
      's7.ocsp': ocsp(7, 'good'), // a new key: a negative answer may be cached, invalidated
    };
  });
  beforeEach(() => {
    invalidated = [];
    service = withCdn();
  });

  for (const how of ['failed receipt', 'no receipt (process killed)'] as const) {
    it(`a retry of the same bundle (${how}) invalidates what the stopped run replaced`, async () => {
      const bundleId = await failAfterPromoting();
      if (how === 'no receipt (process killed)') await ingest.delete(receiptKey(bundleId));
      const retried = await service.publishBundle(bundleId);
      expect(retried.status).toBe('completed');
      expect(retried.accepted.every((x) => x.unchanged && x.change === 'unchanged')).toBe(true);
      expect(retried.replaced).toEqual([]);
      const expected = withIndex(['/root.crl', `/${await revokedKey()}`, `/${newKeys[0]}`]);
      expect(invalidated).toEqual([expected]);
      expect(retried.invalidated).toEqual(expected);

      // Settled by the completed receipt: sending the same files again invalidates only the index.
      const again = await service.publishBundle(await putBundle(ingest, update));
      expect(again.invalidated).toEqual(withIndex([]));
      expect(invalidated).toHaveLength(2);
    });
  }

  it('the files re-sent as a new bundle invalidate what the stopped run replaced', async () => {
    await failAfterPromoting();
    const resent = await service.publishBundle(await putBundle(ingest, update));
    expect(resent.status).toBe('completed');
    expect(resent.accepted.every((x) => x.unchanged)).toBe(true);
    expect(invalidated).toEqual([withIndex(['/root.crl', `/${await revokedKey()}`, `/${newKeys[0]}`])]);
  });

  it('a fan-out worker retried after dying between its writes and its part result: the finishing worker invalidates', async () => {
    await publishBefore();
    const bundleId = await putBundle(ingest, update, { filesPerPart: 1 });
    expect(await service.dispatchBundle(bundleId, async () => undefined)).toBeUndefined();
    // Part 0 (the CRL) and part 1 (serial 5) promote their files, then die before recording verdicts.
    for (const part of [0, 1]) {
      ingest.failNext('put', new Error('worker timed out'));
      await expect(service.publishBundlePart(bundleId, part)).rejects.toThrow(/timed out/);
      expect(await ingest.head(partResultKey(bundleId, part))).toBeUndefined();
    }
    expect(await served('root.crl')).toEqual(a.crl2);
    expect(await service.publishBundlePart(bundleId, 2)).toBeUndefined();
    expect(await service.publishBundlePart(bundleId, 3)).toBeUndefined();
    // SQS redelivers the two messages: the files are unchanged now, the invalidation still owed.
    expect(await service.publishBundlePart(bundleId, 0)).toBeUndefined();
    const receipt = (await service.publishBundlePart(bundleId, 1))!;
    expect(receipt.status).toBe('completed');
    const added = (await ocspKeys()).filter((k) => !beforeKeys.has(k));
    const expected = withIndex(['/root.crl', `/${await revokedKey()}`, ...added.map((k) => `/${k}`)]);
    expect(receipt.invalidated).toEqual(expected);
    expect(invalidated).toEqual([expected]);
  });

  it('does not invalidate once no edge copy of the superseded object can be left (past the cache cap)', async () => {
    await failAfterPromoting();
    // Two hours on: past 900 s (CRL) and 3,600 s (OCSP) plus the margin.
    const later = withCdn({ clock: { now: () => new Date(Date.now() + 2 * 3600_000) } });
    const resent = await later.publishBundle(await putBundle(ingest, update));
    expect(resent.status).toBe('completed');
    expect(resent.invalidated).toEqual(withIndex([]));
    expect(invalidated).toEqual([withIndex([])]);
  });

  it('a completed publish leaves nothing owed: re-sending its files invalidates only the index', async () => {
    await publishBefore();
    const first = await service.publishBundle(await putBundle(ingest, update));
    const added = (await ocspKeys()).filter((k) => !beforeKeys.has(k));
    expect(first.invalidated).toEqual(
      withIndex(['/root.crl', `/${await revokedKey()}`, ...added.map((k) => `/${k}`)]),
    );
    expect(first.accepted.map((x) => x.change)).toEqual(['replaced', 'replaced', 'replaced', 'new']);
    const again = await service.publishBundle(await putBundle(ingest, update));
    expect(again.invalidated).toEqual(withIndex([]));
    expect(again.accepted.map((x) => x.change)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(invalidated).toHaveLength(2);
  });
});

/**
 * Publish means served (issue finding 4), on the local repository with the real CLI, curl and
 * openssl: when `ca-repo publish` exits 0, a GET through the local CDN made at once returns what it
 * published, though the CDN had cached a 404 for the new path and the previous index (the local
 * CDN's invalidations are asynchronous, as CloudFront's: the publisher waits for them). A new
 * repository serves an empty index; an identical re-publish is reported unchanged.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_ENTRY } from '../../cli/invocation.ts';
import { receiptKey } from '../../lambda/core/publish/bundle.ts';
import { parseReceipt } from '../../lambda/core/publish/receipt.ts';
import { INGEST_BUCKET } from '../../lambda/local/local-repository.ts';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import { useLocalRepository } from '../../testkit/local-repository-fixture.ts';
import { runCommand } from '../../testkit/run-command.ts';
import { DAY, HOUR } from '../../testkit/test-pki.ts';

const local = useLocalRepository('served');
let bundles = 0;

/** `ca-repo publish DIR --repo URL [--json]` as an operator runs it, in its own process. */
async function publish(files: Record<string, Uint8Array>, ...flags: string[]) {
  const dir = join(local.work, `served-bundle-${bundles++}`);
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
  return runCommand('node', [CLI_ENTRY, 'publish', dir, '--repo', local.repo.url, ...flags]);
}

/** curl through the local CDN: status, the x-cache header and the body file. */
async function curl(path: string): Promise<{ status: number; cache: string; file: string; body: string }> {
  const file = join(local.work, `curl-${bundles}-${path.replace(/\W/g, '_')}-${Date.now()}`);
  const result = await runCommand('curl', ['-sS', '-D', '-', '-o', file, `${local.repo.url}${path}`]);
  expect(result.code, result.stderr).toBe(0);
  const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(result.stdout)?.[1]);
  const cache = /^x-cache: (.*)\r?$/im.exec(result.stdout)?.[1] ?? '';
  return { status, cache, file, body: await readFile(file, 'utf8').catch(() => '') };
}

async function storedReceipt(bundleId: string) {
  const ingest = new S3ObjectStore({ client: local.repo.s3.client, bucket: INGEST_BUCKET });
  const object = await ingest.get(receiptKey(bundleId));
  return parseReceipt(Buffer.from(object!.body).toString('utf8'));
}

const bundleIdOf = (stdout: string) => /\(bundle (\S+), completed\)/.exec(stdout)?.[1] ?? '';

describe('publish means served', () => {
  it('a new repository serves a valid empty index.json and an index.html saying nothing is published', async () => {
    const json = await curl('/index.json');
    expect(json.status).toBe(200);
    const index = JSON.parse(json.body);
    expect(index).toMatchObject({
      version: 1,
      caCertificates: [],
      crls: [],
      documents: [],
      ocsp: { url: '/ocsp', issuers: [] },
    });
    const html = await curl('/');
    expect(html.status).toBe(200);
    expect(html.body).toMatch(/Nothing is published yet/);
    expect((await curl('/index.html')).body).toBe(html.body);
  });

  it('a path answered 404 (and cached) before the first publish serves the published file the moment publish exits', async () => {
    const before = await curl('/crl/root.crl');
    expect(before.status).toBe(404);
    expect((await curl('/crl/root.crl')).cache).toMatch(/^Hit/); // the 404 is cached
    const crl = await local.pki.ca.generateCrl({ nextUpdate: new Date(Date.now() + 2 * DAY) });
    const published = await publish(
      { 'crl/root.crl': crl, 'ca/root.crt': local.pki.ca.cert.certDer },
      '--json',
    );
    expect(published.code, published.stderr).toBe(0);
    const after = await curl('/crl/root.crl');
    expect(after.status).toBe(200);
    const crlText = await runCommand('openssl', [
      'crl',
      '-inform',
      'DER',
      '-in',
      after.file,
      '-noout',
      '-nextupdate',
    ]);
    expect(crlText.stdout).toMatch(/^nextUpdate=/);
    const index = JSON.parse((await curl('/index.json')).body);
    expect(index.crls.map((c: { url: string }) => c.url)).toEqual(['/crl/root.crl']);
    expect((await curl('/')).body).not.toMatch(/Nothing is published yet/);
    const result = JSON.parse(published.stdout);
    expect(result.accepted.map((a: { change: string }) => a.change)).toEqual(['new', 'new']);
    expect(result.invalidation).toEqual({
      id: expect.stringMatching(/^LOCAL/),
      completedAt: expect.any(String),
    });
  });

  it('after a newer CRL, index.json through the CDN shows its nextUpdate the moment publish exits', async () => {
    local.repo.cdn.invalidate(['/index.json']); // whatever the test before left cached
    const cachedIndex = await curl('/index.json');
    expect((await curl('/index.json')).cache).toMatch(/^Hit/);
    const oldNextUpdate = JSON.parse(cachedIndex.body).crls[0].nextUpdate;
    const nextUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 + 3 * DAY + HOUR);
    const crl = await local.pki.ca.generateCrl({ nextUpdate });
    const published = await publish({ 'crl/root.crl': crl });
    expect(published.code, published.stderr).toBe(0);

    const index = JSON.parse((await curl('/index.json')).body);
    expect(index.crls[0].nextUpdate).not.toBe(oldNextUpdate);
    expect(index.crls[0].nextUpdate).toBe(nextUpdate.toISOString());
    const served = await curl('/crl/root.crl');
    const text = await runCommand('openssl', [
      'crl',
      '-inform',
      'DER',
      '-in',
      served.file,
      '-noout',
      '-nextupdate',
      '-CAfile',
      local.pki.ca.cert.certPath,
    ]);
    expect(text.stderr).toMatch(/verify OK/);
    // openssl prints `nextUpdate=Dec  8 22:24:56 2026 GMT`.
    const printed = /^nextUpdate=(.+)$/m.exec(text.stdout)?.[1] ?? '';
    expect(new Date(Date.parse(printed)).toISOString()).toBe(nextUpdate.toISOString());
    expect(published.stdout).toMatch(/^accepted {2}crl\/root.crl {2}crl .*\(replaced\)$/m);
    expect(published.stdout).toMatch(/^served: CDN invalidation LOCAL\d+ completed at /m);
    const receipt = await storedReceipt(bundleIdOf(published.stdout));
    expect(receipt.invalidated).toEqual(['/', '/crl/root.crl', '/index.html', '/index.json']);
    expect(receipt.invalidation?.completedAt).toBeDefined();
  });

  it('re-publishing identical files reports unchanged in the receipt, --json and the human output', async () => {
    const crl = await local.pki.ca.generateCrl({ nextUpdate: new Date(Date.now() + 4 * DAY) });
    const files = { 'crl/root.crl': crl, 'ca/root.crt': local.pki.ca.cert.certDer };
    expect((await publish(files)).code).toBe(0);
    const json = await publish(files, '--json');
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.accepted).toEqual([
      expect.objectContaining({ file: 'ca/root.crt', change: 'unchanged' }),
      expect.objectContaining({ file: 'crl/root.crl', change: 'unchanged' }),
    ]);
    const human = await publish(files);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^unchanged {2}ca\/root.crt {2}ca-certificate /m);
    expect(human.stdout).toMatch(/^unchanged {2}crl\/root.crl {2}crl /m);
    expect(human.stdout).not.toMatch(/^accepted /m);
    expect(human.stdout).toMatch(/^2 accepted, 0 rejected: 0 new, 0 replaced, 2 unchanged /m);
    const receipt = await storedReceipt(bundleIdOf(human.stdout));
    expect(receipt.accepted.map((a) => [a.file, a.change, a.unchanged])).toEqual([
      ['ca/root.crt', 'unchanged', true],
      ['crl/root.crl', 'unchanged', true],
    ]);
  });

  it('--no-wait returns with the receipt, the invalidation started and not waited for', async () => {
    const crl = await local.pki.ca.generateCrl({ nextUpdate: new Date(Date.now() + 5 * DAY) });
    const published = await publish({ 'crl/root.crl': crl }, '--no-wait');
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toMatch(/^CDN invalidation LOCAL\d+ started, not waited for \(--no-wait\)$/m);
    const receipt = await storedReceipt(bundleIdOf(published.stdout));
    expect(receipt.invalidation).toEqual({ id: expect.stringMatching(/^LOCAL/) });
    await local.repo.idle();
  });
});

/**
 * "Keys never leave the CA", in the operator's real flow: a bundle directory holding a key made by
 * `openssl genpkey` and a PKCS#12 made by `openssl pkcs12 -export` (password-protected) is refused
 * by `ca-repo publish` before anything is sent (exit 3, every file named, the ingest store holds no
 * new object); `--dry-run` checks without any repository; and a bundle put into the ingest store
 * directly, as an old or modified uploader would, gets its key-holding part deleted by the gate.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../lambda/core/contract/exit-codes.ts';
import { partKey, receiptKey } from '../../lambda/core/publish/bundle.ts';
import { parseReceipt, type Receipt } from '../../lambda/core/publish/receipt.ts';
import { INGEST_BUCKET } from '../../lambda/local/local-repository.ts';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import type { ObjectStore } from '../../lambda/storage/object-store.ts';
import { putBundle } from '../../testkit/bundles.ts';
import { useLocalRepository } from '../../testkit/local-repository-fixture.ts';
import { runCommand as run } from '../../testkit/run-command.ts';

const fixture = useLocalRepository('keys-never-leave');

const ingestOf = (): ObjectStore =>
  new S3ObjectStore({ client: fixture.repo.s3.client, bucket: INGEST_BUCKET });

async function ingestKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of ingestOf().list('')) keys.push(key);
  return keys;
}

async function openssl(args: string[]): Promise<void> {
  const result = await run('openssl', args);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

/** A bundle an operator would make by mistake: the CA's files beside a key and a PKCS#12. */
async function bundleWithKeys(name: string): Promise<string> {
  const { pki, work } = fixture;
  const dir = join(work, name);
  await mkdir(join(dir, 'ca'), { recursive: true });
  await mkdir(join(dir, 'crl'), { recursive: true });
  await writeFile(join(dir, 'ca/root.crt'), pki.ca.cert.certDer);
  await writeFile(join(dir, 'crl/root.crl'), await pki.ca.generateCrl({ crlNumber: 1n }));
  await openssl([
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    join(dir, 'ca.key'),
  ]);
  await openssl([
    'pkcs12',
    '-export',
    '-in',
    pki.leaf.certPath,
    '-inkey',
    pki.leaf.keyPath,
    '-passout',
    'pass:correct horse',
    '-out',
    join(dir, 'ca/leaf.p12'),
  ]);
  return dir;
}

describe('ca-repo publish: key material never leaves', () => {
  it('exits 3, names every key file on its own line, and sends nothing', async () => {
    const dir = await bundleWithKeys('bundle-keys');
    const before = await ingestKeys();
    const result = await run('node', ['bin/ca-repo.mjs', 'publish', dir, '--repo', fixture.repo.url]);
    expect(result.code).toBe(EXIT.keyMaterial);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^ca-repo: ca\.key: private key material \(PEM "PRIVATE KEY" block\): nothing was sent/,
      ),
      expect.stringMatching(
        /^ca-repo: ca\/leaf\.p12: private key material \(PKCS#12 PFX\): nothing was sent/,
      ),
    ]);
    expect(result.stdout).toBe('');
    expect(await ingestKeys()).toEqual(before);

    const json = await run('node', ['bin/ca-repo.mjs', 'publish', dir, '--repo', fixture.repo.url, '--json']);
    expect(json.code).toBe(EXIT.keyMaterial);
    expect(JSON.parse(json.stdout)).toEqual({
      sent: false,
      keyMaterial: [
        { file: 'ca.key', form: 'PEM "PRIVATE KEY" block' },
        { file: 'ca/leaf.p12', form: 'PKCS#12 PFX' },
      ],
    });
    expect(await ingestKeys()).toEqual(before);
  });

  it('--dry-run needs no --repo: prints the verdicts, --json too, exit 3 / 1 / 0', async () => {
    const dir = await bundleWithKeys('bundle-dry-run');
    const text = await run('node', ['bin/ca-repo.mjs', 'publish', dir, '--dry-run']);
    expect(text.code).toBe(EXIT.keyMaterial);
    expect(text.stdout).toMatch(/^ok {8}ca\/root\.crt {2}certificate$/m);
    expect(text.stdout).toMatch(/^KEY {7}ca\/leaf\.p12 {2}private key material \(PKCS#12 PFX\)/m);
    expect(text.stdout).toMatch(/^KEY {7}ca\.key {2}private key material/m);
    expect(text.stdout).toMatch(/signatures not checked \(give --trust CA_CERT/);

    const { rm } = await import('node:fs/promises');
    await rm(join(dir, 'ca.key'));
    await rm(join(dir, 'ca/leaf.p12'));
    const trust = join(fixture.work, 'pinned.crt');
    await writeFile(trust, fixture.pki.ca.cert.certPem);
    const clean = await run('node', [
      'bin/ca-repo.mjs',
      'publish',
      dir,
      '--dry-run',
      '--trust',
      trust,
      '--json',
    ]);
    expect(clean.code).toBe(EXIT.ok);
    expect(JSON.parse(clean.stdout)).toEqual({
      ok: [
        { file: 'ca/root.crt', kind: 'ca-certificate' },
        { file: 'crl/root.crl', kind: 'crl' },
      ],
      rejected: [],
      keyMaterial: [],
      signaturesChecked: true,
    });

    // Signed by a CA of the pinned name but another key: refused before anything is sent.
    await writeFile(join(dir, 'crl/rogue.crl'), await fixture.pki.rogue.generateCrl({ crlNumber: 1n }));
    const rogue = await run('node', ['bin/ca-repo.mjs', 'publish', dir, '--dry-run', '--trust', trust]);
    expect(rogue.code).toBe(EXIT.rejected);
    expect(rogue.stdout).toMatch(/^REJECTED {2}crl\/rogue\.crl {2}CRL signature does not verify/m);
  });

  it('the gate deletes an ingest part holding key material that an old uploader sent, and says so', async () => {
    const ingest = ingestOf();
    const crl = await fixture.pki.ca.generateCrl({ crlNumber: 5n });
    const bundleId = await putBundle(
      ingest,
      {
        'crl/root.crl': crl,
        'keys/ca.key': fixture.pki.ca.cert.keyPem,
        'ocsp/leaf.ocsp': await fixture.pki.ca.ocspResponse(fixture.pki.leaf, { hash: 'sha1' }),
      },
      { filesPerPart: 2 },
    );
    const receipt = await receiptOf(ingest, bundleId);
    expect(receipt.deletedParts).toEqual([{ key: partKey(bundleId, 0), keyMaterial: ['keys/ca.key'] }]);
    expect(await ingest.head(partKey(bundleId, 0))).toBeUndefined();
    // The other part holds no key: kept for its retention period, as every part is.
    expect(await ingest.head(partKey(bundleId, 1))).toBeDefined();
    expect(receipt.rejected).toEqual([
      {
        file: 'keys/ca.key',
        reason: expect.stringMatching(/private key material .*part holding it deleted/),
      },
    ]);
    // The part's other files were judged from what was read.
    expect(receipt.accepted.map((a) => a.file).sort()).toEqual(['crl/root.crl', 'ocsp/leaf.ocsp']);
  });
});

async function receiptOf(ingest: ObjectStore, bundleId: string): Promise<Receipt> {
  for (let attempt = 0; attempt < 200; attempt++) {
    await fixture.repo.idle();
    const stored = await ingest.get(receiptKey(bundleId));
    if (stored) return parseReceipt(Buffer.from(stored.body).toString('utf8'));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no receipt for ${bundleId}`);
}

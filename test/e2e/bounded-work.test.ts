/**
 * Crafted input does not stall publishing (issue 13, finding 5), on the local repository: a
 * crafted PDF that cost the old /ByteRange scan minutes sits in the same part as a CRL; the PDF is
 * refused in bounded time and the CRL is published and served (`openssl crl` reads it).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import {
  INGEST_BUCKET,
  startLocalRepository,
  type LocalRepository,
} from '../../lambda/local/local-repository.ts';
import { publishBundle } from '../../onprem/uploader.ts';
import { runCommand as run } from '../../testkit/run-command.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let work: string;
let repo: LocalRepository;

beforeAll(async () => {
  pki = await createTestPki();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-bounded-'));
  repo = await startLocalRepository({ port: 0, dataDir: join(work, 'repo'), trust: [pki.ca.cert.certDer] });
});

afterAll(async () => {
  await repo?.close();
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('bounded work for crafted input', () => {
  it('refuses a crafted PDF promptly and publishes the CRL of the same part', async () => {
    // 300 KB of open dictionaries then /ByteRange keys: about two minutes for the old scan.
    const size = 300 * 1024;
    const crafted = `%PDF-1.7\n${'<< /A '.repeat(size / 12)}${'/ByteRange '.repeat(size / 22)}`;
    const files: Record<string, Uint8Array> = {
      'docs/crafted.pdf': new Uint8Array(Buffer.from(crafted, 'latin1')),
      'crl/ca.crl': await pki.ca.generateCrl(),
    };
    const dir = join(work, 'bundle');
    for (const [path, bytes] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), bytes);
    }
    const ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
    const result = await publishBundle({ bundleDir: dir, repoUrl: repo.url, ingest });
    await repo.idle();
    expect(result.rejected).toEqual([
      { file: 'docs/crafted.pdf', reason: expect.stringMatching(/not read further/) },
    ]);
    const response = await fetch(`${repo.url}/crl/ca.crl`);
    expect(response.status).toBe(200);
    const file = join(work, 'served.crl');
    await writeFile(file, new Uint8Array(await response.arrayBuffer()));
    const crl = await run('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-issuer']);
    expect(crl.stdout).toMatch(/ca-repo Test Root CA/);
  }, 60_000);
});

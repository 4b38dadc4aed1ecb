/**
 * A bundle path under the OCSP endpoint could never be served (issue 13, finding 6): the CDN
 * sends `/ocsp/...` to the OCSP origin. On the local repository the gate refuses it, while OCSP
 * responses (served by CertID, whatever their bundle path) are still accepted from `ocsp/`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import {
  INGEST_BUCKET,
  startLocalRepository,
  type LocalRepository,
} from '../../lambda/local/local-repository.ts';
import { publishBundle } from '../../onprem/uploader.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

let pki: TestPki;
let work: string;
let repo: LocalRepository;

beforeAll(async () => {
  pki = await createTestPki();
  work = await mkdtemp(join(tmpdir(), 'ca-repo-ocsp-prefix-'));
  repo = await startLocalRepository({ port: 0, dataDir: join(work, 'repo'), trust: [pki.ca.cert.certDer] });
});

afterAll(async () => {
  await repo?.close();
  await pki?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

it('refuses a CA certificate under /ocsp and accepts it beside it; OCSP responses keep their ocsp/ path', async () => {
  const files: Record<string, Uint8Array> = {
    'ocsp/ca.crt': pki.ca.cert.certDer,
    'ocspca.crt': pki.ca.cert.certDer,
    'ocsp/good.der': await pki.ca.ocspResponse(pki.leaf),
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
    { file: 'ocsp/ca.crt', reason: expect.stringMatching(/under the OCSP endpoint \/ocsp/) },
  ]);
  expect(result.accepted.map((a) => a.file).sort()).toEqual(['ocsp/good.der', 'ocspca.crt']);
});

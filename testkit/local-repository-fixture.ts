/**
 * The fixture most end-to-end tests share: a test PKI, a scratch directory and a local repository
 * pinning the test CA, set up before the file's tests and torn down after; `publish` writes a
 * bundle directory and sends it with the real uploader, as an operator's `ca-repo publish` does.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  INGEST_BUCKET,
  startLocalRepository,
  type LocalRepository,
} from '../lambda/local/local-repository.ts';
import { S3ObjectStore } from '../lambda/storage/s3-object-store.ts';
import { publishBundle, type PublishResult } from '../onprem/uploader.ts';
import { runCommand, type CommandResult } from './run-command.ts';
import { createTestPki, type TestPki } from './test-pki.ts';

export interface LocalRepositoryFixture {
  pki: TestPki;
  /** Scratch directory, removed after the file's tests. */
  work: string;
  repo: LocalRepository;
  /** Writes the files as a bundle directory, publishes it and waits until the repository is idle. */
  publish(files: Record<string, Uint8Array>): Promise<PublishResult>;
  /**
   * A relying party's `openssl ocsp` against the repository's OCSP URL for a certificate of the test
   * CA, in its default mode (it sends a nonce) unless `noNonce`; SHA-1 CertID unless `sha256`.
   */
  opensslOcsp(
    cert: { certPath: string },
    options?: { sha256?: boolean; noNonce?: boolean },
  ): Promise<CommandResult>;
}

/** Registers the file's beforeAll/afterAll hooks; the fields are set once beforeAll has run. */
export function useLocalRepository(name: string): LocalRepositoryFixture {
  let bundles = 0;
  const fixture = {
    async publish(files: Record<string, Uint8Array>): Promise<PublishResult> {
      const dir = join(fixture.work, `bundle-${bundles++}`);
      for (const [path, bytes] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), bytes);
      }
      const { repo } = fixture;
      const ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
      const result = await publishBundle({ bundleDir: dir, repoUrl: repo.url, ingest });
      await repo.idle();
      return result;
    },
    opensslOcsp(cert, options = {}) {
      const ca = fixture.pki.ca.cert.certPath;
      return runCommand('openssl', [
        'ocsp',
        '-issuer',
        ca,
        ...(options.sha256 ? ['-sha256'] : []),
        '-cert',
        cert.certPath,
        '-url',
        `${fixture.repo.url}/ocsp`,
        '-CAfile',
        ca,
        ...(options.noNonce ? ['-no_nonce'] : []),
      ]);
    },
  } as LocalRepositoryFixture;
  beforeAll(async () => {
    fixture.pki = await createTestPki();
    fixture.work = await mkdtemp(join(tmpdir(), `ca-repo-${name}-`));
    fixture.repo = await startLocalRepository({
      port: 0,
      dataDir: join(fixture.work, 'repo'),
      trust: [fixture.pki.ca.cert.certDer],
    });
  });
  afterAll(async () => {
    await fixture.repo?.close();
    await fixture.pki?.cleanup();
    if (fixture.work) await rm(fixture.work, { recursive: true, force: true });
  });
  return fixture;
}

/**
 * A local repository with one of everything published through the real uploader and publish gate
 * (CA certificate, CRL, OCSP for a good and a revoked sentinel, a CP/CPS with a detached and one
 * with an embedded signature), and helpers to break what it serves behind the gate's back, the way
 * a faulty CDN, a broken deployment or an attacker would.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { publishBundle } from '../../onprem/uploader.ts';
import { makePdf, signPdfEmbedded } from '../../testkit/pdf.ts';
import { S3ObjectStore } from '../../lambda/storage/s3-object-store.ts';
import type { CertIdKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { normaliseSerialHex } from '../../lambda/core/pki/x509.ts';
import {
  INGEST_BUCKET,
  REPOSITORY_BUCKET,
  startLocalRepository,
  type LocalRepository,
} from '../../lambda/local/local-repository.ts';
import type { Sentinel } from '../../lambda/core/health/sentinel.ts';
import type { Clock, ObjectStore, PutObjectOptions, StoredObject } from '../../lambda/services/ports.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

export const KEYS = {
  ca: 'ca/root.crt',
  crl: 'crl/root.crl',
  cps: 'policy/cps.pdf',
  cpsSignature: 'policy/cps.pdf.p7s',
  cp: 'policy/cp.pdf',
} as const;

export interface PublishedRepository {
  pki: TestPki;
  repo: LocalRepository;
  work: string;
  store: ObjectStore;
  sentinels: Sentinel[];
  /** The OCSP store key of a certificate's SHA-1 CertID. */
  ocspKeyOf(serialHex: string): string;
  /**
   * Serves `body` at `key` (bypassing the publish gate) until `restoreAll`, with the original's
   * headers and metadata unless overridden; empties the CDN cache so the next fetch sees it.
   */
  inject(key: string, body: Uint8Array, options?: Partial<PutObjectOptions>): Promise<void>;
  restoreAll(): Promise<void>;
  close(): Promise<void>;
}

export async function startPublishedRepository(
  options: { clock?: Clock } = {},
): Promise<PublishedRepository> {
  const pki = await createTestPki();
  const work = await mkdtemp(join(tmpdir(), 'ca-repo-health-'));
  const repo = await startLocalRepository({
    port: 0,
    dataDir: join(work, 'repo'),
    trust: [pki.ca.cert.certDer],
    clock: options.clock,
  });
  const signer = await pki.ca.issue({
    commonName: 'ca-repo Test Document Signer',
    profile: 'document-signing',
  });
  const cps = makePdf({ title: 'Test CPS', lines: ['Certification Practice Statement'] });
  const files: Record<string, Uint8Array> = {
    [KEYS.ca]: pki.ca.cert.certDer,
    [KEYS.crl]: await pki.ca.generateCrl({ crlNumber: 10n }),
    'ocsp/good.der': await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' }),
    'ocsp/revoked.der': await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha1' }),
    [KEYS.cps]: cps,
    [KEYS.cpsSignature]: await pki.ca.signDetached(cps, signer),
    [KEYS.cp]: await signPdfEmbedded(makePdf({ title: 'Test CP', lines: ['Certificate Policy'] }), signer),
  };
  const bundleDir = join(work, 'bundle');
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(bundleDir, path)), { recursive: true });
    await writeFile(join(bundleDir, path), bytes);
  }
  const ingest = new S3ObjectStore({ client: repo.s3.client, bucket: INGEST_BUCKET });
  const result = await publishBundle({ bundleDir, repoUrl: repo.url, ingest });
  if (result.rejected.length > 0)
    throw new Error(`fixture bundle rejected: ${JSON.stringify(result.rejected)}`);
  await repo.idle();

  const store = repo.s3.store(REPOSITORY_BUCKET);
  const originals = new Map<string, StoredObject | undefined>();
  const sha1 = pki.trust.cas[0]!.certIdHashes.sha1;
  const certId = (serialHex: string): CertIdKey => ({
    hashAlgorithm: 'sha1',
    issuerNameHashHex: sha1.nameHash,
    issuerKeyHashHex: sha1.keyHash,
    serialHex: normaliseSerialHex(serialHex),
  });
  return {
    pki,
    repo,
    work,
    store,
    sentinels: [
      { certificate: pki.leaf.certDer, issuer: pki.ca.cert.certDer, expectedStatus: 'good' },
      { certificate: pki.revokedLeaf.certDer, issuer: pki.ca.cert.certDer, expectedStatus: 'revoked' },
    ],
    ocspKeyOf: (serialHex) => ocspObjectKey(certId(serialHex)),
    async inject(key, body, overrides = {}) {
      if (!originals.has(key)) originals.set(key, await store.get(key));
      const original = originals.get(key);
      await store.put(key, body, {
        contentType: original?.contentType ?? 'application/octet-stream',
        cacheControl: original?.cacheControl,
        expires: original?.expires,
        ...overrides,
        metadata: { ...original?.metadata, ...overrides.metadata },
      });
      repo.cdn.invalidate(['/*']);
    },
    async restoreAll() {
      for (const [key, original] of originals) {
        if (original) {
          await store.put(key, original.body, {
            contentType: original.contentType,
            cacheControl: original.cacheControl,
            expires: original.expires,
            metadata: original.metadata,
          });
        } else {
          await store.delete(key);
        }
      }
      originals.clear();
      repo.cdn.invalidate(['/*']);
    },
    async close() {
      await repo.close();
      await pki.cleanup();
      await rm(work, { recursive: true, force: true });
    },
  };
}

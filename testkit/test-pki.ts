/**
 * Shared, generated-at-test-time PKI for the rule tests: a pinned CA, a rogue CA with the same
 * name and another key, an unpinned CA, a delegated OCSP responder and a few leaves. Built once
 * per test file with the real openssl CLI (testkit/openssl-ca.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpensslCa, type IssuedCert } from './openssl-ca.ts';
import { TrustStore } from '../lambda/core/pki/trust-store.ts';

export interface TestPki {
  dir: string;
  ca: OpensslCa;
  rogue: OpensslCa;
  other: OpensslCa;
  trust: TrustStore;
  leaf: IssuedCert;
  revokedLeaf: IssuedCert;
  responder: IssuedCert;
  cleanup(): Promise<void>;
}

export const PINNED_CA_NAME = 'ca-repo Test Root CA';

export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'ca-repo-pki-'));
  const [ca, rogue, other] = await Promise.all([
    OpensslCa.create({ dir: join(dir, 'ca'), commonName: PINNED_CA_NAME }),
    OpensslCa.create({ dir: join(dir, 'rogue'), commonName: PINNED_CA_NAME }),
    OpensslCa.create({ dir: join(dir, 'other'), commonName: 'ca-repo Unpinned CA' }),
  ]);
  const leaf = await ca.issue({ commonName: 'good.example', profile: 'tls-server' });
  const revokedLeaf = await ca.issue({ commonName: 'revoked.example', profile: 'tls-server' });
  await ca.revoke(revokedLeaf, { reason: 'keyCompromise' });
  const responder = await ca.issue({ commonName: 'ca-repo Test OCSP Responder', profile: 'ocsp-signing' });
  const trust = await TrustStore.fromDer([ca.cert.certDer]);
  return {
    dir,
    ca,
    rogue,
    other,
    trust,
    leaf,
    revokedLeaf,
    responder,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;
export function shift(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

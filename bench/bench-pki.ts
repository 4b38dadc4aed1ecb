/**
 * The material every benchmark shares: a CA made by the real openssl CLI (EC P-256, the project's
 * default key type), one real leaf with its openssl-signed OCSP response, fast synthetic responses
 * for bulk runs, and the local repository run exactly as an operator runs it (`ca-repo local` in
 * its own process, `ca-repo publish` from the outside).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverLocalIngest, publishBundle } from '../onprem/uploader.ts';
import { OpensslCa, type IssuedCert, type KeyType } from '../testkit/openssl-ca.ts';
import { DEFAULT_POLICY } from '../lambda/core/policy.ts';
import { parseOcspRequest } from '../lambda/core/ocsp/ocsp-request.ts';
import { validateOcspResponse } from '../lambda/core/ocsp/validate-ocsp-response.ts';
import { TrustStore, type PinnedCa } from '../lambda/core/pki/trust-store.ts';
import type { Receipt } from '../lambda/core/publish/receipt.ts';
import { startServer, type ChildServer } from './bench-tools.ts';
import {
  benchSerial,
  buildOcspRequest,
  buildSignedResponse,
  signingCa,
  type ResponseSpec,
  type SigningCa,
} from '../testkit/ocsp-fixtures.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchCa {
  ca: OpensslCa;
  pinned: PinnedCa;
  trust: TrustStore;
  signer: SigningCa;
  keyType: KeyType;
}

export async function createBenchCa(dir: string, keyType: KeyType = 'ec'): Promise<BenchCa> {
  const ca = await OpensslCa.create({ dir, commonName: `ca-repo Bench CA (${keyType})`, keyType });
  const trust = await TrustStore.fromDer([ca.cert.certDer]);
  const pinned = trust.cas[0]!;
  return { ca, pinned, trust, signer: signingCa(pinned, ca.cert.keyPem), keyType };
}

/** A real leaf, its openssl-signed response and the request relying parties send for it. */
export interface RealLeaf {
  leaf: IssuedCert;
  request: Uint8Array;
  response: Uint8Array;
}

export async function issueRealLeaf(bench: BenchCa, name: string): Promise<RealLeaf> {
  const leaf = await bench.ca.issue({ commonName: name, profile: 'tls-server' });
  return {
    leaf,
    request: await bench.ca.ocspRequest(leaf, { hash: 'sha1' }),
    response: await bench.ca.ocspResponse(leaf, { hash: 'sha1', validityMinutes: 3 * 24 * 60 }),
  };
}

/** Whole seconds, so thisUpdate survives the GeneralizedTime round trip unchanged. */
export function wholeSecondsNow(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

export function syntheticSpec(i: number, now: Date, status: 'good' | 'revoked' = 'good'): ResponseSpec {
  return {
    serialHex: benchSerial(i),
    status,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + 3 * 24 * 3600_000),
  };
}

export function syntheticResponse(bench: BenchCa, i: number, now: Date): Uint8Array {
  return buildSignedResponse(bench.signer, syntheticSpec(i, now));
}

export function syntheticRequest(bench: BenchCa, i: number, nonce?: Uint8Array): Uint8Array {
  return buildOcspRequest(bench.pinned, benchSerial(i), nonce);
}

/**
 * Refuses to run a benchmark on material the product would not accept: a synthetic response must
 * pass the publish gate's own validator and a synthetic request the edge's own decoder.
 */
export async function checkFixtures(bench: BenchCa): Promise<void> {
  const now = wholeSecondsNow();
  const facts = await validateOcspResponse({
    der: syntheticResponse(bench, 0, now),
    trust: bench.trust,
    now,
    policy: DEFAULT_POLICY,
  });
  if (facts.responses[0]?.certId.serialHex !== benchSerial(0))
    throw new Error('synthetic response: bad serial');
  const certId = parseOcspRequest(syntheticRequest(bench, 0, new Uint8Array(16).fill(1)));
  if (certId?.serialHex !== benchSerial(0)) throw new Error('synthetic request: the edge decoder rejects it');
}

export async function writeBundle(dir: string, files: Record<string, Uint8Array | string>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

export const CA_REPO_CLI = ['node', join(ROOT, 'bin', 'ca-repo.mjs')] as const;

export interface LocalRepositoryProcess extends ChildServer {
  url: string;
  command: string;
}

/** `ca-repo local` in its own process (what an operator runs), on a free loopback port. */
export async function startLocalRepositoryProcess(options: {
  trustPath: string;
  dataDir: string;
  /** More `ca-repo local` options, e.g. `['--replica', '--ocsp-path', '/status']`. */
  extraArgs?: string[];
  /** Options of node itself, before the CLI (e.g. the soak's heap probe). */
  nodeArgs?: string[];
}): Promise<LocalRepositoryProcess> {
  const extraArgs = options.extraArgs ?? [];
  const args = [
    ...(options.nodeArgs ?? []),
    CA_REPO_CLI[1],
    'local',
    '--trust',
    options.trustPath,
    '--port',
    '0',
    '--data',
    options.dataDir,
    ...extraArgs,
  ];
  const server = await startServer(CA_REPO_CLI[0], args, {
    pattern: /serving (http:\/\/127\.0\.0\.1:\d+)\//,
    timeoutMs: 120_000,
  });
  const url = server.match?.[1];
  if (!url) throw new Error('ca-repo local printed no URL');
  const command = ['ca-repo local --trust ca.crt --port 0 --data DIR', ...extraArgs].join(' ');
  return { ...server, url, command };
}

/** `ca-repo publish` as a library call: pack, upload to the discovered ingest store, await the receipt. */
export async function publishDirectory(repoUrl: string, bundleDir: string): Promise<Receipt> {
  const ingest = await discoverLocalIngest(repoUrl);
  const { receipt } = await publishBundle({ bundleDir, repoUrl, ingest, timeoutSeconds: 3600 });
  return receipt;
}

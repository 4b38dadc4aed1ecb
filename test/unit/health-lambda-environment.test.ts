/**
 * The health Lambda's configuration: what the CDK construct sets, read strictly, and the sentinels
 * file shipped in its layer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HealthEnvironmentError,
  readHealthEnvironment,
  readSentinelsFile,
} from '../../lambda/handlers/health-lambda-environment.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('readHealthEnvironment', () => {
  it('reads URLs, bucket, layers and thresholds', () => {
    expect(
      readHealthEnvironment({
        REPOSITORY_URLS: 'http://repo.example.jp, https://repo.example.jp',
        LEDGER_BUCKET: 'ledger-bucket',
        TRUST_DIR: '/opt/trust',
        SENTINELS_FILE: '/opt/health/sentinels.json',
        PROBE_TIMEOUT_MS: '10000',
        CRL_MARGIN_HOURS: '48',
      }),
    ).toEqual({
      repositoryUrls: ['http://repo.example.jp', 'https://repo.example.jp'],
      ledgerBucket: 'ledger-bucket',
      trustDir: '/opt/trust',
      sentinelsFile: '/opt/health/sentinels.json',
      thresholds: { timeoutMs: 10000, crlMinHoursToNextUpdate: 48 },
    });
  });

  it('names what is missing or wrong', () => {
    expect(() => readHealthEnvironment({ LEDGER_BUCKET: 'b' })).toThrow(/REPOSITORY_URLS is not set/);
    expect(() => readHealthEnvironment({ REPOSITORY_URLS: 'http://a' })).toThrow(/LEDGER_BUCKET is not set/);
    expect(() =>
      readHealthEnvironment({ REPOSITORY_URLS: 'http://a', LEDGER_BUCKET: 'b', PROBE_TIMEOUT_MS: 'soon' }),
    ).toThrow(HealthEnvironmentError);
  });
});

describe('readSentinelsFile', () => {
  it('decodes base64 DER certificates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ca-repo-sentinels-'));
    dirs.push(dir);
    const path = join(dir, 'sentinels.json');
    await writeFile(
      path,
      JSON.stringify([
        { certificate: 'AQID', issuer: 'BAUG', expectedStatus: 'revoked', hashAlgorithm: 'sha256' },
      ]),
    );
    expect(await readSentinelsFile(path)).toEqual([
      {
        certificate: new Uint8Array([1, 2, 3]),
        issuer: new Uint8Array([4, 5, 6]),
        expectedStatus: 'revoked',
        hashAlgorithm: 'sha256',
      },
    ]);
    await expect(readSentinelsFile(join(dir, 'missing.json'))).rejects.toThrow(
      /cannot read the sentinels file/,
    );
  });
});

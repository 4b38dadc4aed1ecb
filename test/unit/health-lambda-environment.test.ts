/**
 * The health Lambda's configuration: what the CDK construct sets, read strictly, and the sentinels
 * file shipped in its layer.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createHealthChecker,
  HealthEnvironmentError,
  readHealthEnvironment,
} from '../../lambda/handlers/health-lambda-environment.ts';
import { formatSentinelsFile, parseSentinelsFile } from '../../lambda/core/contract/sentinels-file.ts';
import { certificatesInFile } from '../../lambda/core/pki/certificate-file.ts';
import { HealthProbe } from '../../lambda/services/health/health-probe.ts';

const FIXTURES = fileURLToPath(new URL('../infra/fixtures', import.meta.url));

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

  it("records the Region the Lambda runtime names (AWS_REGION), so each Region's ledger says where it probed from", () => {
    expect(
      readHealthEnvironment({
        REPOSITORY_URLS: 'http://a',
        LEDGER_BUCKET: 'b',
        AWS_REGION: 'ap-northeast-3',
      }),
    ).toMatchObject({ region: 'ap-northeast-3' });
    expect(readHealthEnvironment({ REPOSITORY_URLS: 'http://a', LEDGER_BUCKET: 'b' })).not.toHaveProperty(
      'region',
    );
  });

  it('names what is missing or wrong', () => {
    expect(() => readHealthEnvironment({ LEDGER_BUCKET: 'b' })).toThrow(/REPOSITORY_URLS is not set/);
    expect(() => readHealthEnvironment({ REPOSITORY_URLS: 'http://a' })).toThrow(/LEDGER_BUCKET is not set/);
    expect(() =>
      readHealthEnvironment({ REPOSITORY_URLS: 'http://a', LEDGER_BUCKET: 'b', PROBE_TIMEOUT_MS: 'soon' }),
    ).toThrow(HealthEnvironmentError);
  });
});

describe('the sentinels file shipped in the layer', () => {
  it('decodes base64 DER certificates', () => {
    expect(
      parseSentinelsFile(
        JSON.stringify([
          { certificate: 'AQID', issuer: 'BAUG', expectedStatus: 'revoked', hashAlgorithm: 'sha256' },
        ]),
      ),
    ).toEqual([
      {
        certificate: new Uint8Array([1, 2, 3]),
        issuer: new Uint8Array([4, 5, 6]),
        expectedStatus: 'revoked',
        hashAlgorithm: 'sha256',
      },
    ]);
  });

  it('is read when the checker is created, and a missing one is named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ca-repo-sentinels-'));
    dirs.push(dir);
    // The example CA is self-signed: a sentinel of its own.
    const ca = certificatesInFile(new Uint8Array(await readFile(join(FIXTURES, 'example-ca.pem'))))[0]!;
    const path = join(dir, 'sentinels.json');
    await writeFile(path, formatSentinelsFile([{ certificate: ca, issuer: ca, expectedStatus: 'good' }]));
    const environment = {
      repositoryUrls: ['http://repo.example.jp'],
      ledgerBucket: 'ledger-bucket',
      trustDir: FIXTURES,
      thresholds: {},
    };
    const { probe } = await createHealthChecker({ ...environment, sentinelsFile: path });
    expect(probe).toBeInstanceOf(HealthProbe);
    await expect(
      createHealthChecker({ ...environment, sentinelsFile: join(dir, 'missing.json') }),
    ).rejects.toThrow(/cannot read the sentinels file/);
  });
});

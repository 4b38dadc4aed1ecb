import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_CAPS } from '../../lambda/core/cache-policy.ts';
import { ConfigError, loadConfig, validateConfig } from '../../lib/config.ts';
import { EXAMPLE_CONFIG_FILE, PACKAGE_ROOT, exampleConfig, exampleConfigJson } from './synth-app.ts';

async function errorOf(overrides: Record<string, unknown>): Promise<string> {
  try {
    await exampleConfig(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`configuration with ${JSON.stringify(overrides)} was accepted`);
}

describe('loadConfig: the example configuration', () => {
  it('loads, resolves trust paths against the file and applies defaults', async () => {
    const config = await loadConfig(EXAMPLE_CONFIG_FILE);
    expect(config).toMatchObject({
      name: 'ca-repo',
      account: '123456789012',
      primaryRegion: 'ap-northeast-1',
      replicaRegion: 'ap-northeast-3',
      ocspPathPrefix: '/ocsp',
      storageClass: 'STANDARD',
      priceClass: 'PriceClass_200',
      cacheCaps: DEFAULT_CACHE_CAPS,
      uploaderSources: { cidrs: ['203.0.113.0/24'] },
    });
    expect(config.trust).toEqual([join(PACKAGE_ROOT, 'test/infra/fixtures/example-ca.pem')]);
    expect(config.trustCertificates).toHaveLength(1);
  });

  it('names the file when it is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-repo-config-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "account": ');
    await expect(loadConfig(file)).rejects.toThrow(`${file} is not JSON`);
  });

  it('defaults what it can: no replica, /ocsp, PriceClass_200, one-minute probes', async () => {
    const minimal = { account: '123456789012', primaryRegion: 'eu-west-1', trust: ['ca.pem'] };
    const dir = mkdtempSync(join(tmpdir(), 'ca-repo-config-'));
    writeFileSync(join(dir, 'ca.pem'), exampleCaPem());
    const config = await validateConfig(minimal, dir);
    expect(config).toMatchObject({
      name: 'ca-repo',
      ocspPathPrefix: '/ocsp',
      priceClass: 'PriceClass_200',
      logRetentionDays: 400,
      health: { scheduleMinutes: 1 },
    });
    expect(config.replicaRegion).toBeUndefined();
  });
});

describe('validateConfig: every refusal names the field and says why', () => {
  it.each([
    [{ account: undefined }, 'account: is required'],
    [{ account: '12345' }, 'account: must be a 12-digit AWS account ID'],
    [{ primaryRegion: 'tokyo' }, 'primaryRegion: "tokyo" is not an AWS Region name'],
    [{ replicaRegion: 'ap-northeast-1' }, 'replicaRegion: must differ from primaryRegion'],
    [{ name: 'CA_Repo' }, 'name: must be 2-20 lowercase letters'],
    [{ trust: [] }, 'trust: list at least one pinned CA certificate file'],
    [{ trust: ['no/such/ca.pem'] }, 'trust: cannot read'],
    [{ domainNames: ['repo.example.jp'] }, 'certificateArn: is required with domainNames'],
    [
      {
        domainNames: ['repo.example.jp'],
        certificateArn: 'arn:aws:acm:ap-northeast-1:123456789012:certificate/abc-123',
      },
      'certificateArn: must be an ACM certificate ARN in us-east-1',
    ],
    [{ ocspPathPrefix: '/' }, 'ocspPathPrefix: must be a path such as /ocsp'],
    [{ ocspPathPrefix: '/oc sp' }, 'ocspPathPrefix:'],
    [{ cacheCaps: { crlSecs: 900 } }, 'cacheCaps: unknown field "crlSecs"'],
    [{ cacheCaps: { crlSeconds: -1 } }, 'cacheCaps.crlSeconds: must be an integer'],
    [{ logRetentionDays: 100 }, 'logRetentionDays: must be one of the CloudWatch Logs retention values'],
    [{ health: { alarmEmail: 'not-an-address' } }, 'health.alarmEmail: is not an e-mail address'],
    [{ health: { scheduleMinutes: 0 } }, 'health.scheduleMinutes: must be an integer from 1 to 60'],
    [
      { uploaderSources: { cidrs: ['203.0.113.0/24'], vpcEndpointId: 'vpce-0123456789abcdef0' } },
      'uploaderSources: give either cidrs',
    ],
    [{ uploaderSources: { cidrs: ['203.0.113.0/33'] } }, 'uploaderSources.cidrs: "203.0.113.0/33"'],
    [{ uploaderSources: { vpcEndpointId: 'vpc-123' } }, 'uploaderSources.vpcEndpointId:'],
    [{ priceClass: 'PriceClass_300' }, 'priceClass: must be one of PriceClass_200, PriceClass_All'],
    [{ webAclArn: 'arn:aws:wafv2:ap-northeast-1:123456789012:regional/webacl/x/y' }, 'webAclArn:'],
    [{ replicaRgion: 'ap-northeast-3' }, 'unknown field "replicaRgion" (misspelt?)'],
  ])('%j → %s', async (overrides, message) => {
    expect(await errorOf(overrides)).toContain(message);
  });

  it.each(['ONEZONE_IA', 'onezone_ia', 'EXPRESS_ONEZONE', 'REDUCED_REDUNDANCY'])(
    'refuses storage class %s: it stores data in one Availability Zone',
    async (storageClass) => {
      expect(await errorOf({ storageClass })).toBe(
        `storageClass: ${storageClass} stores data in one Availability Zone; use STANDARD (the repository must survive the loss of an Availability Zone)`,
      );
    },
  );

  it('refuses other storage classes too: only S3 Standard is supported', async () => {
    expect(await errorOf({ storageClass: 'GLACIER' })).toContain('storageClass: only STANDARD is supported');
  });

  it('refuses PriceClass_100 because it leaves Japan out', async () => {
    expect(await errorOf({ priceClass: 'PriceClass_100' })).toMatch(
      /^priceClass: PriceClass_100 serves only from North America and Europe.*use PriceClass_200 or PriceClass_All$/,
    );
  });

  it('refuses a trust file that is not a certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-repo-config-'));
    writeFileSync(join(dir, 'garbage.der'), Buffer.from('not a certificate'));
    const raw = { ...exampleConfigJson(), trust: ['garbage.der'] };
    await expect(validateConfig(raw, dir)).rejects.toThrow(
      `trust: ${join(dir, 'garbage.der')} is not an X.509 certificate`,
    );
  });

  it('accepts DER as well as PEM trust files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-repo-config-'));
    const der = join(dir, 'ca.der');
    execFileSync('openssl', [
      'x509',
      '-in',
      join(PACKAGE_ROOT, 'test/infra/fixtures/example-ca.pem'),
      '-outform',
      'DER',
      '-out',
      der,
    ]);
    const config = await validateConfig({ ...exampleConfigJson(), trust: [der] }, dir);
    const pem = await exampleConfig();
    expect(Buffer.from(config.trustCertificates[0]!)).toEqual(Buffer.from(pem.trustCertificates[0]!));
  });

  it('accepts a VPC endpoint as the only uploader source', async () => {
    const config = await exampleConfig({ uploaderSources: { vpcEndpointId: 'vpce-0123456789abcdef0' } });
    expect(config.uploaderSources).toEqual({ vpcEndpointId: 'vpce-0123456789abcdef0' });
  });

  it('normalises a trailing slash on the OCSP prefix', async () => {
    expect((await exampleConfig({ ocspPathPrefix: '/ocsp/' })).ocspPathPrefix).toBe('/ocsp');
  });
});

function exampleCaPem(): string {
  return readFileSync(join(PACKAGE_ROOT, 'test/infra/fixtures/example-ca.pem'), 'utf8');
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_CAPS } from '../../lambda/core/serving/cache-policy.ts';
import { ConfigError, loadConfig, validateConfig } from '../../lib/config.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';
import { EXAMPLE_CONFIG_FILE, PACKAGE_ROOT, exampleConfig, exampleConfigJson } from './synth-app.ts';

const UPLOADER_CA = join(PACKAGE_ROOT, 'test/infra/fixtures/example-uploader-ca.pem');

/** The example configuration with its certificate paths absolute, for validation from another directory. */
function exampleJsonWithAbsolutePaths(): Record<string, unknown> {
  const raw = exampleConfigJson() as { health: { sentinels: { certificate: string }[] } } & Record<
    string,
    unknown
  >;
  const absolute = (path: string) => join(PACKAGE_ROOT, path);
  return {
    ...raw,
    trust: (raw.trust as string[]).map(absolute),
    health: {
      ...raw.health,
      sentinels: raw.health.sentinels.map((s) => ({ ...s, certificate: absolute(s.certificate) })),
    },
    uploaderIdentity: { rolesAnywhere: { caCertificate: UPLOADER_CA, subject: { CN: 'ca-repo-uploader' } } },
  };
}

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
      uploaderIdentity: {
        kind: 'roles-anywhere',
        caCertificateFile: UPLOADER_CA,
        issuerCommonName: 'ca-repo Example Uploader CA',
        subject: { CN: 'ca-repo-uploader', O: 'ca-repo example' },
      },
      health: { enabled: true, scheduleMinutes: 1, alarmEmail: 'pki-operations@example.jp' },
      objectLock: { mode: 'GOVERNANCE', retentionDays: 30 },
      auditTrail: { enabled: true, retentionDays: 400 },
      abuseLimits: { enabled: true, ocspPostsPerIpPer5Minutes: 1000, ipReputation: true },
      reservedConcurrency: { publishDispatcher: 5, healthChecker: 2 },
      tags: { 'ca-repo:deployment': 'ca-repo', CostCenter: 'pki-operations' },
    });
    // The example probes an OCSP sentinel, so the OCSP staleness alarm has data to fire on.
    expect(config.health.sentinels).toEqual([
      expect.objectContaining({
        certificateFile: join(PACKAGE_ROOT, 'test/infra/fixtures/example-sentinel.pem'),
        expectedStatus: 'good',
      }),
    ]);
    expect(config.health.objectLockRetentionDays).toBeUndefined();
    expect(config.trust).toEqual([join(PACKAGE_ROOT, 'test/infra/fixtures/example-ca.pem')]);
    expect(config.trustCertificates).toHaveLength(1);
  });

  it('names the file when it is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-repo-config-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "account": ');
    await expect(loadConfig(file)).rejects.toThrow(`${file} is not JSON`);
  });

  it('defaults what it can: no replica, /ocsp, PriceClass_200, one-minute probes, trail and abuse limits on', async () => {
    const minimal = {
      account: '123456789012',
      primaryRegion: 'eu-west-1',
      trust: ['ca.pem'],
      uploaderSources: { vpcEndpointId: 'vpce-0123456789abcdef0' },
      uploaderIdentity: { principalArn: 'arn:aws:iam::123456789012:user/ca-repo-uploader' },
    };
    const dir = mkdtempSync(join(tmpdir(), 'ca-repo-config-'));
    writeFileSync(join(dir, 'ca.pem'), exampleCaPem());
    const config = await validateConfig(minimal, dir);
    expect(config).toMatchObject({
      name: 'ca-repo',
      ocspPathPrefix: '/ocsp',
      priceClass: 'PriceClass_200',
      logRetentionDays: 400,
      health: { enabled: true, scheduleMinutes: 1, sentinels: [] },
      uploaderIdentity: {
        kind: 'principal',
        principalArn: 'arn:aws:iam::123456789012:user/ca-repo-uploader',
      },
      auditTrail: { enabled: true, retentionDays: 400 },
      abuseLimits: { enabled: true, ocspPostsPerIpPer5Minutes: 1000, ipReputation: true },
      reservedConcurrency: { publishDispatcher: 5, healthChecker: 2 },
      tags: { 'ca-repo:deployment': 'ca-repo' },
    });
    expect(config.replicaRegion).toBeUndefined();
    // Off unless asked: CloudFormation enables Object Lock only on a new bucket (docs/deploy.md §10).
    expect(config.objectLock).toBeUndefined();
  });

  it('says how to migrate a configuration written before uploaderSources and uploaderIdentity were required', async () => {
    expect(await errorOf({ uploaderSources: undefined })).toMatch(
      /^uploaderSources: is required: .*\{"cidrs": \[.*\{"vpcEndpointId": "vpce-\.\.\."\} \(docs\/deploy\.md §5\)$/,
    );
    expect(await errorOf({ uploaderIdentity: undefined })).toMatch(
      /^uploaderIdentity: is required: the uploader role no longer trusts the whole account\. Use IAM Roles Anywhere, \{"rolesAnywhere".*\{"principalArn": .*\(docs\/deploy\.md §5\)$/,
    );
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
    [{ health: { enabled: 'no' } }, 'health.enabled: must be true or false'],
    [{ health: { enabled: 0 } }, 'health.enabled: must be true or false'],
    [
      { health: { objectLockRetentionDays: 0 } },
      'health.objectLockRetentionDays: must be an integer from 1 to 36500',
    ],
    [
      { health: { objectLockRetentionDays: 7.5 } },
      'health.objectLockRetentionDays: must be an integer from 1 to 36500',
    ],
    [
      { health: { objectLockRetentionDays: '2557' } },
      'health.objectLockRetentionDays: must be an integer from 1 to 36500',
    ],
    [{ health: { sentinels: 'good.pem' } }, 'health.sentinels: must be an array'],
    [{ health: { sentinels: ['good.pem'] } }, 'health.sentinels[0] must be a JSON object'],
    [
      { health: { sentinels: [{ expectedStatus: 'good' }] } },
      'health.sentinels[0].certificate: is required (a certificate file, PEM or DER)',
    ],
    [
      { health: { sentinels: [{ certificate: 'no/such/leaf.pem', expectedStatus: 'good' }] } },
      'health.sentinels[0].certificate: cannot read',
    ],
    [{ health: { schedule: 5 } }, 'health: unknown field "schedule"; known: enabled, scheduleMinutes'],
    [
      { uploaderSources: { cidrs: ['203.0.113.0/24'], vpcEndpointId: 'vpce-0123456789abcdef0' } },
      'uploaderSources: give either cidrs',
    ],
    [{ uploaderSources: { cidrs: ['203.0.113.0/33'] } }, 'uploaderSources.cidrs: "203.0.113.0/33"'],
    [{ uploaderSources: { vpcEndpointId: 'vpc-123' } }, 'uploaderSources.vpcEndpointId:'],
    [{ priceClass: 'PriceClass_300' }, 'priceClass: must be one of PriceClass_200, PriceClass_All'],
    [{ webAclArn: 'arn:aws:wafv2:ap-northeast-1:123456789012:regional/webacl/x/y' }, 'webAclArn:'],
    [{ replicaRgion: 'ap-northeast-3' }, 'unknown field "replicaRgion" (misspelt?)'],
    [
      { uploaderIdentity: { principalArn: 'arn:aws:iam::123456789012:root' } },
      'uploaderIdentity.principalArn: "arn:aws:iam::123456789012:root" is not the ARN of one IAM user or role',
    ],
    [
      {
        uploaderIdentity: {
          principalArn: 'arn:aws:iam::123456789012:user/u',
          rolesAnywhere: { caCertificate: 'x.pem', subject: { CN: 'u' } },
        },
      },
      'uploaderIdentity: give either rolesAnywhere',
    ],
    [
      {
        uploaderIdentity: {
          rolesAnywhere: { caCertificate: 'test/infra/fixtures/example-ca.pem', subject: { CN: 'u' } },
        },
      },
      'is one of the pinned CAs in trust: use a dedicated uploader-issuing CA',
    ],
    [
      {
        uploaderIdentity: {
          rolesAnywhere: { caCertificate: 'test/infra/fixtures/example-sentinel.pem', subject: { CN: 'u' } },
        },
      },
      'example-sentinel.pem is not a CA certificate (basicConstraints cA)',
    ],
    [
      {
        uploaderIdentity: {
          rolesAnywhere: {
            caCertificate: 'test/infra/fixtures/example-uploader-ca.pem',
            subject: { O: 'x' },
          },
        },
      },
      "uploaderIdentity.rolesAnywhere.subject.CN: is required: the commonName of the uploader's certificate",
    ],
    [
      {
        uploaderIdentity: {
          rolesAnywhere: {
            caCertificate: 'test/infra/fixtures/example-uploader-ca.pem',
            subject: { SERIAL: 'x' },
          },
        },
      },
      'uploaderIdentity.rolesAnywhere.subject: unknown field "SERIAL"; known: CN, O, OU, C, ST, L',
    ],
    [{ objectLock: { mode: 'governance' } }, 'objectLock.mode: must be GOVERNANCE or COMPLIANCE'],
    [{ objectLock: { retentionDays: 0 } }, 'objectLock.retentionDays: must be an integer from 1 to 36500'],
    [{ auditTrail: { enabled: 'yes' } }, 'auditTrail.enabled: must be true or false'],
    [
      { abuseLimits: { ocspPostsPerIpPer5Minutes: 5 } },
      'abuseLimits.ocspPostsPerIpPer5Minutes: must be an integer from 10 to 2000000000',
    ],
    [
      {
        abuseLimits: { enabled: true },
        webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/ops/0123-abcd',
      },
      'abuseLimits: a distribution takes one web ACL',
    ],
    [
      { reservedConcurrency: { healthChecker: 0 } },
      'reservedConcurrency.healthChecker: must be an integer from 1 to 10',
    ],
    [{ tags: { 'aws:owner': 'x' } }, 'tags: "aws:owner" is not a tag key AWS accepts'],
    [{ tags: { 'ca-repo:deployment': 'x' } }, 'tags.ca-repo:deployment: is set by ca-repo'],
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
    const raw = { ...exampleJsonWithAbsolutePaths(), trust: ['garbage.der'] };
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
    const config = await validateConfig({ ...exampleJsonWithAbsolutePaths(), trust: [der] }, dir);
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

describe('validateConfig: health checker sentinels and switches', () => {
  // A pinned CA with a good and a revoked leaf, a rogue CA with the same name and another key,
  // and an unpinned CA: generated with the real openssl CLI.
  let pki: TestPki;
  let dir: string;
  // Every path of the example relative to the scratch directory but the uploader CA's.
  const uploaderIdentity = {
    rolesAnywhere: { caCertificate: UPLOADER_CA, subject: { CN: 'ca-repo-uploader' } },
  };
  const withHealth = (health: Record<string, unknown>) =>
    validateConfig({ ...exampleConfigJson(), trust: ['ca.pem'], uploaderIdentity, health }, dir);
  const healthError = async (health: Record<string, unknown>) => {
    const error = await withHealth(health).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error, `health ${JSON.stringify(health)} was accepted`).toBeInstanceOf(ConfigError);
    return error!.message;
  };

  beforeAll(async () => {
    pki = await createTestPki();
    dir = mkdtempSync(join(tmpdir(), 'ca-repo-config-'));
    writeFileSync(join(dir, 'ca.pem'), pki.ca.cert.certPem);
    writeFileSync(join(dir, 'good.pem'), pki.leaf.certPem);
    writeFileSync(join(dir, 'revoked.der'), pki.revokedLeaf.certDer);
    writeFileSync(join(dir, 'rogue-ca.pem'), pki.rogue.cert.certPem);
    writeFileSync(join(dir, 'other-ca.pem'), pki.other.cert.certPem);
    writeFileSync(join(dir, 'two.pem'), pki.leaf.certPem + pki.revokedLeaf.certPem);
  }, 60_000);
  afterAll(() => pki?.cleanup());

  it('reads sentinel files relative to the configuration, finding the pinned issuer when omitted', async () => {
    const config = await withHealth({
      sentinels: [
        { certificate: 'good.pem', expectedStatus: 'good' },
        { certificate: 'revoked.der', issuer: 'ca.pem', expectedStatus: 'revoked', hashAlgorithm: 'sha256' },
      ],
      objectLockRetentionDays: 2557,
    });
    const ca = Buffer.from(pki.ca.cert.certDer);
    expect(config.health).toMatchObject({ enabled: true, scheduleMinutes: 1, objectLockRetentionDays: 2557 });
    const [good, revoked] = config.health.sentinels;
    expect(good).toMatchObject({ certificateFile: join(dir, 'good.pem'), expectedStatus: 'good' });
    expect(good).not.toHaveProperty('issuerFile');
    expect(good).not.toHaveProperty('hashAlgorithm');
    expect(Buffer.from(good!.certificate)).toEqual(Buffer.from(pki.leaf.certDer));
    expect(Buffer.from(good!.issuer)).toEqual(ca);
    expect(revoked).toMatchObject({
      certificateFile: join(dir, 'revoked.der'),
      issuerFile: join(dir, 'ca.pem'),
      expectedStatus: 'revoked',
      hashAlgorithm: 'sha256',
    });
    expect(Buffer.from(revoked!.issuer)).toEqual(ca);
  });

  it('turns the checker off with enabled: false, keeping the alarm e-mail for the other alarms', async () => {
    const config = await withHealth({ enabled: false, alarmEmail: 'pki-ops@example.jp' });
    expect(config.health).toEqual({
      enabled: false,
      scheduleMinutes: 1,
      alarmEmail: 'pki-ops@example.jp',
      sentinels: [],
    });
  });

  it.each([
    [{ expectedStatus: 'good' }, 'health.sentinels[0].certificate: is required'],
    [
      { certificate: 'good.pem' },
      'health.sentinels[0].expectedStatus: is required: one of good, revoked, unknown',
    ],
    [
      { certificate: 'good.pem', expectedStatus: 'valid' },
      'health.sentinels[0].expectedStatus: is required: one of good, revoked, unknown',
    ],
    [
      { certificate: 'good.pem', expectedStatus: 'good', hashAlgorithm: 'md5' },
      'health.sentinels[0].hashAlgorithm: must be one of sha1, sha256, sha384, sha512',
    ],
    [
      { certificate: 'good.pem', expectedStatus: 'good', status: 'good' },
      'health.sentinels[0]: unknown field "status"',
    ],
    [
      { certificate: 'two.pem', expectedStatus: 'good' },
      'health.sentinels[0].certificate: ' +
        '{dir}/two.pem holds 2 certificates; give a file with exactly one',
    ],
    [
      { certificate: 'good.pem', issuer: 'other-ca.pem', expectedStatus: 'good' },
      'health.sentinels[0].issuer: {dir}/other-ca.pem is not one of the pinned CA certificates in trust',
    ],
    [
      { certificate: 'other-ca.pem', expectedStatus: 'good' },
      'health.sentinels[0].issuer: no pinned CA certificate in trust issued {dir}/other-ca.pem',
    ],
  ])('refuses sentinel %j: %s', async (sentinel, message) => {
    expect(await healthError({ sentinels: [sentinel] })).toContain(message.replace('{dir}', dir));
  });

  it('refuses an issuer that did not issue the sentinel, even with the same name (rogue key)', async () => {
    // Pin the rogue CA too, so the only fault left is the signature.
    const raw = { ...exampleConfigJson(), trust: ['ca.pem', 'rogue-ca.pem'], uploaderIdentity };
    const error = await validateConfig(
      {
        ...raw,
        health: { sentinels: [{ certificate: 'good.pem', issuer: 'rogue-ca.pem', expectedStatus: 'good' }] },
      },
      dir,
    ).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe(
      `health.sentinels[0].issuer: ${join(dir, 'rogue-ca.pem')} did not issue ${join(dir, 'good.pem')} (issuer name or signature does not match)`,
    );
  });

  it('names the sentinel by its index', async () => {
    expect(
      await healthError({
        sentinels: [
          { certificate: 'good.pem', expectedStatus: 'good' },
          { certificate: 'good.pem', expectedStatus: 'bad' },
        ],
      }),
    ).toContain('health.sentinels[1].expectedStatus:');
  });
});

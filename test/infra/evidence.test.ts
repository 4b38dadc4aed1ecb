/**
 * The investigator pack is derived from the synthesized app: a resource added to the app appears
 * in the diagram, a replica Region draws a second Region, and a deliberately broken template (a
 * public bucket, unencrypted logs, plain HTTP redirected to HTTPS, ...) turns exactly the matching
 * requirement rows to "not met". Apps are synthesized in-process with bundling skipped, as in the
 * other infra tests; breakages are edits of the synthesized template JSON.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpensslCa } from '../../testkit/openssl-ca.ts';
import { DirectoryObjectStore } from '../../lambda/storage/directory-object-store.ts';
import type { ProbeRun } from '../../lambda/core/health/health-record.ts';
import { HealthLedger } from '../../lambda/services/health/health-ledger.ts';
import { runEvidence } from '../../cli/evidence-command.ts';
import { HealthChecker } from '../../lib/constructs/health-checker.ts';
import { TRUST_DIR } from '../../lib/constructs/publisher.ts';
import { findHealthChecker, publishGateFunctions } from '../../evidence/app-topology.ts';
import { loadPinnedCertificates } from '../../evidence/pinned-certificates.ts';
import { CRL_LINTS } from '../../lambda/core/crl/lints/crl-lints.ts';
import { OCSP_LINTS } from '../../lambda/core/ocsp/lints/ocsp-lints.ts';
import { DEADLINES, DEADLINE_NAMES } from '../../lambda/core/health/deadlines.ts';
import { renderEvidenceMarkdown } from '../../evidence/render-markdown.ts';
import { renderEvidenceHtml } from '../../evidence/render-html.ts';
import { existsSync } from 'node:fs';
import { loadAvailabilitySummary } from '../../cli/ledger-directory.ts';
import {
  readCloudAssembly,
  type CfnResourceJson,
  type CloudAssembly,
} from '../../evidence/cloud-assembly.ts';
import { collectEvidence, writeEvidencePack, type CollectOptions } from '../../evidence/generate-evidence.ts';
import type { RequirementResult } from '../../evidence/requirement.ts';
import { synthesizeAssembly, type SynthesizeOptions } from '../../evidence/synthesize-assembly.ts';
import { exampleConfig } from './synth-app.ts';

const OPTIONS: CollectOptions = {
  sources: { assembly: 'cdk.out' },
  generatedAt: new Date('2026-11-22T09:00:00Z'),
};

let scratch: string;
let exampleDir: string;
let singleRegionDir: string;
let extendedDir: string;
let healthDir: string;
let auditOffDir: string;

async function synth(
  name: string,
  overrides: Record<string, unknown>,
  options: Partial<SynthesizeOptions> = {},
) {
  return synthesizeAssembly(await exampleConfig(overrides), {
    outdir: join(scratch, name),
    buildDirectory: join(scratch, 'build'),
    bundling: false,
    ...options,
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ca-repo-evidence-test-'));
  [exampleDir, singleRegionDir, extendedDir] = [
    await synth('example', {}),
    await synth('single', { replicaRegion: undefined }),
    await synth(
      'extended',
      { replicaRegion: undefined },
      {
        beforeSynth: ({ primary }) => {
          new sqs.Queue(primary, 'ExtraQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED });
          new s3.Bucket(primary.repository, 'ExtraBucket', { enforceSSL: true });
        },
      },
    ),
  ];
  // Every audit feature switched off that the configuration can switch off.
  auditOffDir = await synth('audit-off', {
    objectLock: undefined,
    auditTrail: { enabled: false },
    abuseLimits: { enabled: false },
    health: { enabled: false },
  });
  // The health checker (issue 5) as CaRepository builds it, added here while the stack does not
  // enable it from the configuration yet.
  healthDir = await synth(
    'health',
    { replicaRegion: undefined },
    {
      beforeSynth: ({ primary }) => {
        const repo = primary.repository;
        if (repo.node.tryFindChild('Health')) return;
        new HealthChecker(repo, 'Health', {
          repositoryUrls: [`http://${repo.publicHost}`, `https://${repo.publicHost}`],
          trustLayer: repo.publisher.trustLayer,
          trustDir: TRUST_DIR,
          alarmTopic: repo.alarms.topic,
          accessLogs: repo.accessLogs.bucket,
          logRetentionDays: 400,
          buildDirectory: join(scratch, 'build'),
        });
      },
    },
  );
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A fresh copy of the example assembly (templates are edited in place by some tests). */
function example(): Promise<CloudAssembly> {
  return readCloudAssembly(exampleDir);
}

async function rows(
  assembly: CloudAssembly,
  options: Partial<CollectOptions> = {},
): Promise<Map<string, RequirementResult>> {
  const { report } = await collectEvidence(assembly, { ...OPTIONS, ...options });
  return new Map(report.results.map((r) => [r.id, r]));
}

function statuses(results: Map<string, RequirementResult>): Record<string, string> {
  return Object.fromEntries([...results].map(([id, r]) => [id, r.status]));
}

/** The template resource whose construct path ends with `suffix`. */
function resourceAt(assembly: CloudAssembly, suffix: string): CfnResourceJson & { logicalId: string } {
  const found = assembly.resources().find((r) => r.cdkPath.endsWith(suffix));
  if (!found) throw new Error(`no resource at ${suffix}`);
  return Object.assign(found.stack.template.Resources[found.logicalId]!, { logicalId: found.logicalId });
}

const ALL_MET = {
  'uc-a-multi-az': 'met',
  'uc-a-second-region': 'met',
  'uc-a-signed-artifacts': 'met',
  'uc-a-private-storage': 'met',
  'uc-a-no-key-in-cloud': 'met',
  'uc-a-encrypted-logs': 'met',
  'uc-a-fingerprints': 'met',
  'uc-a-outbound-only': 'met',
  'uc-a-monitoring': 'met',
  'br-http-not-redirected': 'met',
  'br-24x7': 'met',
  'br-response-time': 'met',
  'uc-a-log-integrity': 'met',
  'uc-a-upload-access': 'met',
  'uc-a-abuse-limits': 'met',
  'uc-a-replication-monitoring': 'met',
  'br-ca-retention': 'met',
};

/** The operational record is met once the app has a health checker (issue 5) and not before. */
function expectedOperationalRecord(assembly: CloudAssembly): string {
  return findHealthChecker(assembly) ? 'met' : 'not-met';
}

describe('evidence rows for the example configuration', () => {
  it('meets every requirement the templates can show, and says which one they cannot', async () => {
    const assembly = await example();
    const results = await rows(assembly);
    expect(statuses(results)).toEqual({
      ...ALL_MET,
      'uc-a-operational-record': expectedOperationalRecord(assembly),
    });
    for (const result of results.values()) {
      expect(result.evidence.length, result.id).toBeGreaterThan(0);
      expect(result.commands.length, result.id).toBeGreaterThan(0);
      expect(result.source.length, result.id).toBeGreaterThan(0);
    }
  });

  it('names the resources and values that meet a row, with aws commands on shell variables', async () => {
    const assembly = await example();
    const results = await rows(assembly);
    const http = results.get('br-http-not-redirected')!;
    const distribution = resourceAt(assembly, 'Delivery/Distribution/Resource');
    expect(http.evidence).toContainEqual(
      expect.objectContaining({
        logicalId: distribution.logicalId,
        property: 'DefaultCacheBehavior.ViewerProtocolPolicy',
        value: 'allow-all',
        ok: true,
      }),
    );
    expect(http.commands[0]).toBe(
      `aws cloudfront get-distribution-config --id "$${distribution.logicalId}" --query "DistributionConfig.{Default:DefaultCacheBehavior.ViewerProtocolPolicy,Paths:CacheBehaviors.Items[].[PathPattern,ViewerProtocolPolicy]}"`,
    );
    // CloudFront reads the origins with the viewer's protocol: each bucket's policy lets it.
    for (const path of ['CaRepo/Repository/Bucket/Resource', 'Replica/Bucket/Resource']) {
      expect(http.evidence).toContainEqual(
        expect.objectContaining({
          logicalId: resourceAt(assembly, path).logicalId,
          property: `bucket policy: ${distribution.logicalId} reads without TLS (CloudFront s3:GetObject, aws:SecureTransport false)`,
          value: expect.stringMatching(/^allowed \(statement /),
          ok: true,
        }),
      );
    }
    const storage = results.get('uc-a-private-storage')!;
    expect(storage.evidence).toContainEqual(
      expect.objectContaining({
        logicalId: resourceAt(assembly, 'CaRepo/Repository/Bucket/Resource').logicalId,
        property: 'bucket policy: Deny aws:SecureTransport=false (DenyNonTlsExceptDistributionReads)',
        value: expect.stringMatching(
          /^TLS required for every request except the distribution's reads, which CloudFront makes with the viewer's protocol \(ArnNotEquals aws:SourceArn arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution\/<CaRepoDeliveryDistribution\w+>\); CloudFront may only s3:GetObject$/,
        ),
        ok: true,
      }),
    );
    expect(storage.evidence).toContainEqual(
      expect.objectContaining({
        logicalId: resourceAt(assembly, 'CaRepo/Ingest/Bucket/Resource').logicalId,
        property: 'bucket policy: Deny aws:SecureTransport=false',
        value: 'present (TLS-only)',
        ok: true,
      }),
    );
    const logs = results.get('uc-a-encrypted-logs')!;
    const logBucket = resourceAt(assembly, 'CaRepo/AccessLogs/Bucket/Resource');
    expect(logs.commands).toContain(
      `aws s3api get-bucket-encryption --bucket "$${logBucket.logicalId}" --region ap-northeast-1`,
    );
  });

  it('tabulates the fingerprints of the pinned CA certificate shipped in the trust layer', async () => {
    const config = await exampleConfig();
    const { report } = await collectEvidence(await example(), {
      ...OPTIONS,
      configuredCertificates: config.trustCertificates,
    });
    const der = config.trustCertificates[0]!;
    expect(report.certificates).toHaveLength(1);
    expect(report.certificates[0]).toMatchObject({
      subject: expect.stringContaining('ca-repo Example Root CA'),
      sha256: createHash('sha256').update(der).digest('hex'),
      sha384: createHash('sha384').update(der).digest('hex'),
      sha512: createHash('sha512').update(der).digest('hex'),
    });
    expect(report.certificates[0]!.sources).toEqual([
      expect.stringMatching(/^CaRepoPublisherTrustLayer/),
      'configuration',
    ]);
  });

  it('turns the fingerprint row to not met when the configuration pins a certificate the assembly lacks', async () => {
    const other = await OpensslCa.create({
      dir: join(scratch, 'other-ca'),
      commonName: 'ca-repo Unsynthesized CA',
    });
    const config = await exampleConfig();
    const results = await rows(await example(), {
      configuredCertificates: [...config.trustCertificates, other.cert.certDer],
    });
    expect(results.get('uc-a-fingerprints')!.status).toBe('not-met');
    expect(results.get('uc-a-fingerprints')!.problems).toEqual([
      expect.stringMatching(
        /CN=ca-repo Unsynthesized CA is in the configuration but not in the synthesized trust layer$/,
      ),
    ]);
  });
});

/** Sets the publish gate's CA_POLICIES environment in the template, as `caPolicies` would. */
async function withCaPolicies(assembly: CloudAssembly, policies: Record<string, unknown>): Promise<void> {
  const pinned = await loadPinnedCertificates(assembly, undefined);
  const gate = publishGateFunctions(assembly, pinned.layers)[0]!;
  const fn = gate.stack.template.Resources[gate.logicalId]!;
  const environment = fn.Properties!.Environment as { Variables: Record<string, unknown> };
  environment.Variables.CA_POLICIES = JSON.stringify(policies);
}

describe('active and retired CAs, and the BR and CCADB rules covered', () => {
  it('shows the example CA active under the default policy', async () => {
    const { report } = await collectEvidence(await example(), OPTIONS);
    expect(report.caStatuses).toEqual([
      expect.objectContaining({
        status: 'active',
        profile: 'rfc5280',
        scope: 'subscriber',
        configured: false,
      }),
    ]);
    const row = report.results.find((r) => r.id === 'br-ca-retention')!;
    expect(row.summary).toMatch(/^1 active and 0 retired CA/);
    expect(row.evidence[0]).toMatchObject({
      property: expect.stringMatching(/^CA_POLICIES: .*Example Root CA/),
    });
  });

  it('shows a CA retired in the gate environment as retired, with the date its CRLs stop being accepted', async () => {
    const assembly = await example();
    const sha256 = (await exampleConfig()).trustCertificates.map((der) =>
      createHash('sha256').update(der).digest('hex'),
    )[0]!;
    await withCaPolicies(assembly, {
      [sha256]: {
        profile: 'br',
        scope: 'root',
        retired: true,
        lastCertificateExpiry: '2030-01-01T00:00:00Z',
      },
    });
    const { report } = await collectEvidence(assembly, OPTIONS);
    expect(report.caStatuses).toEqual([
      expect.objectContaining({
        sha256,
        status: 'retired',
        profile: 'br',
        scope: 'root',
        lastCertificateExpiry: '2030-01-01T00:00:00.000Z',
        configured: true,
      }),
    ]);
    const row = report.results.find((r) => r.id === 'br-ca-retention')!;
    expect(row.status).toBe('met');
    expect(row.summary).toMatch(/^0 active and 1 retired CA/);
    const markdown = renderEvidenceMarkdown(report);
    expect(markdown).toContain('retired: CRLs accepted until 2030-01-01T00:00:00.000Z; profile br, ARL');
    expect(renderEvidenceHtml(report)).toContain('<td>retired</td>');
  });

  it('turns the row to not met when a policy names no pinned CA', async () => {
    const assembly = await example();
    await withCaPolicies(assembly, { ['ab'.repeat(32)]: { profile: 'br' } });
    const results = await rows(assembly);
    expect(results.get('br-ca-retention')!.status).toBe('not-met');
    expect(results.get('br-ca-retention')!.problems).toEqual([
      `a CA policy names ${'ab'.repeat(32)}, which is not a pinned CA certificate`,
    ]);
  });

  it("lists every lint, deadline and the crl-urls disclosure from the code's own tables", async () => {
    const { report } = await collectEvidence(await example(), OPTIONS);
    const listed = report.revocationRules.map((r) => `${r.kind}:${r.id}:${r.citation}`);
    expect(listed).toEqual([
      ...CRL_LINTS.map((l) => `crl-lint:${l.id}:${l.citation}`),
      ...OCSP_LINTS.map((l) => `ocsp-lint:${l.id}:${l.citation}`),
      ...DEADLINE_NAMES.map((d) => `deadline:${d}:${DEADLINES[d].citation}`),
      expect.stringMatching(/^disclosure:crl-urls:CCADB/),
    ]);
    for (const rule of report.revocationRules) expect(existsSync(rule.source), rule.source).toBe(true);
    const reason = report.revocationRules.find((r) => r.id === 'crl-reason-br-allowed')!;
    expect(reason.enforcement).toMatch(/rfc5280: not applied, br: error/);
    const markdown = renderEvidenceMarkdown(report);
    expect(markdown).toContain('## BR and CCADB rules covered');
    for (const rule of report.revocationRules) expect(markdown).toContain(`\`${rule.id}\``);
  });
});

describe('broken configurations turn the matching rows to not met', () => {
  it('a public bucket (a bucket policy allowing Principal "*")', async () => {
    const assembly = await example();
    const policy = resourceAt(assembly, 'CaRepo/Repository/Bucket/Policy/Resource');
    const document = policy.Properties!.PolicyDocument as { Statement: unknown[] };
    document.Statement.push({
      Sid: 'PublicRead',
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: '*',
    });
    const results = await rows(assembly);
    expect(results.get('uc-a-private-storage')!.status).toBe('not-met');
    expect(results.get('uc-a-private-storage')!.problems).toEqual([
      expect.stringMatching(/bucket policy of CaRepoRepositoryBucket\w+ allows s3:GetObject to anyone/),
    ]);
    expect(statuses(results)).toMatchObject({ ...ALL_MET, 'uc-a-private-storage': 'not-met' });
  });

  it('a public bucket (Block Public Access off) whose policy lets anyone write', async () => {
    const assembly = await example();
    const bucket = resourceAt(assembly, 'CaRepo/Repository/Bucket/Resource');
    delete bucket.Properties!.PublicAccessBlockConfiguration;
    const policy = resourceAt(assembly, 'CaRepo/Repository/Bucket/Policy/Resource');
    (policy.Properties!.PolicyDocument as { Statement: unknown[] }).Statement.push({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['s3:PutObject'],
      Resource: '*',
    });
    const results = await rows(assembly);
    expect(results.get('uc-a-private-storage')!.problems).toEqual([
      `${bucket.logicalId} does not block public access (PublicAccessBlockConfiguration (absent))`,
      expect.stringContaining('allows s3:PutObject to anyone'),
    ]);
    expect(results.get('uc-a-signed-artifacts')!.status).toBe('not-met');
    expect(results.get('uc-a-signed-artifacts')!.problems).toEqual([
      `the bucket policy of ${bucket.logicalId} lets anyone (Principal "*") write objects (s3:PutObject)`,
    ]);
  });

  it('logs unencrypted (no BucketEncryption on the access-log bucket)', async () => {
    const assembly = await example();
    const logBucket = resourceAt(assembly, 'CaRepo/AccessLogs/Bucket/Resource');
    delete logBucket.Properties!.BucketEncryption;
    const results = await rows(assembly);
    const logs = results.get('uc-a-encrypted-logs')!;
    expect(logs.status).toBe('not-met');
    expect(logs.problems).toEqual([
      expect.stringMatching(new RegExp(`^log bucket ${logBucket.logicalId} declares no default encryption`)),
    ]);
    expect(logs.evidence).toContainEqual(
      expect.objectContaining({
        logicalId: logBucket.logicalId,
        property: 'BucketEncryption.ServerSideEncryptionConfiguration',
        ok: false,
      }),
    );
    expect(statuses(results)).toMatchObject({ ...ALL_MET, 'uc-a-encrypted-logs': 'not-met' });
  });

  it('plain HTTP redirected to HTTPS on the CRL paths (default behaviour redirect-to-https)', async () => {
    const assembly = await example();
    const distribution = resourceAt(assembly, 'Delivery/Distribution/Resource');
    const config = distribution.Properties!.DistributionConfig as {
      DefaultCacheBehavior: Record<string, unknown>;
    };
    config.DefaultCacheBehavior.ViewerProtocolPolicy = 'redirect-to-https';
    const { report } = await collectEvidence(assembly, OPTIONS);
    const results = new Map(report.results.map((r) => [r.id, r]));
    const http = results.get('br-http-not-redirected')!;
    expect(http.status).toBe('not-met');
    expect(http.problems).toEqual([
      `the default behaviour (CRLs, CA certificates, CP/CPS) of ${distribution.logicalId} is redirect-to-https: plain-HTTP requests are redirected to HTTPS (301)`,
    ]);
    expect(statuses(results)).toMatchObject({ ...ALL_MET, 'br-http-not-redirected': 'not-met' });
  });

  it('origin buckets TLS-only for CloudFront too (enforceSSL): plain-HTTP cache misses are refused', async () => {
    const assembly = await example();
    const buckets = ['CaRepo/Repository/Bucket', 'Replica/Bucket'].map((path) => {
      const bucket = resourceAt(assembly, `${path}/Resource`);
      const policy = resourceAt(assembly, `${path}/Policy/Resource`);
      const statements = (policy.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      const deny = statements.find((st) => st.Sid === 'DenyNonTlsExceptDistributionReads')!;
      // What `enforceSSL: true` writes: no exemption for the distribution's reads.
      delete deny.Sid;
      deny.Condition = { Bool: { 'aws:SecureTransport': 'false' } };
      return bucket.logicalId;
    });
    const distribution = resourceAt(assembly, 'Delivery/Distribution/Resource');
    const results = await rows(assembly);
    const http = results.get('br-http-not-redirected')!;
    expect(http.status).toBe('not-met');
    expect(http.problems).toEqual([
      `plain-HTTP cache misses of the default behaviour (CRLs, CA certificates, CP/CPS) and behaviour /ocsp and behaviour /ocsp/* of ${distribution.logicalId} are refused: CloudFront forwards them to the S3 origin ${buckets[0]} over HTTP (the protocol the viewer used), and its bucket policy (statement #2) denies requests without TLS (aws:SecureTransport false) with no exemption for this distribution's reads, so S3 answers 403 and relying parties get 404 or OCSP "unauthorized"`,
      `plain-HTTP cache misses of the default behaviour (CRLs, CA certificates, CP/CPS) of ${distribution.logicalId} are refused: CloudFront forwards them to the S3 origin ${buckets[1]} over HTTP (the protocol the viewer used), and its bucket policy (statement #1) denies requests without TLS (aws:SecureTransport false) with no exemption for this distribution's reads, so S3 answers 403 and relying parties get 404 or OCSP "unauthorized"`,
    ]);
    expect(http.evidence).toContainEqual(
      expect.objectContaining({
        logicalId: buckets[0],
        property: `bucket policy: ${distribution.logicalId} reads without TLS (CloudFront s3:GetObject, aws:SecureTransport false)`,
        value: 'denied by statement #2',
        ok: false,
      }),
    );
    // Still private and TLS-only: only the HTTP row sees the breakage.
    expect(statuses(results)).toMatchObject({ ...ALL_MET, 'br-http-not-redirected': 'not-met' });
  });

  it('a TLS exemption wider than the distribution, and CloudFront allowed to write through it', async () => {
    const assembly = await example();
    const policy = resourceAt(assembly, 'CaRepo/Repository/Bucket/Policy/Resource');
    const bucket = resourceAt(assembly, 'CaRepo/Repository/Bucket/Resource');
    const statements = (policy.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    const deny = statements.find((st) => st.Sid === 'DenyNonTlsExceptDistributionReads')!;
    // Exempts every AWS service acting for a resource of the account, not only the distribution.
    deny.Condition = {
      Bool: { 'aws:SecureTransport': 'false' },
      StringNotEquals: { 'aws:SourceAccount': '123456789012' },
    };
    let results = await rows(assembly);
    expect(results.get('uc-a-private-storage')!.problems).toEqual([
      `${bucket.logicalId} accepts requests without TLS from callers its TLS denial exempts (StringNotEquals aws:SourceAccount 123456789012)`,
    ]);
    expect(statuses(results)).toMatchObject({ ...ALL_MET, 'uc-a-private-storage': 'not-met' });

    const replicaPolicy = resourceAt(assembly, 'Replica/Bucket/Policy/Resource');
    const replica = resourceAt(assembly, 'Replica/Bucket/Resource');
    const allow = (
      replicaPolicy.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement.find((st) => st.Sid === 'AllowCloudFrontOriginAccessControlRead')!;
    allow.Action = ['s3:GetObject', 's3:PutObject'];
    results = await rows(assembly);
    expect(results.get('uc-a-private-storage')!.problems).toContain(
      `${replica.logicalId} lets CloudFront, which it exempts from TLS, do more than read (s3:PutObject): writes without TLS`,
    );
  });

  it('a lifecycle rule moving the repository to One Zone-IA', async () => {
    const assembly = await example();
    const bucket = resourceAt(assembly, 'CaRepo/Repository/Bucket/Resource');
    const lifecycle = bucket.Properties!.LifecycleConfiguration as { Rules: unknown[] };
    lifecycle.Rules.push({
      Id: 'cheaper',
      Status: 'Enabled',
      Transitions: [{ StorageClass: 'ONEZONE_IA', TransitionInDays: 30 }],
    });
    const results = await rows(assembly);
    expect(results.get('uc-a-multi-az')!.status).toBe('not-met');
    expect(results.get('uc-a-multi-az')!.problems).toEqual([
      `${bucket.logicalId} moves objects to ONEZONE_IA (rule cheaper): a single Availability Zone`,
    ]);
  });

  it('an uploader role that may write the repository, a KMS signing key, an alarm topic nobody reads', async () => {
    const assembly = await example();
    const role = resourceAt(assembly, 'CaRepo/Uploader/Role/Resource');
    const repository = resourceAt(assembly, 'CaRepo/Repository/Bucket/Resource');
    const inline = (role.Properties!.Policies as { PolicyDocument: { Statement: unknown[] } }[])[0]!;
    inline.PolicyDocument.Statement.push({
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [repository.logicalId, 'Arn'] }, '/*']] },
    });
    const primary = assembly.stack('ca-repo').template.Resources;
    primary.SigningKey = {
      Type: 'AWS::KMS::Key',
      Properties: { KeyUsage: 'SIGN_VERIFY', KeySpec: 'ECC_NIST_P256' },
    };
    const subscription = Object.keys(primary).find((id) => primary[id]!.Type === 'AWS::SNS::Subscription')!;
    delete primary[subscription];
    const results = await rows(assembly);
    expect(statuses(results)).toMatchObject({
      'uc-a-outbound-only': 'not-met',
      'uc-a-signed-artifacts': 'not-met',
      'uc-a-no-key-in-cloud': 'not-met',
      'uc-a-monitoring': 'not-met',
      'br-http-not-redirected': 'met',
    });
    expect(results.get('uc-a-no-key-in-cloud')!.problems).toEqual([
      'SigningKey is a KMS SIGN_VERIFY key: a signing key in the cloud',
    ]);
  });

  it('shows a not-met row in both documents, never hides it', async () => {
    const assembly = await example();
    const distribution = resourceAt(assembly, 'Delivery/Distribution/Resource');
    (
      distribution.Properties!.DistributionConfig as { DefaultCacheBehavior: Record<string, unknown> }
    ).DefaultCacheBehavior.ViewerProtocolPolicy = 'https-only';
    const out = join(scratch, 'broken-pack');
    const { files, report } = await writeEvidencePack(assembly, out, OPTIONS);
    expect(report.results).toHaveLength(18);
    const html = await readFile(files.html, 'utf8');
    expect(html).toMatch(
      /<tr id="br-http-not-redirected" class="not-met">[\s\S]*?<span class="pill not-met">not met<\/span>/,
    );
    const markdown = await readFile(files.markdown, 'utf8');
    expect(markdown).toContain(
      '### 11. CDP, AIA and OCSP served over plain HTTP, never redirected — ❌ **NOT MET**',
    );
    expect(markdown).toContain('is https-only: plain-HTTP requests are refused');
  });
});

describe('audit rows: met for the example, not met when a feature is switched off', () => {
  it('the example meets log integrity, upload access, abuse limits and replication monitoring', async () => {
    const assembly = await example();
    const results = await rows(assembly);
    for (const id of [
      'uc-a-log-integrity',
      'uc-a-upload-access',
      'uc-a-abuse-limits',
      'uc-a-replication-monitoring',
    ]) {
      const row = results.get(id)!;
      expect(row.status, `${id}: ${row.problems.join('; ')}`).toBe('met');
      expect(
        row.commands.some((c) => c.startsWith('aws ')),
        id,
      ).toBe(true);
    }
    const trail = resourceAt(assembly, 'CaRepo/AuditTrail/Trail/Resource');
    expect(results.get('uc-a-log-integrity')!.evidence).toContainEqual(
      expect.objectContaining({
        logicalId: trail.logicalId,
        property: 'EnableLogFileValidation',
        value: 'true',
        ok: true,
      }),
    );
    expect(results.get('uc-a-log-integrity')!.commands).toContainEqual(
      expect.stringMatching(/^aws cloudtrail validate-logs --region ap-northeast-1 --trail-arn /),
    );
    const webAcl = resourceAt(assembly, 'OcspWebAcl/WebAcl');
    expect(results.get('uc-a-abuse-limits')!.evidence).toContainEqual(
      expect.objectContaining({
        logicalId: webAcl.logicalId,
        property: 'rate-based rule (OCSP POST only)',
        ok: true,
      }),
    );
    const anchor = resourceAt(assembly, 'CaRepo/Uploader/TrustAnchor');
    expect(results.get('uc-a-upload-access')!.evidence).toContainEqual(
      expect.objectContaining({
        logicalId: anchor.logicalId,
        property: 'Source (uploader-issuing CA)',
        ok: true,
      }),
    );
  });

  it('Object Lock, the trail and the web ACL switched off: log integrity and abuse limits are not met', async () => {
    const results = await rows(await readCloudAssembly(auditOffDir));
    expect(statuses(results)).toMatchObject({
      'uc-a-log-integrity': 'not-met',
      'uc-a-abuse-limits': 'not-met',
      'uc-a-upload-access': 'met',
    });
    expect(results.get('uc-a-log-integrity')!.problems).toEqual(
      expect.arrayContaining([
        'no CloudTrail trail: nothing records who wrote what to the ingest and repository buckets',
        expect.stringMatching(/^the repository CaRepoRepositoryBucket\w+ has no Object Lock/),
        expect.stringMatching(/^the replica ReplicaBucket\w+ has no Object Lock/),
      ]),
    );
    expect(results.get('uc-a-abuse-limits')!.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CaRepoDeliveryDistribution\w+ has no web ACL: OCSP POSTs are unlimited$/),
      ]),
    );
    // Without the health checker nothing compares the replica's CRLs.
    expect(results.get('uc-a-replication-monitoring')).toMatchObject({
      status: 'not-met',
      problems: ['no health checker compares the replica’s copy of each CRL with the primary’s'],
    });
  });

  it('an uploader role trusting the whole account, or granted overwrites, fails the upload-access row', async () => {
    const assembly = await example();
    const role = resourceAt(assembly, 'CaRepo/Uploader/Role/Resource');
    const trust = role.Properties!.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] };
    trust.Statement = [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
    ];
    const inline = (
      role.Properties!.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[]
    )[0]!;
    const put = inline.PolicyDocument.Statement.find((st) => st.Sid === 'PutBundles')!;
    put.Condition = { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } };
    const results = await rows(assembly);
    expect(results.get('uc-a-upload-access')!.status).toBe('not-met');
    expect(results.get('uc-a-upload-access')!.problems).toEqual([
      `${role.logicalId} may be assumed by arn:aws:iam::123456789012:root: not one named uploader identity`,
      `${role.logicalId} may replace existing objects (s3:PutObject without the s3:if-none-match condition, or outside bundles/)`,
    ]);
  });

  it('replication alarms removed: the replication row is not met', async () => {
    const assembly = await example();
    const primary = assembly.stack('ca-repo').template.Resources;
    for (const id of Object.keys(primary).filter((id) => id.startsWith('CaRepoReplicationMonitor')))
      delete primary[id];
    const results = await rows(assembly);
    expect(results.get('uc-a-replication-monitoring')!.problems).toEqual([
      'no alarm that notifies anyone watches ReplicationLatency of ca-repo-repository-123456789012-ap-northeast-1 → ca-repo-replica-123456789012-ap-northeast-3',
      'no alarm that notifies anyone watches OperationsFailedReplication of ca-repo-repository-123456789012-ap-northeast-1 → ca-repo-replica-123456789012-ap-northeast-3',
    ]);
  });
});

describe('the architecture diagram follows the app', () => {
  it('draws two Regions with a replica: the replication and the origin failover between them', async () => {
    const { diagram, dot } = await collectEvidence(await example(), OPTIONS);
    expect([...diagram.regions].sort()).toEqual(['ap-northeast-1', 'ap-northeast-3']);
    expect(dot).toContain(
      'label=<<FONT POINT-SIZE="12" COLOR="#007A7C"><B>AWS Region ap-northeast-3 (replica)</B>',
    );
    expect(diagram.edges).toContainEqual(
      expect.objectContaining({ kind: 'replication', label: 'Cross-Region Replication (RTC 15 min) [TLS]' }),
    );
    expect(diagram.edges.filter((e) => e.kind === 'origin').map((e) => e.label)).toEqual([
      'origin read (OAC SigV4)',
      'failover origin on 403/404/5xx\\n(OAC SigV4 read)',
    ]);
    const originBuckets = diagram.nodes.filter((n) => n.availabilityZones);
    expect(originBuckets.map((n) => n.availabilityZones!.region).sort()).toEqual([
      'ap-northeast-1',
      'ap-northeast-3',
    ]);
    expect(dot).toContain('S3 Standard: ≥3 AZs</B> of ap-northeast-1');
  });

  it('draws one Region without a replica, and the second-Region row becomes not applicable', async () => {
    const assembly = await readCloudAssembly(singleRegionDir);
    const { diagram, dot, report } = await collectEvidence(assembly, OPTIONS);
    expect(diagram.regions).toEqual(['ap-northeast-1']);
    expect(dot).not.toContain('ap-northeast-3');
    expect(diagram.edges.some((e) => e.kind === 'replication')).toBe(false);
    expect(report.results.find((r) => r.id === 'uc-a-second-region')!.status).toBe('not-applicable');
  });

  it('draws the on-premises side, the outbound-only upload, CloudFront with its edge code and the relying parties', async () => {
    const { diagram, dot } = await collectEvidence(await example(), OPTIONS);
    expect(diagram.edges).toContainEqual(
      expect.objectContaining({
        from: 'onprem_uploader',
        kind: 'upload',
        label: expect.stringContaining('HTTPS upload (outbound only) [TLS]'),
      }),
    );
    expect(
      diagram.nodes
        .filter((n) => n.kind === 'edge-function')
        .map((n) => n.title)
        .sort(),
    ).toEqual(['OriginRequest', 'OriginResponse']);
    expect(diagram.nodes.find((n) => n.kind === 'cloudfront-function')?.clusterId).toBe('edge');
    expect(diagram.edges).toContainEqual(
      expect.objectContaining({
        to: 'relying_parties',
        kind: 'serve',
        label: expect.stringContaining('HTTP CDP / AIA / OCSP'),
      }),
    );
    expect(diagram.nodes.filter((n) => n.kind === 'alarms').map((n) => n.title)).toContain('Alarms ×5');
    expect(dot).toContain('[encrypted] SSE-S3');
    expect(dot).toMatch(/CaRepoRepositoryBucket[0-9A-F]{8}<\/FONT>/);
  });

  it('a queue and a bucket added to the app appear in the diagram and the DOT source', async () => {
    const assembly = await readCloudAssembly(extendedDir);
    const { diagram, dot, report } = await collectEvidence(assembly, OPTIONS);
    const queue = diagram.nodes.find((n) => n.title === 'ExtraQueue')!;
    expect(queue).toMatchObject({ kind: 'queue', service: 'SQS queue', clusterId: 'region_ap_northeast_1' });
    expect(queue.logicalIds).toEqual([expect.stringMatching(/^ExtraQueue[0-9A-F]{8}$/)]);
    expect(dot).toContain(`${queue.id} [label=`);
    expect(dot).toContain(queue.logicalIds[0]);
    const bucket = diagram.nodes.find((n) => n.logicalIds.some((id) => id.startsWith('CaRepoExtraBucket')))!;
    // No `encryption` on the new bucket: the template declares none, and the box says so in red.
    expect(bucket).toMatchObject({
      kind: 'bucket',
      title: 'ExtraBucket',
      marks: ['[NOT declared: SSE]', '[TLS only]'],
    });
    expect(dot).toContain(bucket.logicalIds[0]);
    // The new bucket is checked like every other: private, TLS-only, encrypted.
    expect(
      report.results
        .find((r) => r.id === 'uc-a-private-storage')!
        .evidence.some((e) => e.logicalId === bucket.logicalIds[0]),
    ).toBe(true);
  });

  it('a resource of a type it has never seen is drawn too, not dropped', async () => {
    const assembly = await example();
    assembly.stack('ca-repo').template.Resources.RepositoryTable = {
      Type: 'AWS::DynamoDB::Table',
      Properties: {},
      Metadata: { 'aws:cdk:path': 'ca-repo/CaRepo/Repository/Table/Resource' },
    };
    const { diagram, dot } = await collectEvidence(assembly, OPTIONS);
    expect(diagram.nodes.find((n) => n.logicalIds.includes('RepositoryTable'))).toMatchObject({
      service: 'DynamoDB table',
      clusterId: 'group_ca_repo_CaRepo_Repository',
    });
    expect(dot).toContain('RepositoryTable');
  });

  it('draws the health checker when the app has one: schedule, probe, ledger, alarms, dashboard', async () => {
    const assembly = await readCloudAssembly(healthDir);
    const { diagram, report } = await collectEvidence(assembly, OPTIONS);
    const byTitle = (title: string) =>
      diagram.nodes.find((n) => n.title === title && n.clusterId.includes('Health'));
    const checker = byTitle('Checker')!;
    expect(byTitle('Schedule')).toMatchObject({ kind: 'schedule', details: ['rate(1 minute)'] });
    expect(byTitle('LedgerBucket')).toMatchObject({
      kind: 'bucket',
      marks: ['[encrypted] SSE-S3', '[TLS only]', '[Object Lock GOVERNANCE 30 d]'],
    });
    expect(byTitle('Dashboard')).toMatchObject({ kind: 'dashboard' });
    // One node for the health checker's alarms: the probes' and one per BR deadline class.
    const alarms = diagram.nodes.find((n) => n.kind === 'alarms' && n.clusterId.includes('Health'))!;
    expect(alarms.title).toBe(`Alarms ×${alarms.logicalIds.length}`);
    expect(alarms.logicalIds.length).toBeGreaterThanOrEqual(10);
    const distribution = diagram.nodes.find((n) => n.kind === 'distribution')!;
    expect(diagram.edges).toContainEqual(
      expect.objectContaining({
        from: checker.id,
        to: distribution.id,
        label: 'HTTP probes (as a relying party)',
      }),
    );
    const results = new Map(report.results.map((r) => [r.id, r]));
    expect(results.get('uc-a-operational-record')).toMatchObject({ status: 'met' });
    expect(
      results
        .get('uc-a-encrypted-logs')!
        .evidence.some((e) => e.logicalId.startsWith('CaRepoHealthLedgerBucket')),
    ).toBe(true);
    // The checker carries the pinned certificates too, but it is not a publish gate.
    expect(results.get('uc-a-signed-artifacts')!.summary).not.toContain('Health');
    expect(statuses(results)).toMatchObject({
      ...ALL_MET,
      'uc-a-second-region': 'not-applicable',
      'uc-a-replication-monitoring': 'not-applicable',
    });
  });

  it('accounts for every template resource: drawn, or listed as not drawn with the reason', async () => {
    const assembly = await example();
    const { report, diagram } = await collectEvidence(assembly, OPTIONS);
    expect(report.inventory).toHaveLength(assembly.resources().length);
    const drawn = new Set(diagram.nodes.flatMap((n) => n.logicalIds));
    const omitted = new Set(diagram.omitted.flatMap((o) => o.logicalIds));
    for (const resource of assembly.resources()) {
      expect(drawn.has(resource.logicalId) || omitted.has(resource.logicalId), resource.logicalId).toBe(true);
    }
  });
});

describe('ca-repo evidence', () => {
  /** A run whose CRL probe took `latencyMs`; a negative latency marks a failed probe. */
  function runAt(minute: number, latencyMs: number): ProbeRun {
    const time = new Date(Date.parse('2026-11-22T08:00:00Z') + minute * 60_000).toISOString();
    const outcome = latencyMs < 0 ? 'fail' : 'ok';
    return {
      startedAt: time,
      finishedAt: time,
      repositories: ['http://repo.example.jp/'],
      results: [
        {
          time,
          check: 'crl',
          target: 'http://repo.example.jp/crl/root.crl',
          outcome,
          latencyMs: Math.abs(latencyMs),
          detail: outcome === 'ok' ? 'fresh' : 'HTTP 503',
        },
        {
          time,
          check: 'index',
          target: 'http://repo.example.jp/index.json',
          outcome: 'ok',
          latencyMs: 40,
          detail: 'ok',
        },
      ],
    };
  }

  async function ledgerWith(name: string, latencies: number[]): Promise<string> {
    const dir = join(scratch, name);
    const ledger = new HealthLedger({ store: new DirectoryObjectStore(dir) });
    for (const [minute, latency] of latencies.entries()) await ledger.append(runAt(minute, latency));
    return dir;
  }

  it('writes the diagram (DOT and SVG) and both documents from an existing assembly', async () => {
    const out = join(scratch, 'cli-pack');
    const log: string[] = [];
    const original = console.log;
    console.log = (line: string) => log.push(line);
    let code: number;
    try {
      code = await runEvidence({ assembly: exampleDir, out });
    } finally {
      console.log = original;
    }
    expect(code).toBe(0);
    const svg = await readFile(join(out, 'architecture.svg'), 'utf8');
    // Graphviz writes '-' as &#45; in SVG text.
    expect(svg).toMatch(
      /^<\?xml[\s\S]*<svg [\s\S]*AWS Region ap&#45;northeast&#45;3 \(replica\)[\s\S]*<\/svg>\s*$/,
    );
    expect(await readFile(join(out, 'architecture.dot'), 'utf8')).toMatch(
      /^\/\/ Generated by `ca-repo evidence`[\s\S]*digraph architecture \{/,
    );
    expect(await readFile(join(out, 'evidence.html'), 'utf8')).toContain('<h2 id="fingerprints">');
    expect(await readFile(join(out, 'evidence.md'), 'utf8')).toContain(
      '## Pinned CA certificates (survey item 3513)',
    );
    expect(log.join('\n')).toMatch(/met +Availability across at least two Availability Zones/);
  });

  it('summarises a ledger: measured availability and p99 latency against 10 s', async () => {
    const assembly = await example();
    const fast = await loadAvailabilitySummary(await ledgerWith('ledger-fast', [120, 95, 130, 110]), {
      now: new Date(),
    });
    expect(fast).toMatchObject({ chainIntact: true, runs: 4, availabilityPercent: 100 });
    const results = await rows(assembly, { availability: fast });
    expect(results.get('uc-a-operational-record')!.status).toBe('met');
    expect(results.get('br-response-time')!.status).toBe('met');
    expect(results.get('br-response-time')!.evidence).toContainEqual(
      expect.objectContaining({
        property: 'measured latency p50 / p95 / p99 / max',
        value: '40 / 130 / 130 / 130 ms over 8 probe(s)',
      }),
    );

    const slow = await loadAvailabilitySummary(await ledgerWith('ledger-slow', [120, 12_000]), {
      now: new Date(),
    });
    const slowResults = await rows(assembly, { availability: slow });
    expect(slowResults.get('br-response-time')!.status).toBe('not-met');
    expect(slowResults.get('br-response-time')!.problems).toContain(
      'measured p99 latency 12000 ms is not below the 10 s bound',
    );
  });

  it('turns the 24x7 row to not met when measured availability misses the SLO', async () => {
    const dir = await ledgerWith('ledger-outage', [100, 100, -200, 100]);
    const summary = await loadAvailabilitySummary(dir, { now: new Date(), sloPercent: 99.9 });
    expect(summary).toMatchObject({
      runs: 4,
      healthyRuns: 3,
      availabilityPercent: 75,
      meetsSlo: false,
      incidents: 1,
    });
    const results = await rows(await example(), { availability: summary });
    expect(results.get('br-24x7')).toMatchObject({
      status: 'not-met',
      problems: ['measured availability 75 % is below the SLO of 99.9 %'],
    });
    expect(results.get('uc-a-operational-record')!.status).toBe('met');
  });
});

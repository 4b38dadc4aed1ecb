/**
 * Survey item 3513: the CA certificate's SHA-256 / SHA-384 / SHA-512 fingerprints are published
 * with tamper-prevention measures. The publish gate writes them into index.json and index.html for
 * every pinned CA certificate it accepts; only the gate writes the served bucket (integrity row),
 * which is versioned, so a replaced index is kept and visible. The table itself is in the pack.
 */
import { cacheBehaviors, originBuckets, publishGateFunctions } from '../app-topology.ts';
import { formatFingerprint } from '../../lambda/core/publish/repository-index.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { versioningStatus } from '../template-query.ts';

export const fingerprintsRequirement: Requirement = {
  id: 'uc-a-fingerprints',
  title: 'CA certificate fingerprints published (SHA-256/384/512)',
  source: 'Digital Agency survey item 3513: fingerprints published with tamper-prevention measures',
  group: 'use-case-a',
  evaluate({ assembly, shell, pinned }) {
    const findings = new Findings();
    if (pinned.certificates.length === 0) {
      findings.fail('no pinned CA certificate was found in the assembly or the configuration');
    }
    const layer = pinned.layers[0];
    for (const certificate of pinned.certificates) {
      const where = certificate.sources.join(', ');
      if (layer) {
        findings.check(
          layer,
          `pinned: ${certificate.subject}`,
          `SHA-256 ${formatFingerprint(certificate.sha256)} (${where})`,
          true,
        );
      }
    }
    for (const mismatch of pinned.mismatches) findings.fail(mismatch);
    const gates = publishGateFunctions(assembly, pinned.layers);
    if (gates.length === 0)
      findings.fail('no publish gate writes index.json (no function carries the pinned certificates)');
    for (const bucket of originBuckets(assembly)) {
      const versioning = versioningStatus(bucket);
      findings.check(
        bucket,
        'VersioningConfiguration.Status',
        `${versioning} (every replaced index.json version is kept)`,
        versioning === 'Enabled',
        `${bucket.logicalId} is not versioned: a replaced index.json would leave no trace`,
      );
    }
    const distribution = assembly.ofType('AWS::CloudFront::Distribution')[0];
    if (distribution) {
      const defaultBehavior = cacheBehaviors(distribution).find((b) => b.pathPattern === '(default)');
      findings.check(
        distribution,
        'DefaultCacheBehavior (serves /index.json, /index.html)',
        `ViewerProtocolPolicy ${defaultBehavior?.viewerProtocolPolicy ?? '(none)'}`,
        defaultBehavior !== undefined,
      );
    }
    const host = shell.host(distribution);
    findings.command(
      `curl -s http://${host}/index.json | jq -r '.caCertificates[] | [.subject, .sha256, .sha384, .sha512] | @tsv'`,
    );
    findings.command(
      'openssl x509 -in CA.pem -noout -fingerprint -sha256   # and -sha384, -sha512: compare with the table',
    );
    for (const bucket of originBuckets(assembly).slice(0, 1)) {
      findings.command(
        `aws s3api list-object-versions --bucket ${shell.physicalId(bucket)} --region ${bucket.stack.region} --prefix index.json --query "Versions[].[VersionId,LastModified,IsLatest]" --output table`,
      );
    }
    findings.note(
      "Relying parties should compare against fingerprints obtained out of band (CP/CPS, the CA's own site over HTTPS); the pack's table is computed from the certificates in the synthesized trust layer.",
    );
    return findings.conclude(
      {
        met: `${pinned.certificates.length} pinned CA certificate(s); the publish gate writes their SHA-256/384/512 into index.json and index.html in a versioned bucket only it may write.`,
      },
      ['README.md (index.json, survey item 3513)', 'lambda/core/publish/repository-index.ts'],
    );
  },
};

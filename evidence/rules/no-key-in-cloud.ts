/**
 * Use case A: no signing key in the cloud. The CA signs everything on-premises with its HSM; the
 * cloud side holds no asymmetric signing key (KMS SIGN_VERIFY, AWS Private CA, Payment
 * Cryptography), no secret, no long-term access key, no permission to sign, and no private key
 * material in any template or in the trust layer shipped to the publisher.
 */
import { detectPrivateKey } from '../../lambda/core/publish/detect-private-key.ts';
import { Findings, type Requirement } from '../requirement.ts';
import { describeValue, grantsAny, roleStatements } from '../template-query.ts';

/** Resource types that are, or hold, a signing key or a secret. */
const KEY_HOLDING_TYPES: Record<string, string> = {
  'AWS::ACMPCA::CertificateAuthority': 'a private CA (its signing key lives in AWS)',
  'AWS::PaymentCryptography::Key': 'a Payment Cryptography key',
  'AWS::SecretsManager::Secret': 'a secret',
  'AWS::IAM::AccessKey': 'a long-term IAM access key',
  'AWS::CloudHSM::Cluster': 'a CloudHSM cluster',
};

/** Actions that sign with a key held in AWS. */
const SIGNING_ACTIONS = [
  'kms:Sign',
  'acm-pca:IssueCertificate',
  'payment-cryptography:GenerateMac',
  'cloudhsm:*',
];

export const noKeyInCloudRequirement: Requirement = {
  id: 'uc-a-no-key-in-cloud',
  title: 'No signing key in the cloud',
  source:
    'Use case A: OCSP served as pre-generated responses on a CDN, so no signing key in the cloud; keys stay in the on-premises HSM',
  group: 'use-case-a',
  evaluate({ assembly, shell, pinned }) {
    const findings = new Findings();
    for (const key of assembly.ofType('AWS::KMS::Key')) {
      const usage = String(key.properties.KeyUsage ?? 'ENCRYPT_DECRYPT');
      findings.check(
        key,
        'KeyUsage / KeySpec',
        `${usage} / ${String(key.properties.KeySpec ?? 'SYMMETRIC_DEFAULT')}`,
        usage !== 'SIGN_VERIFY' && usage !== 'GENERATE_VERIFY_MAC',
        `${key.logicalId} is a KMS ${usage} key: a signing key in the cloud`,
      );
    }
    for (const [type, what] of Object.entries(KEY_HOLDING_TYPES)) {
      for (const resource of assembly.ofType(type)) {
        findings.check(resource, 'Type', type, false, `${resource.logicalId} is ${what}`);
      }
    }
    for (const role of assembly.ofType('AWS::IAM::Role')) {
      for (const statement of roleStatements(assembly, role).filter((s) => grantsAny(s, SIGNING_ACTIONS))) {
        findings.check(
          role,
          `identity policy ${statement.Sid ?? ''}`.trim(),
          describeValue(statement.Action),
          false,
          `${role.logicalId} may sign in the cloud (${describeValue(statement.Action)})`,
        );
      }
    }
    for (const stack of assembly.stacks) {
      const resources = Object.values(stack.template.Resources);
      const text = JSON.stringify(stack.template);
      const key = detectPrivateKey(new TextEncoder().encode(text));
      const kinds = [
        ['AWS::KMS::Key', 'KMS keys'],
        ['AWS::SecretsManager::Secret', 'secrets'],
        ['AWS::ACMPCA::CertificateAuthority', 'private CAs'],
      ].map(([type, label]) => `${resources.filter((r) => r.Type === type).length} ${label}`);
      findings.checkTemplate(
        stack,
        `${resources.length} resources scanned`,
        `${kinds.join(', ')}; private key material: ${key ?? 'none'}`,
        key === undefined,
        `the template ${stack.templateFile} contains private key material (${key})`,
      );
      findings.command(
        `aws kms list-keys --region ${stack.region} --query "Keys[].KeyId" --output text | xargs -n1 -I{} aws kms describe-key --region ${stack.region} --key-id {} --query "KeyMetadata.[KeyId,KeyUsage,KeyManager]" --output text   # no SIGN_VERIFY`,
      );
      findings.command(
        `aws secretsmanager list-secrets --region ${stack.region} --query "SecretList[].Name"   # expect []`,
      );
    }
    for (const layer of pinned.layers) {
      const scanned = pinned.layerFiles.filter((f) => f.layer === layer);
      const withKeys = scanned.filter((f) => f.key);
      findings.check(
        layer,
        'Content (asset files scanned for private keys)',
        withKeys.length === 0
          ? `${scanned.length} file(s), certificates only`
          : withKeys.map((f) => `${f.file}: ${f.key}`).join('; '),
        withKeys.length === 0,
        `the trust layer ${layer.logicalId} ships private key material`,
      );
      findings.command(
        `aws lambda get-layer-version-by-arn --arn ${shell.physicalId(layer)} --region ${layer.stack.region} --query Content.Location --output text   # download and unzip: certificates only`,
      );
    }
    for (const region of new Set(assembly.stacks.map((s) => s.region))) {
      findings.command(
        `aws acm-pca list-certificate-authorities --region ${region} --query "CertificateAuthorities[].Arn"   # expect []`,
      );
    }
    findings.note(
      'The publish gate also refuses any uploaded file that holds a private key (PEM, PKCS#8/#1, SEC1, PKCS#12, OpenSSH, PGP, PuTTY): lambda/core/publish/detect-private-key.ts.',
    );
    return findings.conclude(
      {
        met: `No KMS signing key, private CA, secret or access key in ${assembly.stacks.length} templates, no permission to sign, and no private key material in the templates or the trust layer.`,
      },
      ['README.md "OCSP from pre-generated responses"', 'lambda/core/publish/detect-private-key.ts'],
    );
  },
};

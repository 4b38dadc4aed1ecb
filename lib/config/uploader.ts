/**
 * Who the on-prem uploader is and where it calls from. Both are required: the uploader role used to
 * trust the whole account with no source condition, which an audit of the upload path cannot accept.
 *
 * - `uploaderIdentity`: IAM Roles Anywhere (a trust anchor holding a dedicated uploader-issuing CA,
 *   never a CA whose subscribers are the public, and the subject the uploader's certificate must
 *   carry) or one named IAM principal;
 * - `uploaderSources`: the uploader's public egress ranges, or the S3 VPC endpoint it uses.
 */
import { bytesEqual } from '../../lambda/core/encoding/bytes.ts';
import { parseCertificate } from '../../lambda/core/pki/trust-store.ts';
import { commonNameOf, isCaCertificate } from '../../lambda/core/pki/x509.ts';
import { configPath, readOneCertificate } from './certificates.ts';
import { ConfigError, check, isCidr, knownFields, object, optionalString, stringArray } from './fields.ts';

/** Where the on-prem uploader may call from: public egress ranges, or one S3 interface/gateway endpoint. */
export type UploaderSources = { cidrs: string[] } | { vpcEndpointId: string };

/** Subject attributes IAM Roles Anywhere maps to `aws:PrincipalTag/x509Subject/<attribute>`. */
export const SUBJECT_ATTRIBUTES = ['CN', 'O', 'OU', 'C', 'ST', 'L'] as const;
export type SubjectAttribute = (typeof SUBJECT_ATTRIBUTES)[number];

export interface RolesAnywhereIdentity {
  kind: 'roles-anywhere';
  /** Absolute path of the uploader-issuing CA certificate file. */
  caCertificateFile: string;
  /** DER of that CA certificate: the trust anchor's only certificate. */
  caCertificate: Uint8Array;
  /** commonName of that CA, conditioned on as `x509Issuer/CN`. */
  issuerCommonName: string;
  /** Subject attributes the uploader's end-entity certificate must carry (CN at least). */
  subject: Partial<Record<SubjectAttribute, string>> & { CN: string };
}

export interface PrincipalIdentity {
  kind: 'principal';
  /** The one IAM user or role allowed to assume the uploader role. */
  principalArn: string;
}

export type UploaderIdentity = RolesAnywhereIdentity | PrincipalIdentity;

const VPC_ENDPOINT = /^vpce-[0-9a-f]{8,17}$/;
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(user|role)\/[\w+=,.@/-]+$/;

export const UPLOADER_SOURCES_MIGRATION =
  'is required: the uploader role only accepts calls from known addresses. Add {"cidrs": ["<public egress range of the uploader host>"]} or, when it reaches S3 through Direct Connect or VPN, {"vpcEndpointId": "vpce-..."} (docs/deploy.md §5)';

export const UPLOADER_IDENTITY_MIGRATION =
  'is required: the uploader role no longer trusts the whole account. Use IAM Roles Anywhere, {"rolesAnywhere": {"caCertificate": "<uploader-issuing CA, PEM>", "subject": {"CN": "<CN of the uploader certificate>"}}}, or name the one principal that assumed the role until now, {"principalArn": "arn:aws:iam::<account>:user/<name>"} (docs/deploy.md §5)';

export function readUploaderSources(raw: unknown): UploaderSources {
  if (raw === undefined) throw new ConfigError(`uploaderSources: ${UPLOADER_SOURCES_MIGRATION}`);
  const s = object(raw, 'uploaderSources');
  const hasCidrs = s.cidrs !== undefined;
  const hasEndpoint = s.vpcEndpointId !== undefined;
  check(
    hasCidrs !== hasEndpoint,
    'uploaderSources',
    'give either cidrs (public egress ranges) or vpcEndpointId, not both: requests through a VPC endpoint carry no public source IP',
  );
  if (hasEndpoint) {
    const id = optionalString(s, 'vpcEndpointId', 'uploaderSources.') ?? '';
    check(VPC_ENDPOINT.test(id), 'uploaderSources.vpcEndpointId', `"${id}" is not a VPC endpoint ID`);
    return { vpcEndpointId: id };
  }
  const cidrs = stringArray(s, 'cidrs', { prefix: 'uploaderSources.' });
  check(cidrs.length > 0, 'uploaderSources.cidrs', 'list at least one CIDR range');
  for (const cidr of cidrs) {
    check(isCidr(cidr), 'uploaderSources.cidrs', `"${cidr}" is not an IPv4 or IPv6 CIDR range`);
  }
  return { cidrs };
}

export async function readUploaderIdentity(
  raw: unknown,
  baseDir: string,
  trustCertificates: readonly Uint8Array[],
): Promise<UploaderIdentity> {
  if (raw === undefined) throw new ConfigError(`uploaderIdentity: ${UPLOADER_IDENTITY_MIGRATION}`);
  const c = object(raw, 'uploaderIdentity');
  knownFields(c, 'uploaderIdentity', ['rolesAnywhere', 'principalArn']);
  check(
    (c.rolesAnywhere === undefined) !== (c.principalArn === undefined),
    'uploaderIdentity',
    'give either rolesAnywhere (recommended: an X.509 certificate on the uploader host, no long-lived secret) or principalArn, not both',
  );
  if (c.principalArn !== undefined) {
    const arn = optionalString(c, 'principalArn', 'uploaderIdentity.') ?? '';
    check(
      IAM_PRINCIPAL_ARN.test(arn),
      'uploaderIdentity.principalArn',
      `"${arn}" is not the ARN of one IAM user or role (an account root would let every principal of the account upload)`,
    );
    return { kind: 'principal', principalArn: arn };
  }
  const field = 'uploaderIdentity.rolesAnywhere';
  const r = object(c.rolesAnywhere, field);
  knownFields(r, field, ['caCertificate', 'subject']);
  const path = optionalString(r, 'caCertificate', `${field}.`);
  check(
    path !== undefined,
    `${field}.caCertificate`,
    'is required: the uploader-issuing CA certificate (PEM or DER)',
  );
  const caCertificateFile = configPath(path, baseDir);
  const caCertificate = await readOneCertificate(caCertificateFile, `${field}.caCertificate`);
  const parsed = parseCertificate(caCertificate);
  check(
    isCaCertificate(parsed),
    `${field}.caCertificate`,
    `${caCertificateFile} is not a CA certificate (basicConstraints cA): IAM Roles Anywhere trusts the CA that issues the uploader's certificate`,
  );
  check(
    !trustCertificates.some((der) => bytesEqual(der, caCertificate)),
    `${field}.caCertificate`,
    `${caCertificateFile} is one of the pinned CAs in trust: use a dedicated uploader-issuing CA, never the CA whose subscribers are the public (any of its certificates could then upload)`,
  );
  const issuerCommonName = commonNameOf(parsed.subject);
  check(
    issuerCommonName !== undefined,
    `${field}.caCertificate`,
    `${caCertificateFile} has no commonName in its subject`,
  );
  const s = object(r.subject, `${field}.subject`);
  knownFields(s, `${field}.subject`, SUBJECT_ATTRIBUTES);
  const subject: Partial<Record<SubjectAttribute, string>> = {};
  for (const key of SUBJECT_ATTRIBUTES) {
    const value = optionalString(s, key, `${field}.subject.`);
    if (value !== undefined) subject[key] = value;
  }
  check(
    subject.CN !== undefined,
    `${field}.subject.CN`,
    "is required: the commonName of the uploader's certificate",
  );
  return {
    kind: 'roles-anywhere',
    caCertificateFile,
    caCertificate,
    issuerCommonName,
    subject: { ...subject, CN: subject.CN },
  };
}

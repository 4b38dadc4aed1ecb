/**
 * What the gate and the health checker are told about each pinned CA beyond its certificate: the
 * lint profile its CRLs and OCSP responses are held to, whether its CRLs are subscriber CRLs or an
 * ARL (a root's CRL of CA certificates), and whether it is retired (BR §4.9.7: a CA that issues no
 * more certificates keeps publishing CRLs until its last certificate expires). Keyed by the
 * SHA-256 of the CA certificate (lower-case hex), as CCADB and the revocation history name CAs.
 */

/** `rfc5280`: accredited CAs outside the Web PKI (certificateHold allowed); `br`: CA/Browser Forum BRs. */
export const LINT_PROFILES = ['rfc5280', 'br'] as const;
export type LintProfileName = (typeof LINT_PROFILES)[number];

/** `subscriber`: a CRL of end-entity certificates; `root`: an ARL (BR §4.9.7: at least every 12 months). */
export const CRL_SCOPES = ['subscriber', 'root'] as const;
export type CrlScope = (typeof CRL_SCOPES)[number];

export interface CaPolicy {
  profile: LintProfileName;
  scope: CrlScope;
  /** Retired: issues nothing more, its CRLs are still accepted and served (BR §4.9.7). */
  retired?: boolean;
  /** ISO-8601: when the last certificate it issued expires (a retired CA's CRLs are accepted until then). */
  lastCertificateExpiry?: string;
  /** Some certificate it issued carries no OCSP URL: its CRL is reissued every 4 days, not 7 (BR §4.9.7). */
  certificatesWithoutOcsp?: boolean;
}

export type CaPolicies = Readonly<Record<string, CaPolicy>>;

export const DEFAULT_CA_POLICY: CaPolicy = { profile: 'rfc5280', scope: 'subscriber' };

export function policyOf(policies: CaPolicies | undefined, caSha256: string): CaPolicy {
  return policies?.[caSha256.toLowerCase()] ?? DEFAULT_CA_POLICY;
}

export class CaPolicyError extends Error {
  override name = 'CaPolicyError';
}

/** Reads one policy object (configuration or the Lambda environment); names the field at fault. */
export function readCaPolicy(raw: unknown, field: string): CaPolicy {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CaPolicyError(`${field} must be an object`);
  }
  const r = raw as Record<string, unknown>;
  const profile = r.profile ?? 'rfc5280';
  if (!(LINT_PROFILES as readonly unknown[]).includes(profile)) {
    throw new CaPolicyError(`${field}.profile must be one of ${LINT_PROFILES.join(', ')}`);
  }
  const scope = r.scope ?? 'subscriber';
  if (!(CRL_SCOPES as readonly unknown[]).includes(scope)) {
    throw new CaPolicyError(`${field}.scope must be one of ${CRL_SCOPES.join(', ')}`);
  }
  for (const flag of ['retired', 'certificatesWithoutOcsp'] as const) {
    if (r[flag] !== undefined && typeof r[flag] !== 'boolean') {
      throw new CaPolicyError(`${field}.${flag} must be true or false`);
    }
  }
  const expiry = r.lastCertificateExpiry;
  if (expiry !== undefined && (typeof expiry !== 'string' || Number.isNaN(Date.parse(expiry)))) {
    throw new CaPolicyError(`${field}.lastCertificateExpiry must be an ISO-8601 date`);
  }
  return {
    profile: profile as LintProfileName,
    scope: scope as CrlScope,
    ...(r.retired === true ? { retired: true } : {}),
    ...(typeof expiry === 'string' ? { lastCertificateExpiry: new Date(expiry).toISOString() } : {}),
    ...(r.certificatesWithoutOcsp === true ? { certificatesWithoutOcsp: true } : {}),
  };
}

/** The policies as the Lambda environment carries them: JSON keyed by CA SHA-256. */
export function parseCaPolicies(json: string | undefined): CaPolicies {
  if (!json) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new CaPolicyError(`not JSON: ${(error as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CaPolicyError('must be a JSON object keyed by CA certificate SHA-256');
  }
  const policies: Record<string, CaPolicy> = {};
  for (const [sha256, value] of Object.entries(raw)) {
    if (!/^[0-9a-f]{64}$/.test(sha256))
      throw new CaPolicyError(`key "${sha256}" is not a lower-case SHA-256`);
    policies[sha256] = readCaPolicy(value, sha256);
  }
  return policies;
}

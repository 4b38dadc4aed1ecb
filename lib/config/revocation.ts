/**
 * The configuration fields of a CRL-first repository: the public base URLs relying parties use
 * (absolute CRL URLs, partitioned CRLs' Issuing Distribution Points, CCADB disclosure files), and
 * per pinned CA its lint profile, CRL scope and retirement (lambda/core/publish/ca-policy.ts).
 */
import { fingerprintsOf } from '../../lambda/core/pki/trust-store.ts';
import { CaPolicyError, readCaPolicy, type CaPolicy } from '../../lambda/core/publish/ca-policy.ts';
import { parsePublicBaseUrl, PublicBaseUrlError } from '../../lambda/core/publish/public-urls.ts';
import { readOneCertificate, configPath } from './certificates.ts';
import { ConfigError, check, object, stringArray } from './fields.ts';

/**
 * `publicBaseUrls`, else `http://` + each custom domain name; empty when neither is given (the
 * construct then uses the CloudFront domain name).
 */
export function readPublicBaseUrls(c: Record<string, unknown>, domainNames: string[] | undefined): string[] {
  if (c.publicBaseUrls === undefined) return (domainNames ?? []).map((d) => `http://${d}`);
  const urls = stringArray(c, 'publicBaseUrls');
  check(urls.length > 0, 'publicBaseUrls', 'omit the field or list at least one URL');
  try {
    return [...new Set(urls.map(parsePublicBaseUrl))];
  } catch (error) {
    if (error instanceof PublicBaseUrlError) throw new ConfigError(`publicBaseUrls: ${error.message}`);
    throw error;
  }
}

const CA_POLICY_FIELDS = [
  'certificate',
  'profile',
  'scope',
  'retired',
  'lastCertificateExpiry',
  'certificatesWithoutOcsp',
];

/**
 * `caPolicies`: `[{certificate, profile?, scope?, retired?, lastCertificateExpiry?,
 * certificatesWithoutOcsp?}]`, each certificate one of the pinned CAs; keyed by its SHA-256.
 */
export async function readCaPolicies(
  raw: unknown,
  baseDir: string,
  trustCertificates: readonly Uint8Array[],
): Promise<Record<string, CaPolicy>> {
  if (raw === undefined) return {};
  check(Array.isArray(raw), 'caPolicies', 'must be an array of {certificate, profile, scope, ...}');
  const pinned = new Set(
    await Promise.all(trustCertificates.map(async (der) => (await fingerprintsOf(der)).sha256)),
  );
  const policies: Record<string, CaPolicy> = {};
  for (const [index, entry] of (raw as unknown[]).entries()) {
    const field = `caPolicies[${index}]`;
    const e = object(entry, field);
    for (const key of Object.keys(e)) {
      if (!CA_POLICY_FIELDS.includes(key)) {
        throw new ConfigError(`${field}: unknown field "${key}"; known: ${CA_POLICY_FIELDS.join(', ')}`);
      }
    }
    check(
      typeof e.certificate === 'string',
      `${field}.certificate`,
      'is required (a pinned CA certificate file)',
    );
    const der = await readOneCertificate(configPath(e.certificate, baseDir), `${field}.certificate`);
    const sha256 = (await fingerprintsOf(der)).sha256;
    check(pinned.has(sha256), `${field}.certificate`, 'is not one of the pinned CA certificates (trust)');
    check(!(sha256 in policies), `${field}.certificate`, 'has a policy already');
    try {
      policies[sha256] = readCaPolicy(e, field);
    } catch (error) {
      if (error instanceof CaPolicyError) throw new ConfigError(error.message);
      throw error;
    }
  }
  return policies;
}

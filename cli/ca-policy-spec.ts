/**
 * `ca-repo local --ca-policy CA_CERT:PROFILE:SCOPE[:retired[=EXPIRY]]`: the command-line form of
 * the configuration's `caPolicies` (lambda/core/publish/ca-policy.ts), keyed by the certificate's
 * SHA-256. The certificate path may not contain `:`.
 */
import { CliError } from '../lambda/core/contract/cli-error.ts';
import { CaPolicyError, readCaPolicy, type CaPolicy } from '../lambda/core/publish/ca-policy.ts';
import { fingerprintsOf } from '../lambda/core/pki/trust-store.ts';
import { readCertificateFiles } from './trust-files.ts';

export async function readCaPolicySpecs(specs: readonly string[]): Promise<Record<string, CaPolicy>> {
  const policies: Record<string, CaPolicy> = {};
  for (const spec of specs) {
    const [path, profile, scope, retired, ...rest] = spec.split(':');
    if (!path || !profile || !scope || rest.length > 0) {
      throw new CliError(
        `--ca-policy ${spec}: expected CA_CERT:PROFILE:SCOPE[:retired[=EXPIRY]], e.g. ca.crt:br:subscriber`,
      );
    }
    const [flag, expiry] = (retired ?? '').split('=');
    if (retired !== undefined && flag !== 'retired') {
      throw new CliError(`--ca-policy ${spec}: the fourth field is "retired" or "retired=EXPIRY"`);
    }
    const ders = await readCertificateFiles([path], '--ca-policy');
    for (const der of ders) {
      try {
        policies[(await fingerprintsOf(der)).sha256] = readCaPolicy(
          {
            profile,
            scope,
            ...(retired !== undefined ? { retired: true } : {}),
            ...(expiry ? { lastCertificateExpiry: expiry } : {}),
          },
          '--ca-policy',
        );
      } catch (error) {
        if (error instanceof CaPolicyError) throw new CliError(`${error.message}: ${spec}`);
        throw error;
      }
    }
  }
  return policies;
}

/** The operator-tunable limits the rules apply, with the defaults a public CA needs. */
export interface ValidationPolicy {
  /** How far thisUpdate / producedAt may lie in the future (clocks on-prem and in the cloud drift). */
  clockSkewSeconds: number;
  /** Longest OCSP validity interval accepted (CA/B Forum BR §4.9.10: at most 10 days). */
  maxOcspValiditySeconds: number;
}

export const DEFAULT_POLICY: ValidationPolicy = {
  clockSkewSeconds: 300,
  maxOcspValiditySeconds: 10 * 24 * 3600,
};

export function isoTime(date: Date): string {
  return date.toISOString();
}

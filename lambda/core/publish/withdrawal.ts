/**
 * Withdrawing a served object (`ca-repo withdraw URL...`): an instruction the uploader carries in a
 * manifest of its own (bundle.ts `withdraw`), judged by the gate like any artifact, because the
 * uploader may only create new objects under `bundles/` and never deletes anything served. What
 * the gate does with an accepted withdrawal: the object becomes a noncurrent version (a delete
 * marker in the versioned bucket, so it can be restored), its index entry goes, and cached copies
 * are invalidated.
 *
 * What is never withdrawn: the repository's own objects (index.json, index.html, `_`-prefixed
 * stores); an OCSP response whose served status is revoked, since relying parties would then get
 * no answer or an older `good` one for a revoked certificate (revocation is final: RFC 5280 §3.3);
 * a CRL unless forced, since every certificate naming it in its CRL distribution point (RFC 5280
 * §4.2.1.13) then fails revocation checking.
 */
import { isOcspPath } from '../ocsp/ocsp-path.ts';
import { ocspObjectKeyForGetPath } from '../ocsp/ocsp-request.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import { readServedMetadata, type ServedHead } from './served-object.ts';
import { MAX_PATH_LENGTH, validateBundlePath } from './validate-bundle-path.ts';

/** One manifest entry: a path-absolute URL on the repository. */
export interface Withdrawal {
  /** `/crl/old.crl`, or an OCSP GET URL `/ocsp/<base64 request>` for one CertID's response. */
  url: string;
  /** Withdraw a CRL too (`--force`). */
  force?: boolean;
}

/** Longest URL accepted: a bundle path, or the OCSP prefix and a GET request of one CertID. */
const MAX_WITHDRAWAL_URL = MAX_PATH_LENGTH + 1024;

/** Checks the manifest's `withdraw` list; every problem is a RejectedError naming the entry. */
export function parseWithdrawals(value: unknown): Withdrawal[] {
  requireThat(Array.isArray(value), 'manifest withdraw must be a list');
  const seen = new Set<string>();
  return (value as unknown[]).map((entry, i) => {
    const w = entry as Partial<Withdrawal>;
    requireThat(
      w &&
        typeof w === 'object' &&
        typeof w.url === 'string' &&
        w.url.startsWith('/') &&
        w.url.length <= MAX_WITHDRAWAL_URL &&
        (w.force === undefined || typeof w.force === 'boolean'),
      `manifest withdraw[${i}] is malformed: needs a url starting with / and an optional force flag`,
    );
    requireThat(!seen.has(w.url!), `manifest withdraws ${w.url} twice`);
    seen.add(w.url!);
    return { url: w.url!, ...(w.force ? { force: true } : {}) };
  });
}

/**
 * The object key a withdrawal names: the OCSP store key of a GET URL under the OCSP prefix, else
 * the bundle path the URL was published at (the same path rules, so reserved keys are refused).
 */
export function withdrawalKey(url: string, ocspPrefix: string): string {
  const prefix = ocspPrefix.replace(/\/+$/, '');
  if (isOcspPath(url, prefix || '/')) {
    const key = ocspObjectKeyForGetPath(url.slice(prefix.length));
    if (!key) {
      throw new RejectedError(
        `${url} is under the OCSP endpoint ${prefix || '/'} but is not an OCSP GET URL: give the URL a client requests for the certificate (openssl ocsp -url ... -reqout, base64)`,
      );
    }
    return key;
  }
  try {
    return validateBundlePath(url.slice(1), ocspPrefix);
  } catch (error) {
    if (!(error instanceof RejectedError)) throw error;
    throw new RejectedError(`${url} cannot be withdrawn: ${error.message}`);
  }
}

/** An accepted withdrawal: what the gate deletes and invalidates. */
export interface WithdrawalPlan {
  url: string;
  key: string;
  kind: string;
  /** CDN path whose cached copies must go (the path the cache keys the object by). */
  invalidatePath: string;
}

/** Judges a withdrawal against what is served at its key; a refusal is a RejectedError. */
export function judgeWithdrawal(
  withdrawal: Withdrawal,
  key: string,
  served: ServedHead | undefined,
): WithdrawalPlan {
  const { url } = withdrawal;
  if (!served) throw new RejectedError(`nothing is served at ${url}: there is nothing to withdraw`);
  const metadata = readServedMetadata(served.metadata);
  if (!metadata.kind) {
    throw new RejectedError(`${url} serves content not published by ca-repo: it is not withdrawn`);
  }
  if (metadata.kind === 'ocsp-response' && metadata.certStatus === 'revoked') {
    throw new RejectedError(
      `${url} answers revoked: withdrawing it would un-revoke the certificate for relying parties, and revocation is final (RFC 5280 §3.3)`,
    );
  }
  if (metadata.kind === 'crl' && !withdrawal.force) {
    throw new RejectedError(
      `${url} is a CRL: certificates naming it in their CRL distribution point fail revocation checks once it is gone; withdraw it with --force if that is meant`,
    );
  }
  return { url, key, kind: metadata.kind, invalidatePath: `/${key}` };
}

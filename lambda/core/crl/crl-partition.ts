/**
 * Where a CRL may be published. A CRL with an Issuing Distribution Point (RFC 5280 §5.2.5) is a
 * partition: it is accepted only at a path whose public URL (a configured base URL + the path) is
 * byte for byte one of its fullName URIs, so a relying party that follows a certificate's CRL
 * distribution point gets the partition that covers it (a CRL whose IDP does not match the URL it
 * was fetched from is not valid for that certificate: RFC 5280 §6.3.3 (b)(2)). BR §7.2.2.1 asks
 * for a critical IDP on every partition; an indirect CRL (entries of another issuer) is refused,
 * the repository serves CAs' own lists only. Once a path serves a partition, a replacement keeps
 * the same IDP (Boulder's crl-storer checks the same), and a full CRL never replaces a partition
 * nor the reverse: that would silently change what the URL covers.
 */
import { bytesEqual } from '../encoding/bytes.ts';
import { RejectedError } from '../rejection.ts';
import { absoluteUrl } from '../publish/public-urls.ts';
import type { IssuingDistributionPoint } from './issuing-distribution-point.ts';

export interface CrlPlacement {
  /** `full`, or `partition` with the fullName URI that names this path. */
  scope: 'full' | 'partition';
  /** The CRL's absolute URL: the matching IDP URI, else the primary base URL + the path. */
  publicUrl?: string;
}

export interface CrlPlacementInput {
  idp: IssuingDistributionPoint | undefined;
  /** The bundle path (the object key), without a leading `/`. */
  path: string;
  /** Unknown on the CA's machine (the pre-flight): the partition's URL is then left to the gate. */
  publicBaseUrls: readonly string[] | undefined;
  /** The IDP of the CRL served at this path now (null: a full CRL), when a CRL is served there. */
  previousIdp?: IssuingDistributionPoint | null;
}

export function placeCrl(input: CrlPlacementInput): CrlPlacement {
  const { idp, path, publicBaseUrls, previousIdp } = input;
  if (previousIdp !== undefined) {
    if (previousIdp === null && idp) {
      throw new RejectedError(
        `/${path} serves a full CRL; a partition (with an Issuing Distribution Point) cannot replace it: publish the partition at its own URL`,
      );
    }
    if (previousIdp && !idp) {
      throw new RejectedError(
        `/${path} serves a partition; a CRL without its Issuing Distribution Point cannot replace it (RFC 5280 §5.2.5)`,
      );
    }
    if (previousIdp && idp && !bytesEqual(previousIdp.der, idp.der)) {
      throw new RejectedError(
        `the Issuing Distribution Point differs from the one of the partition served at /${path}: a replacement keeps the same IDP`,
      );
    }
  }
  const urls = (publicBaseUrls ?? []).map((base) => absoluteUrl(base, path));
  if (!idp) return { scope: 'full', ...(urls[0] ? { publicUrl: urls[0] } : {}) };

  if (!idp.critical) {
    throw new RejectedError('the Issuing Distribution Point is not critical (BR §7.2.2.1, RFC 5280 §5.2.5)');
  }
  if (idp.indirectCrl) {
    throw new RejectedError(
      'indirect CRL (indirectCRL in the Issuing Distribution Point): only a CA’s own CRLs are published',
    );
  }
  if (idp.onlyContainsAttributeCerts) {
    throw new RejectedError('CRL of attribute certificates (onlyContainsAttributeCerts): not published here');
  }
  if (idp.fullNameUris.length === 0) {
    throw new RejectedError(
      'the Issuing Distribution Point names no URI (fullName uniformResourceIdentifier): its URL cannot be checked (BR §7.2.2.1)',
    );
  }
  if (publicBaseUrls === undefined) return { scope: 'partition' };
  if (urls.length === 0) {
    throw new RejectedError(
      'the repository knows no public base URL, so a partition’s URL cannot be checked: configure publicBaseUrls',
    );
  }
  const match = idp.fullNameUris.find((uri) => urls.includes(uri));
  if (!match) {
    throw new RejectedError(
      `partition at the wrong URL: its Issuing Distribution Point names ${idp.fullNameUris.join(', ')}, this path is ${urls.join(', ')}`,
    );
  }
  return { scope: 'partition', publicUrl: match };
}

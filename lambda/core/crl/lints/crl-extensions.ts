/** Reading one CRL extension for the lints. */
import type * as pkijs from 'pkijs';

export function crlExtension(crl: pkijs.CertificateRevocationList, oid: string): pkijs.Extension | undefined {
  return crl.crlExtensions?.extensions.find((e) => e.extnID === oid);
}

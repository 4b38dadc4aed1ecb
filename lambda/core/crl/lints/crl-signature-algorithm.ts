/**
 * RFC 5280 §5.1.1.2: signatureAlgorithm equals the signature field of tbsCertList; BR §7.1.3.2:
 * the algorithm is one of the issuer's key type (an ECDSA key signs with ecdsa-with-SHA*).
 */
import { OID } from '../../pki/oids.ts';
import { sameAlgorithm } from '../../pki/x509.ts';
import type { CrlLintInput, Lint } from './lint.ts';

const EC_SIGNATURES: readonly string[] = [OID.ecdsaWithSha256, OID.ecdsaWithSha384, OID.ecdsaWithSha512];
const RSA_SIGNATURES: readonly string[] = [
  OID.sha256WithRsaEncryption,
  OID.sha384WithRsaEncryption,
  OID.sha512WithRsaEncryption,
  OID.rsassaPss,
];

export const crlSignatureAlgorithm: Lint<CrlLintInput> = {
  id: 'crl-signature-algorithm',
  citation: 'RFC 5280 §5.1.1.2, BR §7.1.3.2',
  severity: { rfc5280: 'error', br: 'error' },
  check: ({ crl, issuer }) => {
    const problems: string[] = [];
    if (!sameAlgorithm(crl.signature, crl.signatureAlgorithm)) {
      problems.push('signatureAlgorithm differs from the signature field inside tbsCertList');
    }
    const algorithm = crl.signatureAlgorithm.algorithmId;
    const keyAlgorithm = issuer.certificate.subjectPublicKeyInfo.algorithm.algorithmId;
    const allowed = keyAlgorithm === OID.ecPublicKey ? EC_SIGNATURES : RSA_SIGNATURES;
    if (!allowed.includes(algorithm)) {
      problems.push(`signature algorithm ${algorithm} is not one allowed for the issuer's key`);
    }
    return problems;
  },
};

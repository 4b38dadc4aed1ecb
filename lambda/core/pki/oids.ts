/**
 * Every OID literal the project uses, with its name. Nothing else in the code base spells an OID,
 * but for the hash algorithms: hash-algorithms.ts holds those, dependency-free for the CloudFront
 * Function.
 */
export const OID = {
  // CMS content types (RFC 5652 §4, §5)
  cmsData: '1.2.840.113549.1.7.1', // id-data
  cmsSignedData: '1.2.840.113549.1.7.2', // id-signedData
  // CMS signed attributes (RFC 5652 §11)
  cmsContentType: '1.2.840.113549.1.9.3', // id-contentType
  cmsMessageDigest: '1.2.840.113549.1.9.4', // id-messageDigest

  // Name attributes (RFC 5280 §4.1.2.6, X.520)
  commonName: '2.5.4.3',

  // Certificate and CRL extensions (RFC 5280 §4.2, §5.2)
  extKeyUsage: '2.5.29.37', // id-ce-extKeyUsage
  basicConstraints: '2.5.29.19', // id-ce-basicConstraints
  crlNumber: '2.5.29.20', // id-ce-cRLNumber
  deltaCrlIndicator: '2.5.29.27', // id-ce-deltaCRLIndicator
  crlReason: '2.5.29.21', // id-ce-cRLReasons, a CRL entry extension (RFC 5280 §5.3.1)
  authorityKeyIdentifier: '2.5.29.35', // id-ce-authorityKeyIdentifier (RFC 5280 §4.2.1.1, §5.2.1)
  issuingDistributionPoint: '2.5.29.28', // id-ce-issuingDistributionPoint (RFC 5280 §5.2.5)
  crlDistributionPoints: '2.5.29.31', // id-ce-cRLDistributionPoints (RFC 5280 §4.2.1.13)
  freshestCrl: '2.5.29.46', // id-ce-freshestCRL (RFC 5280 §5.2.6): points to delta CRLs

  // Extended key usage purposes (RFC 5280 §4.2.1.12)
  kpOcspSigning: '1.3.6.1.5.5.7.3.9', // id-kp-OCSPSigning

  // OCSP (RFC 6960 §4.2.1)
  ocspBasic: '1.3.6.1.5.5.7.48.1.1', // id-pkix-ocsp-basic
  ocspNonce: '1.3.6.1.5.5.7.48.1.2', // id-pkix-ocsp-nonce
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5', // id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1)

  // Private key containers (RFC 5208 / RFC 5958, RFC 7292, RFC 8018)
  pkcs5Pbes2: '1.2.840.113549.1.5.13', // id-PBES2
  pkcs12PbeShaAnd3KeyTripleDesCbc: '1.2.840.113549.1.12.1.3', // pbeWithSHAAnd3-KeyTripleDES-CBC
  pkcs12PbeShaAnd40BitRc2Cbc: '1.2.840.113549.1.12.1.6', // pbeWithSHAAnd40BitRC2-CBC

  // Signature algorithms verified with node:crypto (lambda/core/pki/signature.ts): ECDSA (RFC 5758 §3.2,
  // RFC 3279 §2.2.3) and RSASSA-PKCS1-v1_5 (RFC 4055 §5, RFC 3279 §2.2.1)
  ecdsaWithSha1: '1.2.840.10045.4.1', // ecdsa-with-SHA1
  ecdsaWithSha256: '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  ecdsaWithSha384: '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  ecdsaWithSha512: '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
  sha1WithRsaEncryption: '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
  sha256WithRsaEncryption: '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  sha384WithRsaEncryption: '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  sha512WithRsaEncryption: '1.2.840.113549.1.1.13', // sha512WithRSAEncryption

  // Public key and signature algorithms whose hash comes from elsewhere (RFC 3370 §3.2, RFC 4055 §3, RFC 5480 §2.1.1)
  rsaEncryption: '1.2.840.113549.1.1.1', // rsaEncryption
  rsassaPss: '1.2.840.113549.1.1.10', // id-RSASSA-PSS
  ecPublicKey: '1.2.840.10045.2.1', // id-ecPublicKey
  // Certificate extensions used to find and qualify a CMS signer (RFC 5280 §4.2.1.2, §4.2.1.3)
  subjectKeyIdentifier: '2.5.29.14', // id-ce-subjectKeyIdentifier
  keyUsage: '2.5.29.15', // id-ce-keyUsage
  // Password-based encryption schemes of an EncryptedPrivateKeyInfo (RFC 5958 §3): PBES1 (RFC 8018 §6.1, A.3)
  pkcs5PbeWithMd2AndDesCbc: '1.2.840.113549.1.5.1', // pbeWithMD2AndDES-CBC
  pkcs5PbeWithMd5AndDesCbc: '1.2.840.113549.1.5.3', // pbeWithMD5AndDES-CBC
  pkcs5PbeWithMd2AndRc2Cbc: '1.2.840.113549.1.5.4', // pbeWithMD2AndRC2-CBC
  pkcs5PbeWithMd5AndRc2Cbc: '1.2.840.113549.1.5.6', // pbeWithMD5AndRC2-CBC
  pkcs5PbeWithSha1AndDesCbc: '1.2.840.113549.1.5.10', // pbeWithSHA1AndDES-CBC
  pkcs5PbeWithSha1AndRc2Cbc: '1.2.840.113549.1.5.11', // pbeWithSHA1AndRC2-CBC
  // ... and the PKCS#12 PBE schemes (RFC 7292 Appendix C)
  pkcs12PbeShaAnd128BitRc4: '1.2.840.113549.1.12.1.1', // pbeWithSHAAnd128BitRC4
  pkcs12PbeShaAnd40BitRc4: '1.2.840.113549.1.12.1.2', // pbeWithSHAAnd40BitRC4
  pkcs12PbeShaAnd2KeyTripleDesCbc: '1.2.840.113549.1.12.1.4', // pbeWithSHAAnd2-KeyTripleDES-CBC
  pkcs12PbeShaAnd128BitRc2Cbc: '1.2.840.113549.1.12.1.5', // pbeWithSHAAnd128BitRC2-CBC
  // CMS content type carrying private keys (RFC 5958 §4, §6)
  ctAsymmetricKeyPackage: '2.16.840.1.101.2.1.2.78.5', // id-ct-KP-aKeyPackage
} as const;

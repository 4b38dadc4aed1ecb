/** What a published file is, decided from its content (never from its name). */
export type ArtifactKind = 'ca-certificate' | 'crl' | 'ocsp-response' | 'document' | 'signature';

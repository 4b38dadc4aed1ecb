/** What a published file is, decided from its content (never from its name). */
export type ArtifactKind = 'ca-certificate' | 'crl' | 'ocsp-response' | 'document' | 'signature';

/** What a bundle may carry that is checked and recorded but never served. */
export type RecordedKind = 'evidence-certificate';

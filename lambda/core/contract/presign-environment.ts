/** The environment variable `ca-repo presign` and `refresh` read a PKCS#11 user PIN from by default (never argv). */
export const DEFAULT_PKCS11_PIN_ENV = 'CA_REPO_PKCS11_PIN';

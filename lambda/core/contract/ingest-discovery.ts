/**
 * How the uploader finds a local repository's ingest store: `ca-repo local` answers this path with
 * the embedded S3 endpoint and bucket (a CDN in front of AWS does not, so `--stack` is used there).
 */
export const INGEST_DISCOVERY_PATH = '/_ca-repo/ingest';

export interface IngestDiscovery {
  endpoint: string;
  bucket: string;
  region: string;
}

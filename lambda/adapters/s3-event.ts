/**
 * S3 event notifications as AWS delivers them to Lambda. Object keys arrive URL-encoded with `+`
 * for spaces (S3 event message structure); the embedded S3 server produces the same shape.
 */
/** One record of an S3 event notification as AWS delivers it to Lambda (`s3.object.key` URL-encoded). */
export interface S3EventRecord {
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  eventTime: string;
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: Record<string, string>;
  s3: {
    s3SchemaVersion: string;
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size?: number; eTag?: string; sequencer: string };
  };
}

export interface S3Event {
  Records: S3EventRecord[];
}

/**
 * The key as S3 notifications carry it: form-URL-encoded (`red flower.jpg` → `red+flower.jpg`), with `/`
 * left as is.
 */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+')
    .replaceAll('%2F', '/');
}

/** What a Lambda handler must do with `Records[i].s3.object.key` before using it as a key. */
export function decodeS3EventKey(encoded: string): string {
  return decodeURIComponent(encoded.replaceAll('+', ' '));
}

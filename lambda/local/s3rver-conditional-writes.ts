/**
 * S3 honours `If-None-Match: *` and `If-Match: <etag>` on PutObject (conditional writes, 2024) and
 * answers 412 PreconditionFailed when the condition does not hold; s3rver 3.7 ignores both headers
 * and always writes. The publish gate relies on them (the index and revocation history updated by
 * compare-and-swap, receipts never rewritten once completed, CertID claims across parts, the
 * uploader never replacing an object), so the local repository enforces them here, before s3rver's
 * router: every PUT and DELETE of an object key runs under a per-key lock, so the check and the write
 * are one step for every writer of that key, as in S3.
 */
import type S3rver from 's3rver';

export function enforceConditionalWrites(
  objectEtag: (bucket: string, key: string) => Promise<string | undefined>,
): S3rver.Middleware {
  const locks = new Map<string, Promise<void>>();
  return async (context, next) => {
    if (context.method !== 'PUT' && context.method !== 'DELETE') return next();
    const match = /^\/([^/]+)\/(.+)$/.exec(context.path);
    // Bucket-level requests and multipart part uploads (not conditional here) go straight through.
    if (!match || context.query.partNumber !== undefined) return next();
    const bucket = match[1]!;
    const key = decodeURIComponent(match[2]!);
    const id = `${bucket}\0${key}`;
    const previous = locks.get(id) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = previous.then(() => mine);
    locks.set(id, chained);
    await previous;
    try {
      const ifNoneMatch = context.get('if-none-match');
      const ifMatch = context.get('if-match');
      if (context.method === 'PUT' && (ifNoneMatch || ifMatch)) {
        const etag = await objectEtag(bucket, key);
        const unquote = (value: string) => value.trim().replace(/^"|"$/g, '');
        const failed =
          (ifNoneMatch === '*' && etag !== undefined) ||
          (ifMatch !== '' && (etag === undefined || unquote(ifMatch) !== unquote(etag)));
        if (failed) {
          context.status = 412;
          context.body = {
            Error: {
              Code: 'PreconditionFailed',
              Message: 'At least one of the pre-conditions you specified did not hold',
              Condition: ifNoneMatch ? 'If-None-Match' : 'If-Match',
              Resource: `/${bucket}/${key}`,
            },
          };
          return;
        }
      }
      await next();
    } finally {
      release();
      if (locks.get(id) === chained) locks.delete(id);
    }
  };
}

/**
 * Run by onprem-network.test.ts in a process of its own (as the uploader runs on the CA's machine):
 * one GetObject through the uploader's request handler, the endpoint from AWS_ENDPOINT_URL_S3 and
 * the proxy and extra CA certificates from the environment. Prints the object's body.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { proxyAwareRequestHandler } from '../../onprem/network.ts';

const client = new S3Client({
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
  requestHandler: proxyAwareRequestHandler(),
});
const object = await client.send(new GetObjectCommand({ Bucket: 'ingest', Key: 'receipts/r.json' }));
process.stdout.write((await object.Body?.transformToString()) ?? '');

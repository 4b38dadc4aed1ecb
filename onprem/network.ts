/**
 * How the uploader's AWS SDK clients reach out of a closed network. The SDK v3 ignores the proxy
 * environment variables, so every client the uploader makes gets this request handler:
 *
 * - `HTTPS_PROXY` / `HTTP_PROXY` (or lower case) name the proxy, `NO_PROXY` the hosts that bypass it,
 *   decided per request by proxy-agent (proxy-from-env semantics; also socks:// and pac+ proxies).
 * - Extra CA certificates (`NODE_EXTRA_CA_CERTS`, read by Node.js at start) are honoured because no
 *   agent here sets its own `ca`: TLS to the proxy and to S3 through the tunnel uses Node's store.
 * - A VPC interface endpoint is the SDK's own setting: `AWS_ENDPOINT_URL_S3` (and
 *   `AWS_ENDPOINT_URL_CLOUDFORMATION`, `AWS_ENDPOINT_URL_STS`), or `endpoint_url` in the profile.
 *
 * Credentials that the SDK fetches itself (assume-role through STS) inherit this handler from the
 * client that asks for them.
 */
import { ProxyAgent } from 'proxy-agent';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

export type RequestHandlerConfig = NonNullable<S3ClientConfig['requestHandler']>;

/** One agent per protocol: each chooses per request between the proxy and a direct connection. */
export function proxyAwareRequestHandler(): RequestHandlerConfig {
  return { httpAgent: new ProxyAgent(), httpsAgent: new ProxyAgent() };
}

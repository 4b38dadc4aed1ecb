/**
 * Runs the BUILT CloudFront Function file in a bare node:vm context (no require, no Buffer,
 * no process), with CloudFront's viewer-request event shape.
 */
import { createContext, runInContext } from 'node:vm';
import type {
  CfFunctionEvent,
  CfFunctionRequest,
  CfFunctionResponse,
} from '../edge/cloudfront-function-event.ts';

export type ViewerRequestHandler = (event: CfFunctionEvent) => CfFunctionRequest | CfFunctionResponse;

/**
 * Loads the built function into a fresh context with only the ECMAScript built-ins (stricter than
 * CloudFront, which adds Buffer and atob). The handler is called directly, so a request costs what
 * the function costs; CloudFront itself bounds compute per request.
 */
export function loadViewerRequestFunction(source: string): ViewerRequestHandler {
  const context = createContext({});
  runInContext(source, context, { timeout: 1000 });
  const handler = (context as { handler?: ViewerRequestHandler }).handler;
  if (typeof handler !== 'function') throw new Error('built function defines no top-level handler');
  return handler;
}

export function viewerRequestEvent(method: string, uri: string): CfFunctionEvent {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request', distributionDomainName: 'd111111abcdef8.cloudfront.net' },
    viewer: { ip: '198.51.100.7' },
    request: {
      method,
      uri,
      querystring: { nonce: { value: '1' } },
      headers: { host: { value: 'ocsp.example' } },
      cookies: {},
    },
  };
}

export function isResponse(result: CfFunctionRequest | CfFunctionResponse): result is CfFunctionResponse {
  return 'statusCode' in result;
}

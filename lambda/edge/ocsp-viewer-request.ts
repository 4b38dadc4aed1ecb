/**
 * CloudFront Function (viewer-request, runtime cloudfront-js-2.0) on the OCSP behaviour.
 *
 * GET: the request part of the URL is decoded leniently and the URI rewritten to the canonical
 * OCSP store key, so every encoding of one CertID (padding, %2F, base64url, nonces are in the
 * body only for POST) shares one cache entry and one S3 object. Unparsable: a generated
 * malformedRequest OCSPResponse with HTTP 200 (OpenSSL ignores non-200 bodies; Java fails on them).
 * POST: passed through untouched; a function cannot read the body, Lambda@Edge answers it.
 *
 * Built by build-viewer-request.ts into one ES5-style file with OCSP_PATH_PREFIX substituted.
 */
import { ocspObjectKeyForGetPath } from '../core/ocsp/ocsp-request.ts';
import type { CfFunctionEvent, CfFunctionRequest, CfFunctionResponse } from './cloudfront-function-event.ts';

declare var OCSP_PATH_PREFIX: string;
/** MALFORMED_REQUEST_DER (core/ocsp/ocsp-request.ts) in base64, substituted by the build. */
declare var MALFORMED_REQUEST_BASE64: string;

function generated(statusCode: number, description: string, body: string | null): CfFunctionResponse {
  var response: CfFunctionResponse = {
    statusCode: statusCode,
    statusDescription: description,
    headers: { 'cache-control': { value: 'max-age=0, no-store' } },
  };
  if (body) {
    response.headers!['content-type'] = { value: 'application/ocsp-response' };
    response.body = { encoding: 'base64', data: body };
  } else {
    response.headers!['allow'] = { value: 'GET, HEAD, POST' };
  }
  return response;
}

export function handler(event: CfFunctionEvent): CfFunctionRequest | CfFunctionResponse {
  var request = event.request;
  if (request.method === 'POST') return request;
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return generated(405, 'Method Not Allowed', null);
  var prefix = OCSP_PATH_PREFIX;
  var uri = request.uri;
  var rest = uri.indexOf(prefix) === 0 ? uri.substring(prefix.length) : uri;
  var key = ocspObjectKeyForGetPath(rest);
  if (!key) return generated(200, 'OK', MALFORMED_REQUEST_BASE64);
  request.uri = '/' + key;
  // The query string is not part of an OCSP request; dropping it keeps one cache entry per CertID.
  request.querystring = {};
  return request;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  VIEWER_REQUEST_BUDGET_BYTES,
  buildViewerRequestFunction,
  buildViewerRequestSource,
} from '../../lambda/edge/build-viewer-request.ts';
import { normaliseSerialHex } from '../../lambda/core/pki/x509.ts';
import { readFileSync, mkdtempSync } from 'node:fs';
import { createContext, runInContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';
import {
  isResponse,
  loadViewerRequestFunction,
  viewerRequestEvent,
  type ViewerRequestHandler,
} from '../../lambda/local/cloudfront-function-runtime.ts';

let pki: TestPki;
let request: Uint8Array;
let expectedKey: string;
const source = buildViewerRequestSource('/ocsp');
const handler: ViewerRequestHandler = loadViewerRequestFunction(source);

beforeAll(async () => {
  pki = await createTestPki();
  request = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha256', nonce: true });
  const ca = pki.trust.cas[0]!;
  expectedKey = ocspObjectKey({
    hashAlgorithm: 'sha256',
    issuerNameHashHex: ca.certIdHashes.sha256.nameHash,
    issuerKeyHashHex: ca.certIdHashes.sha256.keyHash,
    serialHex: normaliseSerialHex(pki.leaf.serialHex),
  });
});
afterAll(() => pki?.cleanup());

describe('built CloudFront Function (viewer-request, cloudfront-js-2.0)', () => {
  it(`fits ca-repo's ${VIEWER_REQUEST_BUDGET_BYTES}-byte budget (CloudFront's limit is ${CLOUDFRONT_FUNCTION_MAX_BYTES})`, () => {
    expect(Buffer.byteLength(source)).toBeLessThanOrEqual(VIEWER_REQUEST_BUDGET_BYTES);
    expect(Buffer.byteLength(buildViewerRequestSource('/'))).toBeLessThanOrEqual(VIEWER_REQUEST_BUDGET_BYTES);
  });

  it('keeps its helpers out of the global object (every global look-up is slow in the sandbox)', () => {
    const context = createContext({});
    runInContext(source, context);
    expect(Object.keys(context).sort()).toEqual(['$h', 'handler']);
  });

  it('is one ES5 file: no module syntax, no let/const/arrow/class', () => {
    expect(source).not.toMatch(/\b(import|export|let|const|class)\b|=>|`/);
    expect(source).toMatch(/function handler\(/);
  });

  it('writes the same build to a file for FunctionCode.fromFile', () => {
    const file = buildViewerRequestFunction({
      ocspPathPrefix: '/ocsp',
      outFile: join(mkdtempSync(join(tmpdir(), 'cff-')), 'f.js'),
    });
    expect(readFileSync(file, 'utf8')).toBe(source);
  });

  it.each([
    ['base64', () => Buffer.from(request).toString('base64')],
    ['URL-encoded base64', () => encodeURIComponent(Buffer.from(request).toString('base64'))],
    ['base64url without padding', () => Buffer.from(request).toString('base64url')],
  ])('rewrites a GET (%s) to the canonical key and drops the query string', (_name, encode) => {
    const result = handler(viewerRequestEvent('GET', `/ocsp/${encode()}`));
    expect(isResponse(result)).toBe(false);
    expect(result).toMatchObject({ method: 'GET', uri: `/${expectedKey}`, querystring: {} });
  });

  it('treats HEAD like GET', () => {
    const result = handler(viewerRequestEvent('HEAD', `/ocsp/${Buffer.from(request).toString('base64')}`));
    expect(result).toMatchObject({ uri: `/${expectedKey}` });
  });

  it('passes POST through untouched (the body is read by Lambda@Edge)', () => {
    const event = viewerRequestEvent('POST', '/ocsp');
    expect(handler(event)).toEqual(event.request);
  });

  it.each([
    '/ocsp',
    '/ocsp/',
    '/ocsp/!!!',
    '/ocsp/MAA',
    `/ocsp/${Buffer.from('garbage').toString('base64')}`,
  ])('answers %s with a generated malformedRequest, HTTP 200', (uri) => {
    const result = handler(viewerRequestEvent('GET', uri));
    expect(isResponse(result) && result).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': { value: 'application/ocsp-response' } },
      body: { encoding: 'base64', data: Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]).toString('base64') },
    });
  });

  it('answers other methods with 405', () => {
    expect(handler(viewerRequestEvent('DELETE', '/ocsp/x'))).toMatchObject({ statusCode: 405 });
  });

  it('works with a dedicated OCSP hostname at path /', () => {
    const atRoot = loadViewerRequestFunction(buildViewerRequestSource('/'));
    const result = atRoot(viewerRequestEvent('GET', `/${Buffer.from(request).toString('base64')}`));
    expect(result).toMatchObject({ uri: `/${expectedKey}` });
  });

  it('refuses an unsafe prefix at build time', () => {
    expect(() => buildViewerRequestSource('ocsp')).toThrow(/must start with \//);
  });
});

/**
 * Builds the OCSP viewer-request CloudFront Function into one ES5-style file: esbuild bundles the
 * shared OCSP request decoder with the handler, `OCSP_PATH_PREFIX` is substituted, and the ES
 * module `export` is dropped because CloudFront Functions look up a top-level `handler`.
 *
 * The bundle runs inside one function scope, with minified names, and the top-level `handler`
 * only calls into it: the runtime's global object (a node:vm context here, the CloudFront
 * Functions sandbox there) makes every global variable or function look-up slow, and the decoder's
 * helpers and tables were all globals (36 µs a GET, mostly look-ups; see docs/BENCHMARKS.md).
 */
import { buildSync } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OCSP_PATH_PREFIX, parseOcspPathPrefix } from '../core/ocsp/ocsp-path.ts';
import { MALFORMED_REQUEST_DER } from '../core/ocsp/ocsp-request.ts';

/** CloudFront Functions maximum code size (bytes). */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10 * 1024;
/** ca-repo's own budget for the built function (issue 14): what CloudFront loads per request. */
export const VIEWER_REQUEST_BUDGET_BYTES = 4 * 1024;

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'ocsp-viewer-request.ts');

/** The prefix the function is built for; a dedicated OCSP hostname may use `/` (core/ocsp/ocsp-path.ts). */
function builtPrefix(ocspPathPrefix: string): string {
  try {
    return parseOcspPathPrefix(ocspPathPrefix, { wholeHost: true });
  } catch (error) {
    throw new Error(`OCSP path prefix "${ocspPathPrefix}" ${(error as Error).message}`, { cause: error });
  }
}

export function buildViewerRequestSource(ocspPathPrefix = DEFAULT_OCSP_PATH_PREFIX): string {
  const result = buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es5',
    platform: 'neutral',
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    legalComments: 'none',
    define: {
      OCSP_PATH_PREFIX: JSON.stringify(builtPrefix(ocspPathPrefix)),
      MALFORMED_REQUEST_BASE64: JSON.stringify(Buffer.from(MALFORMED_REQUEST_DER).toString('base64')),
    },
  });
  const code = result.outputFiles[0]?.text ?? '';
  const exported = /export\s*\{\s*([\w$]+)(?:\s+as\s+handler)?\s*\}\s*;?\s*$/.exec(code);
  const body = exported ? code.slice(0, exported.index) : code;
  if (!exported || /\bexport\b|\bimport\b/.test(body)) {
    throw new Error('viewer-request build: unexpected module syntax left in the CloudFront Function');
  }
  const source =
    `// ca-repo OCSP viewer-request (built from lambda/edge/ocsp-viewer-request.ts)\n` +
    `var $h=function(){${body}return ${exported[1]}}();function handler(e){return $h(e)}\n`;
  const size = Buffer.byteLength(source);
  if (size > CLOUDFRONT_FUNCTION_MAX_BYTES) {
    throw new Error(
      `viewer-request function is ${size} bytes, over the ${CLOUDFRONT_FUNCTION_MAX_BYTES}-byte limit`,
    );
  }
  return source;
}

/** Writes the built function to `outFile` (for `FunctionCode.fromFile`) and returns the path. */
export function buildViewerRequestFunction(options: { ocspPathPrefix: string; outFile: string }): string {
  mkdirSync(dirname(options.outFile), { recursive: true });
  writeFileSync(options.outFile, buildViewerRequestSource(options.ocspPathPrefix));
  return options.outFile;
}

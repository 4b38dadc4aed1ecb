/**
 * The OCSP viewer-request CloudFront Function: its built size against the 10 KB limit, and the
 * time it takes per GET in node:vm (the built file, as CloudFront runs it) against parsing the
 * same request with pkijs, the general-purpose ASN.1 library the rest of the product uses.
 */
import { cpus, loadavg } from 'node:os';
import * as pkijs from 'pkijs';
import { toHex } from '../lambda/core/encoding/bytes.ts';
import { certIdHashOfOid } from '../lambda/core/ocsp/cert-id.ts';
import { ocspObjectKey } from '../lambda/core/ocsp/ocsp-object-key.ts';
import {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  VIEWER_REQUEST_BUDGET_BYTES,
  buildViewerRequestSource,
} from '../lambda/edge/build-viewer-request.ts';
import type { CfFunctionEvent } from '../lambda/edge/cloudfront-function-event.ts';
import { loadViewerRequestFunction } from '../lambda/local/cloudfront-function-runtime.ts';
import { serialHexOf } from '../lambda/core/pki/x509.ts';
import { formatNumber, markdownTable, ratio, type BenchContext, type PhaseResult } from './bench-context.ts';
import { syntheticRequest } from './bench-pki.ts';
import { encodeVariant, ENCODING_VARIANTS } from './request-variants.ts';
import { seededRandom } from '../testkit/seeded-random.ts';

const DISTINCT_URIS = 1000;
/** Issue 14's goal for the function's time per GET in node:vm. */
const GOAL_NS_PER_GET = 5000;

export async function runEdgeFunctionBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const source = buildViewerRequestSource('/ocsp');
  const size = Buffer.byteLength(source);
  const handler = loadViewerRequestFunction(source);

  // The same URIs for both sides: 1,000 certificates, every encoding clients use, a third with nonces.
  const random = seededRandom(7);
  const uris: string[] = [];
  for (let i = 0; i < DISTINCT_URIS; i++) {
    const nonce = random() < 0.33 ? new Uint8Array(16).map(() => Math.floor(random() * 256)) : undefined;
    const variant = ENCODING_VARIANTS[i % ENCODING_VARIANTS.length]!;
    uris.push(`/ocsp${encodeVariant(syntheticRequest(ctx.ec, i, nonce), variant)}`);
  }
  const keysByFunction = uris.map((uri) => {
    const result = handler(eventFor(uri));
    return 'uri' in result ? result.uri.slice(1) : undefined;
  });
  const keysByPkijs = uris.map(parseWithPkijs);
  const disagree = keysByFunction.filter((key, i) => key !== keysByPkijs[i]).length;
  if (size > VIEWER_REQUEST_BUDGET_BYTES)
    failures.push(`built function is ${size} bytes, over the ${VIEWER_REQUEST_BUDGET_BYTES}-byte budget`);
  if (disagree > 0) failures.push(`the function and pkijs disagree on ${disagree} of ${uris.length} URIs`);

  const calls = ctx.quick ? 50_000 : 500_000;
  const load = loadavg()[0]!;
  const fn = timePerCall(
    calls,
    (i, events) => handler(events[i % DISTINCT_URIS]!),
    () => uris.map(eventFor),
  );
  const pkijsCall = timePerCall(
    calls / 10,
    (i) => parseWithPkijs(uris[i % DISTINCT_URIS]!),
    () => [],
  );
  const loadAfter = loadavg()[0]!;
  const loadText = `load average ${formatNumber(load, 1)} → ${formatNumber(loadAfter, 1)} on ${cpus().length} cores`;

  const markdown = `${markdownTable(
    ['measure', 'ca-repo function', 'reference', 'ratio'],
    [
      [
        'built size (bytes)',
        formatNumber(size),
        `CloudFront Functions limit ${formatNumber(CLOUDFRONT_FUNCTION_MAX_BYTES)}`,
        `${ratio(size * 100, CLOUDFRONT_FUNCTION_MAX_BYTES, 0).replace('×', '')} % of the limit`,
      ],
      [
        'built size against the budget',
        formatNumber(size),
        `ca-repo budget ${formatNumber(VIEWER_REQUEST_BUDGET_BYTES)}`,
        ratio(size, VIEWER_REQUEST_BUDGET_BYTES),
      ],
      [
        'CPU time per GET (ns), node:vm, against the goal',
        formatNumber(fn.cpuNs),
        `goal ${formatNumber(GOAL_NS_PER_GET)} ns`,
        ratio(fn.cpuNs, GOAL_NS_PER_GET),
      ],
      [
        'CPU time per GET (ns), node:vm, median batch, against the goal',
        formatNumber(fn.medianCpuNs),
        `goal ${formatNumber(GOAL_NS_PER_GET)} ns`,
        ratio(fn.medianCpuNs, GOAL_NS_PER_GET),
      ],
      [
        'wall-clock time per GET (ns), node:vm, against the goal',
        formatNumber(fn.wallNs),
        `goal ${formatNumber(GOAL_NS_PER_GET)} ns`,
        ratio(fn.wallNs, GOAL_NS_PER_GET),
      ],
      [
        'CPU time per GET (ns), node:vm, against pkijs',
        formatNumber(fn.cpuNs),
        `pkijs parse of the same request: ${formatNumber(pkijsCall.cpuNs)} ns CPU (${formatNumber(pkijsCall.wallNs)} ns wall)`,
        `${ratio(pkijsCall.cpuNs, fn.cpuNs, 1)} faster`,
      ],
    ],
  )}

Command: \`npm run bench -- --only edge-function\` (in-process: ${formatNumber(calls)} calls of the built
function loaded by \`loadViewerRequestFunction(buildViewerRequestSource('/ocsp'))\` in a bare node:vm context,
over ${formatNumber(DISTINCT_URIS)} distinct URIs for 1,000 certificates in ${ENCODING_VARIANTS.length} encodings, a third with nonces;
the pkijs side percent-decodes, base64-decodes with Buffer, runs \`pkijs.OCSPRequest.fromBER\` and builds the same
object key, ${formatNumber(calls / 10)} calls). Both sides must produce the same key for every URI: ${disagree} differed.
CPU time is this process's user + system time (\`process.cpuUsage\`) around each timed batch, which waiting for a
core on a loaded machine does not inflate as it does wall-clock time (the median is over batches of
${formatNumber(DISTINCT_URIS)} calls); ${loadText} during this phase.
CloudFront bills a function by invocation, not by time, but caps its compute: the function uses a small share of it.`;

  return {
    title: 'Edge function',
    markdown,
    figures: [
      {
        name: 'CloudFront Function built size',
        value: `${formatNumber(size)} bytes`,
        reference: `${formatNumber(VIEWER_REQUEST_BUDGET_BYTES)} bytes budget (CloudFront limit ${formatNumber(CLOUDFRONT_FUNCTION_MAX_BYTES)})`,
        ratio: ratio(size, VIEWER_REQUEST_BUDGET_BYTES),
        commands: ['npm run bench -- --only edge-function'],
      },
      {
        name: 'CloudFront Function time per GET (node:vm)',
        value: `${formatNumber(fn.cpuNs)} ns CPU (median batch ${formatNumber(fn.medianCpuNs)} ns; ${formatNumber(fn.wallNs)} ns wall), ${loadText}`,
        reference: `goal ${formatNumber(GOAL_NS_PER_GET)} ns; pkijs parse: ${formatNumber(pkijsCall.cpuNs)} ns CPU`,
        ratio: `${ratio(fn.cpuNs, GOAL_NS_PER_GET)} of the goal (CPU); ${ratio(pkijsCall.cpuNs, fn.cpuNs, 1)} faster than pkijs`,
        commands: ['npm run bench -- --only edge-function'],
      },
    ],
    failures,
  };
}

function eventFor(uri: string): CfFunctionEvent {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '127.0.0.1' },
    request: { method: 'GET', uri, querystring: {}, headers: {}, cookies: {} },
  };
}

/** The reference: the same GET path turned into the same object key with pkijs. */
function parseWithPkijs(uri: string): string | undefined {
  try {
    const text = decodeURIComponent(uri.slice('/ocsp'.length)).replace(/ /g, '+').replace(/^\/+/, '');
    const der = Buffer.from(text, 'base64');
    const request = pkijs.OCSPRequest.fromBER(
      der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength),
    );
    const certId = request.tbsRequest.requestList[0]!.reqCert;
    return ocspObjectKey({
      hashAlgorithm: certIdHashOfOid(certId.hashAlgorithm.algorithmId) ?? 'unknown',
      issuerNameHashHex: toHex(new Uint8Array(certId.issuerNameHash.valueBlock.valueHexView)),
      issuerKeyHashHex: toHex(new Uint8Array(certId.issuerKeyHash.valueBlock.valueHexView)),
      serialHex: serialHexOf(certId.serialNumber),
    });
  } catch {
    return undefined;
  }
}

/** Nanoseconds per call: wall-clock, and CPU time (user + system of this process), which a loaded
 *  machine disturbs less than wall-clock time, since waiting for a core is not counted. The median
 *  over batches of 1,000 calls sets aside the batches another process's burst slowed down. */
interface PerCall {
  wallNs: number;
  cpuNs: number;
  medianCpuNs: number;
}

/**
 * Nanoseconds per call over `calls` calls, after a warm-up. The function mutates its event (it
 * rewrites the URI), so fresh events are made between timed batches, outside both clocks.
 */
function timePerCall<T>(
  calls: number,
  call: (i: number, batch: T[]) => unknown,
  makeBatch: () => T[],
): PerCall {
  let batch = makeBatch();
  for (let i = 0; i < DISTINCT_URIS; i++) call(i, batch); // warm-up (JIT)
  let elapsed = 0n;
  const batchCpuMicros: number[] = [];
  for (let done = 0; done < calls; done += DISTINCT_URIS) {
    batch = makeBatch();
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < DISTINCT_URIS; i++) call(i, batch);
    elapsed += process.hrtime.bigint() - start;
    const used = process.cpuUsage(cpu);
    batchCpuMicros.push(used.user + used.system);
  }
  const made = batchCpuMicros.length * DISTINCT_URIS;
  const sorted = [...batchCpuMicros].sort((a, b) => a - b);
  return {
    wallNs: Number(elapsed) / made,
    cpuNs: (sorted.reduce((sum, micros) => sum + micros, 0) * 1000) / made,
    medianCpuNs: ((sorted[sorted.length >> 1] ?? 0) * 1000) / DISTINCT_URIS,
  };
}

/**
 * Edge cache efficiency: 100,000 GETs for 1,000 certificates from clients that add nonces or
 * encode the request differently, through the local CDN (the built CloudFront Function rewrites
 * every form of one CertID to one cache key), against a plain CDN keyed on the raw URL (the naive
 * setup: every distinct URL is its own cache entry, so its first request goes to the origin).
 */
import { MemoryObjectStore } from '../lambda/storage/memory-object-store.ts';
import { systemClock } from '../lambda/adapters/system-clock.ts';
import { LocalCdn } from '../lambda/local/local-cdn.ts';
import { PublishService } from '../lambda/services/publish/publish-service.ts';
import { putBundle } from '../testkit/bundles.ts';
import { seededRandom } from '../testkit/seeded-random.ts';
import { formatNumber, markdownTable, ratio, type BenchContext, type PhaseResult } from './bench-context.ts';
import { syntheticRequest, syntheticResponse, wholeSecondsNow } from './bench-pki.ts';
import { ENCODING_VARIANTS, encodeVariant } from './request-variants.ts';
import { benchSerial } from '../testkit/ocsp-fixtures.ts';

const CERTIFICATES = 1000;
const NONCE_SHARE = 0.4;

export async function runEdgeCacheBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const requests = ctx.quick ? 10_000 : 100_000;
  const now = wholeSecondsNow();
  const ingest = new MemoryObjectStore();
  const repository = new MemoryObjectStore();
  const responses = Array.from({ length: CERTIFICATES }, (_, i) => syntheticResponse(ctx.ec, i, now));
  const files: Record<string, Uint8Array> = {};
  responses.forEach((der, i) => (files[`ocsp/${benchSerial(i)}.ocsp`] = der));
  const service = new PublishService({ ingest, repository, trust: ctx.ec.trust, clock: systemClock });
  const receipt = await service.publishBundle(await putBundle(ingest, files));
  if (receipt.accepted.length !== CERTIFICATES)
    failures.push(`only ${receipt.accepted.length} responses published`);

  const cdn = new LocalCdn({ primary: repository, clock: systemClock, ocspPathPrefix: '/ocsp' });
  const random = seededRandom(20261122);
  const rawUrls = new Set<string>();
  let nonces = 0;
  let wrong = 0;
  const start = performance.now();
  for (let n = 0; n < requests; n++) {
    const cert = Math.floor(random() * CERTIFICATES);
    const withNonce = random() < NONCE_SHARE;
    if (withNonce) nonces++;
    const nonce = withNonce ? new Uint8Array(16).map(() => Math.floor(random() * 256)) : undefined;
    const variant = ENCODING_VARIANTS[Math.floor(random() * ENCODING_VARIANTS.length)]!;
    const url = `/ocsp${encodeVariant(syntheticRequest(ctx.ec, cert, nonce), variant)}`;
    rawUrls.add(url);
    const answer = await cdn.handle({ method: 'GET', url, headers: {} }, new Uint8Array(0));
    if (
      answer.status !== 200 ||
      !answer.body ||
      !Buffer.from(answer.body).equals(Buffer.from(responses[cert]!))
    ) {
      wrong++;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (wrong > 0) failures.push(`${wrong} of ${requests} GETs did not get their certificate's response`);
  // Every entry lives for the response's max-age (up to 3,600 s), longer than this run: a raw-URL
  // cache misses exactly once per distinct URL.
  const naiveFetches = rawUrls.size;
  const canonicalFetches = cdn.stats.originFetches;
  const markdown = `${markdownTable(
    ['CDN cache key', 'origin fetches', 'cache hit ratio'],
    [
      [
        'ca-repo: canonical CertID key (CloudFront Function rewrite)',
        formatNumber(canonicalFetches),
        `${formatNumber((100 * (requests - canonicalFetches)) / requests, 2)} %`,
      ],
      [
        'naive: raw URL',
        formatNumber(naiveFetches),
        `${formatNumber((100 * (requests - naiveFetches)) / requests, 2)} %`,
      ],
      ['naive ÷ ca-repo', ratio(naiveFetches, canonicalFetches, 1), ''],
    ],
  )}

Command: \`npm run bench -- --only edge-cache\` (in-process: ${formatNumber(requests)} GETs through \`LocalCdn.handle\`, the same
edge cache and built function as \`ca-repo local\`, over a MemoryObjectStore holding ${formatNumber(CERTIFICATES)} responses published
by PublishService; seeded: uniform choice of certificate, ${formatNumber(100 * NONCE_SHARE)} % of requests with a fresh 16-byte nonce
(${formatNumber(nonces)}), encodings drawn from: ${ENCODING_VARIANTS.join(', ')}). Every answer was checked byte for byte
against the certificate's response (${wrong} wrong). The naive figure counts distinct raw URLs: a CDN keyed on the URL
fetches each once while its max-age lasts. ${formatNumber(requests / seconds)} GETs/s in this loop.`;
  return {
    title: 'Edge cache efficiency',
    markdown,
    figures: [
      {
        name: `Origin fetches for ${formatNumber(requests)} GETs over ${formatNumber(CERTIFICATES)} certificates (nonces, mixed encodings)`,
        value: `${formatNumber(canonicalFetches)} with the canonical-key rewrite`,
        reference: `${formatNumber(naiveFetches)} for a CDN keyed on the raw URL`,
        ratio: `${ratio(naiveFetches, canonicalFetches, 1)} fewer origin fetches`,
        commands: ['npm run bench -- --only edge-cache'],
      },
    ],
    failures,
  };
}

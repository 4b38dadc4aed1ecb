/**
 * A 2,000,000-response refresh in AWS, modelled from the per-worker rate measured in the same bench
 * run (scale-bench.ts): how long the fan-out takes with the deployed worker concurrency, and which
 * limit binds. Inputs that are not measured here are named with their source.
 */
import { PUBLISH_WORK_QUEUE } from '../lambda/core/contract/publish-work-queue.ts';
import { MAX_OCSP_SHARD_STATE_ENTRIES } from '../lambda/core/publish/ocsp-shard-state.ts';
import { formatNumber, markdownTable } from './bench-context.ts';

/** S3: at least 3,500 PUT/COPY/POST/DELETE per second per partitioned prefix (S3 performance guidelines). */
const S3_PUTS_PER_PREFIX = 3_500;
/** ocsp-object-key.ts: two hex digits of FNV-1a of the serial. */
const SHARDS = 256;
/** Assumed S3 PUT latency in-Region for a small object (not measured here): 25 ms. */
const S3_PUT_SECONDS = 0.025;
/** PublishService's write concurrency per worker. */
const WORKER_CONCURRENCY = 8;
/** Lambda's default account concurrency per Region (a quota the account can raise). */
const ACCOUNT_CONCURRENCY = 1_000;

export function awsRefreshModel(input: {
  responses: number;
  filesPerPart: number;
  measuredPerWorker: number;
}): string {
  const { responses, filesPerPart, measuredPerWorker } = input;
  const parts = Math.ceil(responses / filesPerPart);
  const workers = Math.min(PUBLISH_WORK_QUEUE.maxConcurrency, ACCOUNT_CONCURRENCY, parts);
  // A refresh replaces existing keys. While the shard states hold every key (ocsp-shard-state.ts),
  // each costs one conditional PUT, and each part a GET and a PUT per shard state it touches
  // (every shard, for a part of random CertIDs); past the cap, a HEAD and a PUT per key as before.
  // A bundle of more than one part also claims each CertID in the ingest store before judging it
  // (PublishService.claimAcrossParts: one create-if-absent PUT per response, one after the other).
  const claims = parts > 1 ? 1 : 0;
  const statesHold = responses <= SHARDS * MAX_OCSP_SHARD_STATE_ENTRIES;
  const statesPerPart = Math.min(SHARDS, filesPerPart);
  const stateBound =
    (WORKER_CONCURRENCY * filesPerPart) /
    (((1 + claims) * filesPerPart + 2 * statesPerPart) * S3_PUT_SECONDS);
  const headBound = WORKER_CONCURRENCY / ((2 + claims) * S3_PUT_SECONDS);
  const latencyBound = statesHold ? stateBound : headBound;
  const perWorker = Math.min(measuredPerWorker, latencyBound);
  const fleet = workers * perWorker;
  const s3Ceiling = SHARDS * S3_PUTS_PER_PREFIX;
  const rate = Math.min(fleet, s3Ceiling);
  const waves = Math.ceil(parts / workers);
  const seconds = waves * (filesPerPart / perWorker);
  const rows = [
    [
      'responses, parts of ' + formatNumber(filesPerPart),
      `${formatNumber(responses)}, ${formatNumber(parts)} parts (SQS messages)`,
    ],
    [
      'workers at once',
      `${formatNumber(workers)} (event source maximum concurrency, PUBLISH_WORK_QUEUE.maxConcurrency; account default ${formatNumber(ACCOUNT_CONCURRENCY)})`,
    ],
    [
      'per-worker rate, measured (CPU: validation and writes, this machine)',
      `${formatNumber(measuredPerWorker)} responses/s`,
    ],
    [
      `per-worker rate, S3-latency bound with shard states (${WORKER_CONCURRENCY} in flight, one PUT per response${claims ? ' and its CertID claim PUT' : ''}, a GET + PUT per shard state per part, ${S3_PUT_SECONDS * 1000} ms each, assumed): up to ${formatNumber(SHARDS * MAX_OCSP_SHARD_STATE_ENTRIES)} responses`,
      `${formatNumber(stateBound)} responses/s${statesHold ? '' : ' (not this size: the states are past their cap)'}`,
    ],
    [
      `per-worker rate, S3-latency bound past the states' cap (HEAD + PUT per response${claims ? ' + its CertID claim PUT' : ''})`,
      `${formatNumber(headBound)} responses/s${statesHold ? ' (not this size)' : ''}`,
    ],
    ['per-worker rate used (the smaller)', `${formatNumber(perWorker)} responses/s`],
    ['fleet rate (workers × per-worker)', `${formatNumber(fleet)} PUT/s`],
    [
      `S3 ceiling (${SHARDS} shard prefixes × ${formatNumber(S3_PUTS_PER_PREFIX)} PUT/s)`,
      `${formatNumber(s3Ceiling)} PUT/s: fleet uses ${formatNumber((100 * fleet) / s3Ceiling, 1)} %`,
    ],
    [
      'SQS standard queue',
      'nearly unlimited messages/s: not binding at ' + formatNumber(parts) + ' messages',
    ],
    ['binding limit', fleet < s3Ceiling ? 'worker concurrency × per-worker rate' : 'S3 per-prefix PUT rate'],
    [
      'refresh time (waves of parts × time per part)',
      `${formatNumber(waves)} waves × ${formatNumber(filesPerPart / perWorker, 1)} s ≈ ${formatNumber(seconds / 60, 1)} min (${formatNumber(rate)} objects/s)`,
    ],
    [
      'worker time per part against its 5-minute timeout',
      `${formatNumber(filesPerPart / perWorker, 1)} s ÷ 300 s = ${formatNumber(filesPerPart / perWorker / 300, 2)}×`,
    ],
  ];
  return `### Model: a ${formatNumber(responses)}-response refresh in AWS

${markdownTable(['input or result', 'value'], rows)}

A first publish of new keys writes create-first (one conditional PUT, no HEAD): the latency bound is then
${formatNumber(WORKER_CONCURRENCY / ((1 + claims) * S3_PUT_SECONDS))} responses/s per worker${claims ? ' (with the claim PUT)' : ''}. Raising the event source's maximum concurrency
(\`maxWorkerConcurrency\`) scales the fleet linearly until S3's ${formatNumber(s3Ceiling)} PUT/s across the shards, which
${formatNumber(Math.ceil(s3Ceiling / perWorker))} workers would reach.`;
}

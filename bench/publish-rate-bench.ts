/**
 * The publish gate's write rate against the raw PUT rate of the same store (issue 14, item 2), part
 * of the scale bench: one embedded S3 server in this process, the gate (PublishService, parts of
 * 5,000 one after another, as one worker) and raw PUTs from the same process with the same
 * concurrency, so both pay the same client, server and wrapper (lambda/local: every PUT writes a
 * partial file, an intent file, two renames, the metadata file and an unlink; a conditional PUT
 * also reads the key's metadata). The plain raw PUT is measured before and after the publishes
 * (its mean is the reference: a shared machine drifts), and the raw PUTs that carry what the
 * gate's writes must carry (headers, metadata, If-None-Match / If-Match) show what the store
 * charges for the request itself. Store requests are counted per object on both buckets.
 */
import { forEachWithConcurrency } from '../lambda/services/concurrency.ts';
import type { PutObjectOptions } from '../lambda/services/ports.ts';
import { PublishService } from '../lambda/services/publish/publish-service.ts';
import { startEmbeddedS3 } from '../lambda/local/embedded-s3.ts';
import { putBundle } from '../testkit/bundles.ts';
import { PassThroughStore } from '../testkit/pass-through-store.ts';
import { benchSerial, buildSignedResponse } from '../testkit/ocsp-fixtures.ts';
import { formatNumber, markdownTable, ratio, type BenchContext, type PhaseResult } from './bench-context.ts';
import { syntheticSpec } from './bench-pki.ts';

const FILES_PER_PART = 5_000;
/** PublishService's default concurrency: the raw PUTs get the same. */
const CONCURRENCY = 8;

/** Counts every request a store is asked, whatever it is. */
class CountingStore extends PassThroughStore {
  requests = 0;
  override get(key: string) {
    this.requests++;
    return super.get(key);
  }
  override head(key: string) {
    this.requests++;
    return super.head(key);
  }
  override put(key: string, body: Uint8Array, options: PutObjectOptions) {
    this.requests++;
    return super.put(key, body, options);
  }
  override delete(key: string) {
    this.requests++;
    return super.delete(key);
  }
  override list(prefix: string) {
    this.requests++;
    return super.list(prefix);
  }
}

interface Phase {
  perSecond: number;
  /** process.cpuUsage (user + system) per object: this process runs client, server and gate. */
  cpuMs: number;
  requestsPerObject: number;
}

export async function publishRate(
  ctx: BenchContext,
  directory: string,
  count: number,
  now: Date,
): Promise<{ markdown: string; figures: PhaseResult['figures']; perWorkerCpuMs: number }> {
  const s3 = await startEmbeddedS3({ directory, buckets: ['ingest', 'repository'] });
  try {
    const ingest = new CountingStore(s3.store('ingest'));
    const repository = new CountingStore(s3.store('repository'));
    const service = new PublishService({
      ingest,
      repository,
      trust: ctx.ec.trust,
      clock: { now: () => new Date() },
    });
    const measure = async (objects: number, run: () => Promise<void>): Promise<Phase> => {
      const requests = ingest.requests + repository.requests;
      const cpu = process.cpuUsage();
      const start = performance.now();
      await run();
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      return {
        perSecond: objects / seconds,
        cpuMs: (used.user + used.system) / 1000 / objects,
        requestsPerObject: (ingest.requests + repository.requests - requests) / objects,
      };
    };
    const bundle = (thisUpdate: Date) => {
      const files: Record<string, Uint8Array> = {};
      for (let i = 0; i < count; i++)
        files[`ocsp/${benchSerial(i)}.ocsp`] = buildSignedResponse(
          ctx.ec.signer,
          syntheticSpec(i, thisUpdate),
        );
      return files;
    };
    const publish = async (files: Record<string, Uint8Array>) => {
      const bundleId = await putBundle(ingest, files, { filesPerPart: FILES_PER_PART });
      return measure(count, async () => {
        const receipt = await service.publishBundle(bundleId);
        if (
          receipt.status !== 'completed' ||
          receipt.rejected.length > 0 ||
          receipt.summary?.accepted !== count
        ) {
          throw new Error(
            `scale: publish ${receipt.status}, ${receipt.rejected.length} rejected: ${receipt.rejected[0]?.reason ?? receipt.error}`,
          );
        }
      });
    };
    const firstFiles = bundle(new Date(now.getTime() - 120_000));
    const size = Object.values(firstFiles)[0]!.byteLength;
    const body = new Uint8Array(size).fill(0x30);
    // Keys as deep as a CertID key (_ocsp/<shard>/sha1/<name hash>/<key hash>/<serial>), new each run.
    const keys = (run: string) =>
      Array.from(
        { length: count },
        (_, i) =>
          `_bench-raw/${run}/${String(i % 256).padStart(3, '0')}/sha1/${'a'.repeat(40)}/${'b'.repeat(40)}/${i}`,
      );
    const rawPut = (run: string, options: PutObjectOptions) =>
      measure(count, () =>
        forEachWithConcurrency(keys(run), CONCURRENCY, (key) => repository.put(key, body, options)),
      );
    const plain = { contentType: 'application/octet-stream' };
    // What a published object carries: its headers and ca-repo metadata.
    const published = {
      contentType: 'application/ocsp-response',
      cacheControl: 'public, max-age=3600',
      expires: new Date(now.getTime() + 3_600_000),
      metadata: Object.fromEntries(
        [
          'metadata-version',
          'kind',
          'sha256',
          'bundle',
          'run',
          'invalidate',
          'this-update',
          'next-update',
          'cert-status',
        ].map((k) => [`ca-repo-${k}`, 'x'.repeat(24)]),
      ),
    };

    ctx.log(`scale: publish rate, ${formatNumber(count)} objects per phase`);
    // The JIT and the connection pool, for every phase alike.
    await forEachWithConcurrency(keys('warm-up').slice(0, 1_000), CONCURRENCY, (key) =>
      repository.put(key, body, plain),
    );
    const rawBefore = await rawPut('before', plain);
    const rawCreate = await rawPut('create', { ...published, ifNoneMatch: '*' });
    const first = await publish(firstFiles);
    const refresh = await publish(bundle(now));
    const etags = new Map<string, string>();
    for (const key of keys('create')) etags.set(key, (await repository.head(key))!.etag);
    const rawReplace = await measure(count, () =>
      forEachWithConcurrency(keys('create'), CONCURRENCY, (key) =>
        repository.put(key, body.slice().fill(0x31), { ...published, ifMatch: etags.get(key)! }),
      ),
    );
    const rawAfter = await rawPut('after', plain);
    const raw: Phase = {
      perSecond: (rawBefore.perSecond + rawAfter.perSecond) / 2,
      cpuMs: (rawBefore.cpuMs + rawAfter.cpuMs) / 2,
      requestsPerObject: 1,
    };
    const row = (label: string, phase: Phase) => [
      label,
      formatNumber(phase.perSecond),
      formatNumber(phase.cpuMs, 2),
      formatNumber(phase.requestsPerObject, 3),
      phase === raw ? 'reference' : ratio(phase.perSecond, raw.perSecond),
      phase === raw ? 'reference' : ratio(raw.cpuMs, phase.cpuMs),
    ];
    const markdown = `${markdownTable(
      [
        'one embedded S3 server, one process, concurrency 8',
        'objects/s',
        'CPU ms per object',
        'store requests per object',
        'rate ÷ raw PUT',
        'raw PUT CPU ÷ this CPU',
      ],
      [
        row(
          `raw PUT, ${formatNumber(size)}-byte bodies (mean of before: ${formatNumber(rawBefore.perSecond)}/s and after: ${formatNumber(rawAfter.perSecond)}/s)`,
          raw,
        ),
        row('raw PUT, new keys, a published object’s headers and metadata, If-None-Match: *', rawCreate),
        row('raw PUT, existing keys, the same headers and metadata, If-Match', rawReplace),
        row(`first publish of ${formatNumber(count)} (new keys)`, first),
        row(`refresh of the same ${formatNumber(count)} (existing keys)`, refresh),
      ],
    )}

Command: \`npm run bench -- --only scale\` (bench/publish-rate-bench.ts): \`PublishService.publishBundle\` over parts of
${formatNumber(FILES_PER_PART)} (validation, revocation history, conditional writes with metadata, shard states, index, receipt)
against \`S3ObjectStore.put\` of bodies of the same size to keys as deep as a CertID key, all to one embedded s3rver
in the bench process with the same wrapper (lambda/local/s3rver-atomic-objects.ts, s3rver-conditional-writes.ts), so
client, server and wrapper costs are the same on both sides. Requests are counted on both buckets (ingest: manifest,
part, receipt). A new CertID key is written create-first (If-None-Match: *, no HEAD); an existing one with If-Match on
the ETag its shard's state recorded (lambda/core/publish/ocsp-shard-state.ts, no HEAD), read once per shard and part.`;
    return {
      markdown,
      perWorkerCpuMs: refresh.cpuMs,
      figures: [
        {
          name: `Publish gate, first publish of ${formatNumber(count)} OCSP responses (in process, embedded S3)`,
          value: `${formatNumber(first.perSecond)} objects/s, ${formatNumber(first.requestsPerObject, 3)} requests each`,
          reference: `raw PUT ${formatNumber(raw.perSecond)} /s, same server and process`,
          ratio: `${ratio(first.perSecond, raw.perSecond)} (CPU ${ratio(raw.cpuMs, first.cpuMs)})`,
          commands: ['npm run bench -- --only scale'],
        },
        {
          name: `Publish gate, refresh of ${formatNumber(count)} existing OCSP responses`,
          value: `${formatNumber(refresh.perSecond)} objects/s, ${formatNumber(refresh.requestsPerObject, 3)} requests each`,
          reference: `raw PUT ${formatNumber(raw.perSecond)} /s, same server and process`,
          ratio: `${ratio(refresh.perSecond, raw.perSecond)} (CPU ${ratio(raw.cpuMs, refresh.cpuMs)})`,
          commands: ['npm run bench -- --only scale'],
        },
      ],
    };
  } finally {
    await s3.close();
  }
}

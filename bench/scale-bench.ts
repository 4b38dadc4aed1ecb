/**
 * Scale: a 2,000,000-response bundle through the local fan-out in bounded memory, and the publish
 * gate's write rate against the raw PUT rate of the same store.
 *
 * Memory: the bundle (400 parts of 5,000, manifest format 2) is put in a directory store; the
 * dispatcher handler and the worker handler (part 0, 5,000 real responses) each run in a child
 * process of their own (scale-child.ts) and report their peak RSS (VmHWM). References in the same
 * run: the same children for a 20,000-response bundle (flat in bundle size means the same peak),
 * the dispatcher over the same 2,000,000 files as one format-1 manifest (what every process parsed
 * before), an idle child (the modules alone), and the deployed functions' memory from lib/.
 *
 * Rate: an embedded S3 server in this process; the publish gate (PublishService, one part after
 * another as one worker) publishes responses to it, and raw PUTs of the same size go to the same
 * server from the same process with the same concurrency, so both pay the same client and server.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PUBLISH_FUNCTION_MEMORY_MB } from '../lib/constructs/publisher.ts';
import { digest, toHex } from '../lambda/core/encoding/bytes.ts';
import { writeTar } from '../lambda/core/encoding/tar-archive.ts';
import {
  MANIFEST_FORMAT_V1,
  manifestKey,
  partFilesKey,
  partKey,
  type BundleFile,
  type BundleManifest,
} from '../lambda/core/publish/bundle.ts';
import { serialisePartFiles } from '../lambda/core/publish/part-files.ts';
import { DirectoryObjectStore } from '../lambda/storage/directory-object-store.ts';
import { awsRefreshModel } from './aws-refresh-model.ts';
import { benchSerial, buildSignedResponse } from '../testkit/ocsp-fixtures.ts';
import { publishRate } from './publish-rate-bench.ts';
import { formatNumber, markdownTable, ratio, type BenchContext, type PhaseResult } from './bench-context.ts';
import { ROOT, syntheticSpec, wholeSecondsNow } from './bench-pki.ts';

const FILES_PER_PART = 5_000;
/** PublishService's default concurrency: the raw PUTs get the same. */
const CONCURRENCY = 8;

interface ChildReport {
  peakMiB: number;
  rssMiB: number;
  seconds: number;
  partsQueued?: number;
  failedRecords?: number;
  receipts: number;
  error?: string;
}

export async function runScaleBench(ctx: BenchContext): Promise<PhaseResult> {
  const failures: string[] = [];
  const dir = join(ctx.workDir, 'scale');
  const large = ctx.quick ? 200_000 : 2_000_000;
  const small = 20_000;
  const now = wholeSecondsNow();
  const responses = Array.from({ length: FILES_PER_PART }, (_, i) =>
    buildSignedResponse(ctx.ec.signer, syntheticSpec(i, new Date(now.getTime() - 120_000))),
  );
  const caPath = join(dir, 'ca.der');
  await mkdir(dir, { recursive: true });
  await writeFile(caPath, ctx.ec.ca.cert.certDer);

  ctx.log(`scale: writing bundles of ${formatNumber(large)} and ${formatNumber(small)} responses`);
  const largeDir = join(dir, 'large');
  const smallDir = join(dir, 'small');
  await writeBundle(largeDir, 'large', large, responses, { formatOneToo: true });
  await writeBundle(smallDir, 'small', small, responses, { formatOneToo: false });

  const child = async (args: string[]): Promise<ChildReport> => {
    const script = join(ROOT, 'bench', 'scale-child.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      maxBuffer: 1 << 20,
    });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildReport;
    if (report.error) failures.push(`scale: ${args[0]} ${args[3] ?? ''}: ${report.error}`);
    return report;
  };
  ctx.log('scale: dispatcher and worker children');
  const idle = await child(['idle', largeDir, caPath]);
  const dispatchLarge = await child(['dispatch', largeDir, caPath, 'large']);
  const dispatchSmall = await child(['dispatch', smallDir, caPath, 'small']);
  const dispatchV1 = await child(['dispatch', largeDir, caPath, 'large-v1']);
  const workLarge = await child(['work', largeDir, caPath, 'large', '0']);
  const workSmall = await child(['work', smallDir, caPath, 'small', '0']);
  const parts = large / FILES_PER_PART;
  if (dispatchLarge.partsQueued !== parts)
    failures.push(`scale: ${dispatchLarge.partsQueued} parts queued, not ${parts}`);
  for (const [name, report] of [
    ['dispatcher', dispatchLarge],
    ['worker', workLarge],
  ] as const) {
    const limit = PUBLISH_FUNCTION_MEMORY_MB[name];
    if (!(report.peakMiB < limit))
      failures.push(`scale: ${name} peaked at ${report.peakMiB} MiB, over its ${limit} MB`);
  }
  const perWorkerRate = FILES_PER_PART / workLarge.seconds;

  ctx.log('scale: publish gate against raw PUT on one embedded S3 server, in this process');
  const rate = await publishRate(ctx, join(dir, 's3'), ctx.quick ? 2_000 : 10_000, now);

  const mib = (n: number) => `${formatNumber(n)} MiB`;
  const markdown = `${markdownTable(
    [
      'process (own child)',
      'bundle',
      'peak RSS (VmHWM)',
      'time',
      'deployed memory (lib/)',
      'peak ÷ deployed',
    ],
    [
      ['idle (modules loaded, no work)', '—', mib(idle.peakMiB), '—', '—', '—'],
      [
        'dispatcher, manifest format 2',
        `${formatNumber(large)} files, ${formatNumber(parts)} parts`,
        mib(dispatchLarge.peakMiB),
        `${formatNumber(dispatchLarge.seconds, 2)} s`,
        `${PUBLISH_FUNCTION_MEMORY_MB.dispatcher} MB`,
        ratio(dispatchLarge.peakMiB, PUBLISH_FUNCTION_MEMORY_MB.dispatcher),
      ],
      [
        'dispatcher, manifest format 2',
        `${formatNumber(small)} files`,
        mib(dispatchSmall.peakMiB),
        `${formatNumber(dispatchSmall.seconds, 2)} s`,
        `${PUBLISH_FUNCTION_MEMORY_MB.dispatcher} MB`,
        ratio(dispatchSmall.peakMiB, PUBLISH_FUNCTION_MEMORY_MB.dispatcher),
      ],
      [
        'dispatcher, the same files as one format-1 manifest (before)',
        `${formatNumber(large)} files`,
        mib(dispatchV1.peakMiB),
        `${formatNumber(dispatchV1.seconds, 2)} s`,
        `${PUBLISH_FUNCTION_MEMORY_MB.dispatcher} MB`,
        ratio(dispatchV1.peakMiB, PUBLISH_FUNCTION_MEMORY_MB.dispatcher),
      ],
      [
        'worker, part 0 (5,000 responses validated and written)',
        `${formatNumber(large)} files`,
        mib(workLarge.peakMiB),
        `${formatNumber(workLarge.seconds, 2)} s`,
        `${PUBLISH_FUNCTION_MEMORY_MB.worker} MB`,
        ratio(workLarge.peakMiB, PUBLISH_FUNCTION_MEMORY_MB.worker),
      ],
      [
        'worker, part 0 (the same 5,000)',
        `${formatNumber(small)} files`,
        mib(workSmall.peakMiB),
        `${formatNumber(workSmall.seconds, 2)} s`,
        `${PUBLISH_FUNCTION_MEMORY_MB.worker} MB`,
        ratio(workSmall.peakMiB, PUBLISH_FUNCTION_MEMORY_MB.worker),
      ],
    ],
  )}

Flat in bundle size: dispatcher peak at ${formatNumber(large)} ÷ at ${formatNumber(small)} files ${ratio(dispatchLarge.peakMiB, dispatchSmall.peakMiB)},
worker ${ratio(workLarge.peakMiB, workSmall.peakMiB)}; format 2 ÷ format 1 dispatcher peak ${ratio(dispatchLarge.peakMiB, dispatchV1.peakMiB)}.
One worker's rate over its part (validation and writes to a directory store, concurrency ${CONCURRENCY}): ${formatNumber(perWorkerRate)} responses/s.

Command: \`npm run bench -- --only scale\`. Each row is \`node --import tsx bench/scale-child.ts dispatch|work|idle DATA_DIR …\`
in its own process over directory stores (the fast local store), running the dispatcher and worker handlers the
Lambdas and the local repository run. Parts other than part 0 carry their file lists (what the dispatcher and the
finishing worker would read) but no archive: no process here reads them. Deployed memory is
\`PUBLISH_FUNCTION_MEMORY_MB\` from lib/constructs/publisher.ts, the construct's own setting.

${rate.markdown}

${awsRefreshModel({ responses: 2_000_000, filesPerPart: FILES_PER_PART, measuredPerWorker: perWorkerRate })}`;
  return {
    title: 'Scale: bounded memory and publish rate',
    markdown,
    figures: [
      {
        name: `Dispatcher peak RSS, ${formatNumber(large)}-response bundle (format 2)`,
        value: mib(dispatchLarge.peakMiB),
        reference: `${formatNumber(small)} files: ${mib(dispatchSmall.peakMiB)}; format 1: ${mib(dispatchV1.peakMiB)}; deployed ${PUBLISH_FUNCTION_MEMORY_MB.dispatcher} MB`,
        ratio: `${ratio(dispatchLarge.peakMiB, dispatchSmall.peakMiB)} of the small bundle's, ${ratio(dispatchLarge.peakMiB, dispatchV1.peakMiB)} of format 1's`,
        commands: ['npm run bench -- --only scale'],
      },
      {
        name: `Worker peak RSS, one part of a ${formatNumber(large)}-response bundle`,
        value: mib(workLarge.peakMiB),
        reference: `${formatNumber(small)} files: ${mib(workSmall.peakMiB)}; deployed ${PUBLISH_FUNCTION_MEMORY_MB.worker} MB`,
        ratio: `${ratio(workLarge.peakMiB, workSmall.peakMiB)} of the small bundle's`,
        commands: ['npm run bench -- --only scale'],
      },
      ...rate.figures,
    ],
    failures,
  };
}

/** A bundle of `total` responses in parts of 5,000; part 0 real, the others listed only. */
async function writeBundle(
  dataDir: string,
  bundleId: string,
  total: number,
  responses: Uint8Array[],
  options: { formatOneToo: boolean },
): Promise<void> {
  const ingest = new DirectoryObjectStore(join(dataDir, 'ingest'));
  const parts = total / FILES_PER_PART;
  const entries = responses.map((bytes, i) => ({ path: `ocsp/000/${benchSerial(i)}.ocsp`, bytes }));
  const archive = await writeTar(entries);
  await ingest.put(partKey(bundleId, 0), archive, { contentType: 'application/x-tar' });
  const realFiles: BundleFile[] = [];
  for (const entry of entries) {
    realFiles.push({
      path: entry.path,
      size: entry.bytes.byteLength,
      sha256: toHex(await digest('sha256', entry.bytes)),
      part: 0,
    });
  }
  const fakeSha = 'ab'.repeat(32);
  const filesOf = (part: number): BundleFile[] =>
    part === 0
      ? realFiles
      : Array.from({ length: FILES_PER_PART }, (_, i) => ({
          path: `ocsp/${String(part).padStart(3, '0')}/${benchSerial(part * FILES_PER_PART + i)}.ocsp`,
          size: 300,
          sha256: fakeSha,
          part,
        }));
  const manifest: BundleManifest = {
    format: 'ca-repo-bundle/2',
    bundleId,
    createdAt: new Date().toISOString(),
    parts: [],
  };
  for (let part = 0; part < parts; part++) {
    const list = Buffer.from(serialisePartFiles(bundleId, part, filesOf(part)));
    await ingest.put(partFilesKey(bundleId, part), list, { contentType: 'application/json' });
    manifest.parts.push({
      key: partKey(bundleId, part),
      sha256: part === 0 ? toHex(await digest('sha256', archive)) : fakeSha,
      size: part === 0 ? archive.byteLength : 1_500_000,
      files: {
        key: partFilesKey(bundleId, part),
        sha256: toHex(await digest('sha256', list)),
        size: list.byteLength,
        count: FILES_PER_PART,
      },
    });
  }
  await ingest.put(manifestKey(bundleId), Buffer.from(JSON.stringify(manifest)), {
    contentType: 'application/json',
  });
  if (!options.formatOneToo) return;
  // The same files as one format-1 manifest, written in pieces (a single string would be ~280 MB).
  const v1 = `${bundleId}-v1`;
  const path = join(ingest.root, ...manifestKey(v1).split('/'));
  await mkdir(dirname(path), { recursive: true });
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(path);
  const write = (text: string) =>
    new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', resolve)));
  const v1Parts = manifest.parts.map(({ key, sha256, size }) => ({
    key: key.replace(bundleId, v1),
    sha256,
    size,
  }));
  await write(
    `{"format":"${MANIFEST_FORMAT_V1}","bundleId":"${v1}","createdAt":"${manifest.createdAt}","parts":${JSON.stringify(v1Parts)},"files":[`,
  );
  for (let part = 0; part < parts; part++) {
    const lines = filesOf(part).map((f) => JSON.stringify(f));
    await write(`${part === 0 ? '' : ','}${lines.join(',')}`);
  }
  await write(']}');
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

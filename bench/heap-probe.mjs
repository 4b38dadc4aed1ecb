/* global URL, setInterval, process */
/**
 * Loaded into the process under test by the soak bench (`node --import
 * file:///…/heap-probe.mjs?every=10`): every `every` seconds it prints the heap figures on stderr,
 * one `heap-probe {json}` line each. RSS alone cannot tell a leak from the allocator and V8
 * keeping freed memory: the heap used just after a full (mark-compact) collection is what the
 * process still holds. It is read when the collection's `gc` performance entry is delivered (a
 * moment later, so it includes what was allocated since), and no collection is forced: forcing
 * one every 10 s keeps V8's heap smaller and so changes the RSS the soak judges (a forced run held
 * RSS flat where an unforced one rose). Started with `--expose-gc`, it forces one per interval,
 * for looking at the heap alone. Plain JavaScript: it runs before `bin/ca-repo.mjs` registers tsx.
 * The timer is unref'd, so it never keeps the process alive.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const every = Number(new URL(import.meta.url).searchParams.get('every') ?? 10);
const mib = (bytes) => Math.round((bytes / 1048576) * 100) / 100;
let majorCollections = 0;
let heapUsedAfterMajorMiB = null;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
    majorCollections++;
    heapUsedAfterMajorMiB = mib(getHeapStatistics().used_heap_size);
  }
}).observe({ entryTypes: ['gc'] });

let sequence = 0;
setInterval(() => {
  const forcedGc = typeof globalThis.gc === 'function';
  if (forcedGc) globalThis.gc();
  const m = process.memoryUsage();
  const line = {
    sequence: ++sequence,
    forcedGc,
    majorCollections,
    heapUsedAfterMajorMiB: forcedGc ? mib(m.heapUsed) : heapUsedAfterMajorMiB,
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
    rssMiB: mib(m.rss),
  };
  process.stderr.write(`heap-probe ${JSON.stringify(line)}\n`);
}, every * 1000).unref();

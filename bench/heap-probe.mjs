/* global URL, setInterval, process */
/**
 * Loaded into the process under test by the soak bench (`node --expose-gc --import
 * file:///…/heap-probe.mjs?every=10`): every `every` seconds it runs a full garbage collection and
 * prints the heap figures on stderr, one `heap-probe {json}` line each. RSS alone cannot tell a
 * leak from the allocator keeping freed pages (glibc arenas, V8's new space and old-space slack):
 * the heap used right after a full GC is what the process still holds. Plain JavaScript, not
 * TypeScript: it runs before `bin/ca-repo.mjs` registers tsx. The timer is unref'd, so it never
 * keeps the process alive; the forced GC costs tens of milliseconds per interval.
 */
const every = Number(new URL(import.meta.url).searchParams.get('every') ?? 10);
let sequence = 0;
setInterval(() => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  const mib = (bytes) => Math.round((bytes / 1048576) * 100) / 100;
  const line = {
    sequence: ++sequence,
    gc: typeof globalThis.gc === 'function',
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
    rssMiB: mib(m.rss),
  };
  process.stderr.write(`heap-probe ${JSON.stringify(line)}\n`);
}, every * 1000).unref();

/**
 * A publish whose receipt shows an OCSP status change (an invalidated OCSP key, or a wildcard
 * covering them) waits EDGE_POST_CACHE_SECONDS, the lifetime of POST answers in edge memory;
 * any other receipt waits nothing.
 */
import { describe, expect, it } from 'vitest';
import { EDGE_POST_CACHE_SECONDS } from '../../lambda/core/contract/edge-post-cache.ts';
import { edgeCacheWaitSeconds } from '../../lambda/core/publish/edge-cache-wait.ts';
import { waitOutEdgeCaches } from '../../cli/publish-run.ts';

const completed = (invalidated: string[]) => ({ status: 'completed' as const, invalidated });

describe('waiting out the edge POST cache after a publish', () => {
  it.each([
    [['/_ocsp/3f/sha1/aa/bb/01'], EDGE_POST_CACHE_SECONDS],
    [['/_ocsp/*'], EDGE_POST_CACHE_SECONDS],
    [['/*'], EDGE_POST_CACHE_SECONDS],
    [['/_*'], EDGE_POST_CACHE_SECONDS],
    [['/crl/root.crl'], 0],
    [['/crl/*'], 0],
    [[], 0],
  ])('invalidated %j: %i s', (paths, seconds) => {
    expect(edgeCacheWaitSeconds(completed(paths))).toBe(seconds);
  });

  it('a failed publish waits nothing', () => {
    expect(edgeCacheWaitSeconds({ status: 'failed', invalidated: ['/_ocsp/*'] })).toBe(0);
  });

  it('sleeps exactly the lifetime, and only after a status change', async () => {
    const slept: number[] = [];
    const sleep = async (ms: number) => void slept.push(ms);
    expect(await waitOutEdgeCaches(completed(['/_ocsp/3f/sha1/aa/bb/01']), { sleep })).toBe(
      EDGE_POST_CACHE_SECONDS,
    );
    expect(await waitOutEdgeCaches(completed(['/crl/root.crl']), { sleep })).toBe(0);
    expect(slept).toEqual([EDGE_POST_CACHE_SECONDS * 1000]);
  });
});

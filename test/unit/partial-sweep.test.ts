/**
 * `.partial` files (issue 13, finding 6): a local write killed between writing its temporary file
 * and renaming it left the file forever. The embedded S3 sweeps its directory before it starts
 * (nothing can be in progress then); the directory store sweeps the files of dead processes.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedS3 } from '../../lambda/local/embedded-s3.ts';
import { DirectoryObjectStore } from '../../lambda/storage/directory-object-store.ts';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'ca-repo-partial-'));
});
afterEach(() => rm(work, { recursive: true, force: true }));

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

describe('abandoned .partial files', () => {
  it('the embedded S3 removes those a killed write left, and keeps the objects', async () => {
    const first = await startEmbeddedS3({ directory: work, buckets: ['repository'] });
    await first.store('repository').put('crl/ca.crl', new Uint8Array([1, 2, 3]), {
      contentType: 'application/pkix-crl',
    });
    await first.close();
    const objectFile = (await readdir(work, { recursive: true })).find((name) =>
      name.endsWith('ca.crl._S3rver_object'),
    )!;
    // What a process killed after writing its temporary file and before the rename leaves.
    await writeFile(join(work, `${objectFile}.0123456789abcdef.partial`), new Uint8Array(1024));
    expect((await filesUnder(work)).filter((name) => name.endsWith('.partial'))).toHaveLength(1);

    const second = await startEmbeddedS3({ directory: work, buckets: ['repository'] });
    try {
      expect((await filesUnder(work)).filter((name) => name.endsWith('.partial'))).toEqual([]);
      expect((await second.store('repository').get('crl/ca.crl'))?.body).toEqual(new Uint8Array([1, 2, 3]));
    } finally {
      await second.close();
    }
  });

  it('the directory store removes the temporary files of dead processes only', async () => {
    const store = new DirectoryObjectStore(work);
    await store.put('runs/a.json', Buffer.from('{}'), { contentType: 'application/json' });
    const dead = join(work, 'runs', 'b.json.2147483646.partial'); // above any pid_max
    const live = join(work, 'runs', `c.json.${process.pid}.partial`); // a write in progress
    await writeFile(dead, '{');
    await writeFile(live, '{');
    expect(await store.sweepAbandonedPartials()).toEqual([dead]);
    expect((await filesUnder(work)).sort()).toEqual(['a.json', `c.json.${process.pid}.partial`]);
  });
});

/**
 * The gate looks for a CRL's evidence certificates in the CRL's own part, so the packer keeps
 * `X.evidence/*` with X whatever the part size (and `X.p7s`, as before).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { planBundle } from '../../onprem/bundle-packer.ts';

let dir: string;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('keeps each CRL with its evidence certificates in one part', async () => {
  dir = await mkdtemp(join(tmpdir(), 'ca-repo-pack-evidence-'));
  const paths = [
    'a/1.txt',
    'crl/a.crl',
    'crl/a.crl.evidence/01.pem',
    'crl/a.crl.evidence/02.pem',
    'crl/a.crl.p7s',
    'crl/b.crl',
    'crl/b.crl.evidence/03.pem',
    'ocsp/1.ocsp',
  ];
  for (const path of paths) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), 'x');
  }
  const plan = await planBundle(dir, { maxPartFiles: 2 });
  const partOf = (path: string) => plan.parts.findIndex((part) => part.some((file) => file.path === path));
  expect(plan.fileCount).toBe(paths.length);
  for (const path of ['crl/a.crl.evidence/01.pem', 'crl/a.crl.evidence/02.pem', 'crl/a.crl.p7s'])
    expect(partOf(path)).toBe(partOf('crl/a.crl'));
  expect(partOf('crl/b.crl.evidence/03.pem')).toBe(partOf('crl/b.crl'));
  expect(plan.parts.flat()).toHaveLength(paths.length);
});

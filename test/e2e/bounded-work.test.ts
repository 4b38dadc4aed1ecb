/**
 * Crafted input does not stall publishing (issue 13, finding 5), on the local repository: a
 * crafted PDF that cost the old /ByteRange scan minutes sits in the same part as a CRL; the PDF is
 * refused in bounded time and the CRL is published and served (`openssl crl` reads it).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand as run } from '../../testkit/run-command.ts';
import { useLocalRepository } from '../../testkit/local-repository-fixture.ts';

const local = useLocalRepository('bounded');

describe('bounded work for crafted input', () => {
  it('refuses a crafted PDF promptly and publishes the CRL of the same part', async () => {
    // 300 KB of open dictionaries then /ByteRange keys: about two minutes for the old scan.
    const size = 300 * 1024;
    const crafted = `%PDF-1.7\n${'<< /A '.repeat(size / 12)}${'/ByteRange '.repeat(size / 22)}`;
    const files: Record<string, Uint8Array> = {
      'docs/crafted.pdf': new Uint8Array(Buffer.from(crafted, 'latin1')),
      'crl/ca.crl': await local.pki.ca.generateCrl(),
    };
    const result = await local.publish(files);
    expect(result.rejected).toEqual([
      { file: 'docs/crafted.pdf', reason: expect.stringMatching(/not read further/) },
    ]);
    const response = await fetch(`${local.repo.url}/crl/ca.crl`);
    expect(response.status).toBe(200);
    const file = join(local.work, 'served.crl');
    await writeFile(file, new Uint8Array(await response.arrayBuffer()));
    const crl = await run('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-issuer']);
    expect(crl.stdout).toMatch(/ca-repo Test Root CA/);
  }, 60_000);
});

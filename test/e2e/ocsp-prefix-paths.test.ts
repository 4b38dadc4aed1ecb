/**
 * A bundle path under the OCSP endpoint could never be served (issue 13, finding 6): the CDN
 * sends `/ocsp/...` to the OCSP origin. On the local repository the gate refuses it, while OCSP
 * responses (served by CertID, whatever their bundle path) are still accepted from `ocsp/`.
 */
import { expect, it } from 'vitest';
import { runCommand } from '../../testkit/run-command.ts';
import { useLocalRepository } from '../../testkit/local-repository-fixture.ts';

const local = useLocalRepository('ocsp-prefix');

it('refuses a CA certificate under /ocsp and accepts it beside it; OCSP responses keep their ocsp/ path', async () => {
  const files: Record<string, Uint8Array> = {
    'ocsp/ca.crt': local.pki.ca.cert.certDer,
    'ocspca.crt': local.pki.ca.cert.certDer,
    'ocsp/good.der': await local.pki.ca.ocspResponse(local.pki.leaf),
  };
  const result = await local.publish(files);
  expect(result.rejected).toEqual([
    { file: 'ocsp/ca.crt', reason: expect.stringMatching(/under the OCSP endpoint \/ocsp/) },
  ]);
  expect(result.accepted.map((a) => a.file).sort()).toEqual(['ocsp/good.der', 'ocspca.crt']);

  // Served as a certificate through the CDN, not taken by the OCSP behaviour beside it.
  const curl = await runCommand('curl', [
    '-sS',
    '-D',
    '-',
    '-o',
    '/dev/null',
    `${local.repo.url}/ocspca.crt`,
  ]);
  expect(curl.stdout).toMatch(/^HTTP\/1\.1 200/);
  expect(curl.stdout).toMatch(/content-type: application\/pkix-cert/i);
  const body = new Uint8Array(await (await fetch(`${local.repo.url}/ocspca.crt`)).arrayBuffer());
  expect(Buffer.from(body).equals(Buffer.from(local.pki.ca.cert.certDer))).toBe(true);
});

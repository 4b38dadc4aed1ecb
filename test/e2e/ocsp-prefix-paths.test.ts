/**
 * A bundle path under the OCSP endpoint could never be served (issue 13, finding 6): the CDN
 * sends `/ocsp/...` to the OCSP origin. On the local repository the gate refuses it, while OCSP
 * responses (served by CertID, whatever their bundle path) are still accepted from `ocsp/`.
 */
import { expect, it } from 'vitest';
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
});

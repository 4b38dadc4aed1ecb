/**
 * OCSP responses for numbered serials, as the publish e2e tests send and check them: signed fast
 * by testkit/ocsp-fixtures.ts, asked for by POST the way OpenSSL's client asks.
 */
import { expect } from 'vitest';
import type { PinnedCa } from '../../lambda/core/pki/trust-store.ts';
import {
  benchSerial,
  buildOcspRequest,
  buildSignedResponse,
  type SigningCa,
} from '../../testkit/ocsp-fixtures.ts';

/** A CA-signed `good` response for serial i, valid three days from `now`. */
export function goodResponse(signer: SigningCa, i: number, now: Date): Uint8Array {
  return buildSignedResponse(signer, {
    serialHex: benchSerial(i),
    status: 'good',
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + 3 * 24 * 3600_000),
  });
}

/** The repository's answer to a POSTed request for serial i (always HTTP 200, per RFC 6960). */
export async function postOcsp(repoUrl: string, ca: PinnedCa, i: number): Promise<Buffer> {
  const answer = await fetch(`${repoUrl}/ocsp`, {
    method: 'POST',
    headers: { 'content-type': 'application/ocsp-request' },
    body: Buffer.from(buildOcspRequest(ca, benchSerial(i))),
  });
  expect(answer.status).toBe(200);
  return Buffer.from(await answer.arrayBuffer());
}

/**
 * An OCSP POST that ca-repo's web ACL labelled (too many from one address, or an address of ill
 * repute) is answered tryLater, HTTP 200 and DER as OCSP clients expect of a busy responder, not
 * cached and without reading the store; an unlabelled POST is answered from the store as before.
 */
import { describe, expect, it } from 'vitest';
import { ABUSE_LABEL_HEADER, ABUSE_LABELS } from '../../lambda/core/contract/edge-origin-headers.ts';
import type { CfOriginRequestEvent, CfResponse } from '../../lambda/core/serving/cloudfront-events.ts';
import { META } from '../../lambda/core/serving/cache-policy.ts';
import { ocspObjectKey } from '../../lambda/core/ocsp/ocsp-object-key.ts';
import { parseOcspRequest } from '../../lambda/core/ocsp/ocsp-request.ts';
import { createOcspOriginRequestHandler } from '../../lambda/handlers/edge-handlers.ts';
import { MemoryObjectStore } from '../../lambda/storage/memory-object-store.ts';
import { createTestPki } from '../../testkit/test-pki.ts';

function postEvent(body: Uint8Array, headers: Record<string, string> = {}): CfOriginRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: { eventType: 'origin-request' },
          request: {
            method: 'POST',
            uri: '/ocsp',
            querystring: '',
            headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [{ key: k, value: v }]])),
            body: { encoding: 'base64', data: Buffer.from(body).toString('base64'), inputTruncated: false },
          },
        },
      },
    ],
  };
}

function bodyHex(response: CfResponse): string {
  return Buffer.from(response.body ?? '', 'base64').toString('hex');
}

describe('OCSP POST labelled by the abuse limits', async () => {
  const pki = await createTestPki();
  const request = await pki.ca.ocspRequest(pki.leaf, { hash: 'sha1' });
  const stored = await pki.ca.ocspResponse(pki.leaf, { hash: 'sha1' });
  await pki.cleanup();
  const primary = new MemoryObjectStore();
  await primary.put(ocspObjectKey(parseOcspRequest(request)!), stored, {
    contentType: 'application/ocsp-response',
    metadata: {
      [META.kind]: 'ocsp-response',
      [META.nextUpdate]: new Date(Date.now() + 86_400_000).toISOString(),
    },
  });
  const reads: string[] = [];
  const counting = Object.assign(Object.create(primary) as MemoryObjectStore, {
    get: (key: string) => {
      reads.push(key);
      return primary.get(key);
    },
  });
  const handler = createOcspOriginRequestHandler({
    storesFor: () => ({ primary: counting }),
    clock: { now: () => new Date('2026-12-04T12:00:00Z') },
  });

  it.each(Object.values(ABUSE_LABELS))('%s: tryLater, HTTP 200, not cached, no store read', async (label) => {
    reads.length = 0;
    const response = (await handler(postEvent(request, { [ABUSE_LABEL_HEADER]: label }))) as CfResponse;
    expect(response.status).toBe('200');
    // OCSPResponse { responseStatus tryLater (3) } (RFC 6960 §4.2.1)
    expect(bodyHex(response)).toBe('30030a0103');
    expect(response.headers['content-type']?.[0]?.value).toBe('application/ocsp-response');
    expect(response.headers['cache-control']?.[0]?.value).toBe('max-age=0, no-store');
    expect(reads).toEqual([]);
  });

  it('an unlabelled POST gets the stored response', async () => {
    reads.length = 0;
    const response = (await handler(postEvent(request))) as CfResponse;
    expect(response.status).toBe('200');
    expect(bodyHex(response)).toBe(Buffer.from(stored).toString('hex'));
    expect(reads).toHaveLength(1);
  });
});

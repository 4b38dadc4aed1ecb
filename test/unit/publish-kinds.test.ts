import { readRevocationHistory, revocationHistoryKey } from '../../lambda/core/publish/revocation-history.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest, toHex } from '../../lambda/core/encoding/bytes.ts';
import { classifyContent } from '../../lambda/core/publish/classify-content.ts';
import type {
  AssessContext,
  Assessment,
  CandidateFile,
  Verdict,
} from '../../lambda/core/publish/kinds/artifact-kind-module.ts';
import { companionsOf, judge } from '../../lambda/core/publish/kinds/registry.ts';
import type { ServedBytes } from '../../lambda/core/publish/served-object.ts';
import { DEFAULT_POLICY } from '../../lambda/core/policy.ts';
import { DEFAULT_CACHE_CAPS, META, OBJECT_METADATA_VERSION } from '../../lambda/core/serving/cache-policy.ts';
import { makePdf } from '../../testkit/pdf.ts';
import { createTestPki, type TestPki } from '../../testkit/test-pki.ts';

// The kinds decide over what is served without any store: here what is served is a Map.
let pki: TestPki;
const now = new Date();
const bytes: Record<string, Uint8Array> = {};

beforeAll(async () => {
  pki = await createTestPki();
  const signer = await pki.ca.issue({ commonName: 'ca-repo Kinds Signer', profile: 'document-signing' });
  const pdf = makePdf({ title: 'CPS', lines: ['Certification Practice Statement'] });
  Object.assign(bytes, {
    crl1: await pki.ca.generateCrl({ crlNumber: 1n }),
    crl2: await pki.ca.generateCrl({ crlNumber: 2n }),
    revoked: await pki.ca.ocspResponse(pki.revokedLeaf, { hash: 'sha1' }),
    pdf,
    signature: await pki.ca.signDetached(pdf, signer),
  });
});
afterAll(() => pki?.cleanup());

function file(path: string, content: Uint8Array): CandidateFile {
  return { path, bytes: content, content: classifyContent(content) };
}

function context(served: Map<string, ServedBytes>, part: CandidateFile[] = []): AssessContext {
  const claims = new Map<string, string>();
  return {
    trust: pki.trust,
    policy: DEFAULT_POLICY,
    caps: DEFAULT_CACHE_CAPS,
    ocspUrl: '/ocsp',
    publicBaseUrls: ['http://repo.example.jp'],
    caPolicies: {},
    now,
    bundleId: 'b-1',
    part: new Map(part.map((f) => [f.path, f])),
    served: {
      head: async (key) => served.get(key),
      get: async (key) => served.get(key),
      revocations: async (ca) =>
        readRevocationHistory(served.get(revocationHistoryKey(ca.fingerprints.sha256))?.body, ca.subject),
    },
    claim: (key, owner) => {
      const held = claims.get(key);
      if (held && held !== owner) return held;
      claims.set(key, owner);
      return undefined;
    },
  };
}

function accepted(verdict: Verdict): Assessment {
  if ('rejected' in verdict) throw new Error(`rejected: ${verdict.rejected}`);
  return verdict;
}

/** What a previous write left at a key, with the metadata that write recorded. */
function servedAs(write: Assessment['writes'][number], etag = 'etag-1'): ServedBytes {
  return { etag, lastModified: now, metadata: write.options.metadata, body: write.body };
}

describe('artifact kinds', () => {
  it('a new CRL is planned as a create-only write with its headers and versioned metadata', async () => {
    const verdict = accepted(await judge(file('crl/root.crl', bytes.crl1!), context(new Map())));
    expect(verdict.accepted).toEqual([
      { file: 'crl/root.crl', kind: 'crl', url: '/crl/root.crl', unchanged: false },
    ]);
    expect(verdict.changes.crls?.[0]).toMatchObject({ url: '/crl/root.crl', crlNumber: '1' });
    const [write] = verdict.writes;
    expect(write).toMatchObject({ key: 'crl/root.crl', replaces: false });
    // A new key may hold a cached 404 from before it existed: invalidated too.
    expect(write?.invalidatePath).toBe('/crl/root.crl');
    expect(write?.options.metadata[META.invalidate]).toBe('yes');
    expect(write?.options).toMatchObject({
      contentType: 'application/pkix-crl',
      ifNoneMatch: '*',
      cacheControl: expect.stringMatching(/^max-age=\d+, public, no-transform, must-revalidate$/),
      metadata: {
        [META.version]: OBJECT_METADATA_VERSION,
        [META.kind]: 'crl',
        [META.crlNumber]: '1',
        [META.bundleId]: 'b-1',
        [META.sha256]: toHex(await digest('sha256', bytes.crl1!)),
      },
    });
  });

  it('a higher CRL replaces the served one conditionally and owes an invalidation; a lower one is refused', async () => {
    const first = accepted(await judge(file('root.crl', bytes.crl1!), context(new Map())));
    const served = new Map([['root.crl', servedAs(first.writes[0]!)]]);
    const second = accepted(await judge(file('root.crl', bytes.crl2!), context(served)));
    expect(second.writes[0]).toMatchObject({ replaces: true, invalidatePath: '/root.crl' });
    expect(second.writes[0]?.options).toMatchObject({ ifMatch: 'etag-1' });
    expect(second.writes[0]?.options.metadata[META.invalidate]).toBe('yes');

    const served2 = new Map([['root.crl', servedAs(second.writes[0]!)]]);
    expect(await judge(file('root.crl', bytes.crl1!), context(served2))).toEqual({
      rejected: expect.stringMatching(/CRL number 1 is not greater than 2/),
    });
    const same = accepted(await judge(file('root.crl', bytes.crl2!), context(served2)));
    expect(same.writes).toEqual([]);
    expect(same.unchanged.map((u) => u.key)).toEqual(['root.crl']);
    expect(same.accepted[0]?.unchanged).toBe(true);
  });

  it('an OCSP refresh invalidates only when the status served changes', async () => {
    const fresh = accepted(await judge(file('r.ocsp', bytes.revoked!), context(new Map())));
    const key = fresh.writes[0]!.key;
    expect(fresh.accepted[0]).toMatchObject({ kind: 'ocsp-response', url: '/ocsp' });
    const previously = (status: string) =>
      new Map([
        [
          key,
          {
            etag: 'e',
            lastModified: now,
            body: new Uint8Array(1),
            metadata: {
              [META.kind]: 'ocsp-response',
              [META.sha256]: 'other bytes',
              [META.certStatus]: status,
              [META.thisUpdate]: new Date(0).toISOString(),
            },
          },
        ],
      ]);
    const sameStatus = accepted(await judge(file('r.ocsp', bytes.revoked!), context(previously('revoked'))));
    expect(sameStatus.writes[0]).toMatchObject({ replaces: true });
    expect(sameStatus.writes[0]?.invalidatePath).toBeUndefined();
    const changed = accepted(await judge(file('r.ocsp', bytes.revoked!), context(previously('good'))));
    expect(changed.writes[0]).toMatchObject({ replaces: true, invalidatePath: `/${key}` });
  });

  it('a document is judged with its detached signature, which is written first', async () => {
    const pdf = file('docs/cps.pdf', bytes.pdf!);
    const signature = file('docs/cps.pdf.p7s', bytes.signature!);
    const part = new Map([pdf, signature].map((f) => [f.path, f]));
    expect(companionsOf(pdf, part)).toEqual([signature]);
    expect(companionsOf(signature, part)).toEqual([]);
    const verdict = accepted(await judge(pdf, context(new Map(), [pdf, signature])));
    expect(verdict.writes.map((w) => [w.key, w.options.contentType])).toEqual([
      ['docs/cps.pdf.p7s', 'application/pkcs7-signature'],
      ['docs/cps.pdf', 'application/pdf'],
    ]);
    expect(verdict.changes.documents?.[0]).toMatchObject({ signature: '/docs/cps.pdf.p7s' });
    // Alone, the same signature is refused: it is published only beside its PDF.
    expect(await judge(signature, context(new Map()))).toEqual({
      rejected: expect.stringMatching(/published only as <document>.p7s/),
    });
  });

  it('refuses what is no artifact, and never changes the kind served at a URL', async () => {
    expect(await judge(file('k.pem', Buffer.from(pki.leaf.keyPem)), context(new Map()))).toEqual({
      rejected: expect.stringMatching(/private key material/),
    });
    expect(await judge(file('n.txt', Buffer.from('hello')), context(new Map()))).toEqual({
      rejected: expect.stringMatching(/unrecognised content/),
    });
    const crl = accepted(await judge(file('x', bytes.crl1!), context(new Map())));
    const served = new Map([['x', servedAs(crl.writes[0]!)]]);
    expect(await judge(file('x', pki.ca.cert.certDer), context(served))).toEqual({
      rejected: 'this URL already serves a crl; it cannot become a ca-certificate',
    });
  });
});

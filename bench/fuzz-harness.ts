/**
 * Seeded fuzzing of everything that reads untrusted bytes, shared by `npm test` (small counts,
 * test/unit/*fuzz*.test.ts) and `npm run bench` (1,000,000 inputs):
 *
 *   the built CloudFront Function   every GET URI → a rewrite to a well-shaped key, or a generated
 *                                   200 malformedRequest; never an exception
 *   the Lambda@Edge POST handler    every body → HTTP 200 with the stored response or a fixed
 *                                   OCSPResponse (malformedRequest, unauthorized, tryLater)
 *   the artifact classifier         never throws, for any bytes
 *   the validators                  accept, or throw RejectedError with a reason; nothing else
 *
 * Inputs are random bytes or mutations of valid seeds (testkit/seeded-random.ts); each
 * violation keeps the input's hex so it can be replayed.
 */
import { createPrivateKey } from 'node:crypto';
import type { OpensslCa } from '../testkit/openssl-ca.ts';
import { makePdf, signPdfEmbedded } from '../testkit/pdf.ts';
import type { ArtifactKind } from '../lambda/core/publish/artifact-kind.ts';
import { classifyContent, type ContentClass } from '../lambda/core/publish/classify-content.ts';
import { DEFAULT_POLICY } from '../lambda/core/policy.ts';
import { RejectedError } from '../lambda/core/rejection.ts';
import { validateCaCertificate } from '../lambda/core/pki/validate-ca-certificate.ts';
import { validateCrl } from '../lambda/core/crl/validate-crl.ts';
import { validateDocument } from '../lambda/core/documents/validate-document.ts';
import { validateOcspResponse } from '../lambda/core/ocsp/validate-ocsp-response.ts';
import type { TrustStore } from '../lambda/core/pki/trust-store.ts';
import type {
  CfOriginRequestEvent,
  CfRequest,
  CfResponse,
} from '../lambda/core/serving/cloudfront-events.ts';
import type { ViewerRequestHandler } from '../lambda/local/cloudfront-function-runtime.ts';
import { mutate, randomBytes } from '../testkit/seeded-random.ts';

/** Fixed OCSPResponse bodies the edge may answer with (RFC 6960 §4.2.1). */
export const FIXED_OCSP_ANSWERS = new Set(['30030a0101', '30030a0106', '30030a0103']);
export const OCSP_KEY_SHAPE =
  /^\/_ocsp\/[0-9a-f]{2}\/(sha1|sha256|sha384|sha512|oid-[0-9a-f]+)\/[0-9a-f]*\/[0-9a-f]*\/[0-9a-f]+$/;
/** An input slower than this counts as a hang. */
export const HANG_MS = 1000;

export interface Violation {
  entryPoint: string;
  message: string;
  inputHex: string;
}

export interface FuzzTally {
  inputs: number;
  /** Every violation counts here; only the first 50 are kept in `violations`. */
  violationCount: number;
  violations: Violation[];
  maxMs: number;
  counts: Record<string, number>;
}

function newTally(): FuzzTally {
  return { inputs: 0, violationCount: 0, violations: [], maxMs: 0, counts: {} };
}

function count(tally: FuzzTally, name: string): void {
  tally.counts[name] = (tally.counts[name] ?? 0) + 1;
}

function record(tally: FuzzTally, entryPoint: string, message: string, input: Uint8Array | string): void {
  tally.violationCount++;
  // Enough to replay; the first violations matter, not a million copies.
  if (tally.violations.length < 50) {
    const inputHex =
      typeof input === 'string' ? Buffer.from(input).toString('hex') : Buffer.from(input).toString('hex');
    tally.violations.push({ entryPoint, message, inputHex: inputHex.slice(0, 4096) });
  }
}

export function nextInput(random: () => number, seeds: readonly Uint8Array[], maxRandom = 300): Uint8Array {
  return random() < 0.3
    ? randomBytes(random, maxRandom)
    : mutate(seeds[Math.floor(random() * seeds.length)]!, random);
}

/** GET URIs built from random or mutated requests, in the encodings clients use, sometimes broken. */
export function fuzzViewerFunction(options: {
  handler: ViewerRequestHandler;
  seeds: readonly Uint8Array[];
  random: () => number;
  count: number;
}): FuzzTally {
  const tally = newTally();
  for (let i = 0; i < options.count; i++) {
    const bytes = nextInput(options.random, options.seeds);
    const r = options.random();
    const encoded = Buffer.from(bytes).toString(r < 0.5 ? 'base64' : 'base64url');
    let uri = `/ocsp/${r < 0.25 ? encodeURIComponent(encoded) : encoded}`;
    const damage = options.random();
    if (damage < 0.03) uri += '%';
    else if (damage < 0.06) uri = uri.replace('/ocsp/', '/ocsp//');
    else if (damage < 0.08) uri += '%E0%A4%A';
    tally.inputs++;
    const start = performance.now();
    try {
      const result = options.handler({
        version: '1.0',
        context: { eventType: 'viewer-request' },
        viewer: { ip: '127.0.0.1' },
        request: { method: 'GET', uri, querystring: {}, headers: {}, cookies: {} },
      });
      if ('statusCode' in result) {
        count(tally, 'generated answer');
        const body = result.body ? Buffer.from(result.body.data, 'base64').toString('hex') : '';
        if (result.statusCode !== 200 || !FIXED_OCSP_ANSWERS.has(body)) {
          record(tally, 'cloudfront-function', `generated ${result.statusCode} ${body}`, uri);
        }
      } else {
        count(tally, 'rewritten to a key');
        if (!OCSP_KEY_SHAPE.test(result.uri))
          record(tally, 'cloudfront-function', `rewrote to ${result.uri}`, uri);
      }
    } catch (error) {
      record(tally, 'cloudfront-function', `threw ${(error as Error)?.message}`, uri);
    }
    tally.maxMs = Math.max(tally.maxMs, performance.now() - start);
  }
  if (tally.maxMs > HANG_MS) record(tally, 'cloudfront-function', `an input took ${tally.maxMs} ms`, '');
  return tally;
}

/** POST bodies through the Lambda@Edge origin-request handler. */
export async function fuzzPostHandler(options: {
  handler: (event: CfOriginRequestEvent) => Promise<CfRequest | CfResponse>;
  seeds: readonly Uint8Array[];
  /** Hex of the stored response some seeds ask for. */
  storedHex: string;
  random: () => number;
  count: number;
}): Promise<FuzzTally> {
  const tally = newTally();
  for (let i = 0; i < options.count; i++) {
    const body = i === 0 ? options.seeds[0]! : nextInput(options.random, options.seeds);
    tally.inputs++;
    const start = performance.now();
    try {
      const response = await options.handler({
        Records: [
          {
            cf: {
              config: { eventType: 'origin-request' },
              request: {
                method: 'POST',
                uri: '/ocsp',
                querystring: '',
                headers: {},
                origin: { s3: { domainName: 'bucket.s3.local.amazonaws.com' } },
                body: {
                  encoding: 'base64',
                  data: Buffer.from(body).toString('base64'),
                  inputTruncated: false,
                },
              },
            },
          },
        ],
      });
      if (!('status' in response) || response.status !== '200' || response.body === undefined) {
        record(tally, 'post-handler', `answered ${JSON.stringify(response).slice(0, 200)}`, body);
      } else {
        const der = Buffer.from(response.body, 'base64').toString('hex');
        if (der === options.storedHex) count(tally, 'stored response');
        else if (FIXED_OCSP_ANSWERS.has(der)) count(tally, `fixed ${der}`);
        else record(tally, 'post-handler', `answered body ${der.slice(0, 80)}`, body);
      }
    } catch (error) {
      record(tally, 'post-handler', `threw ${(error as Error)?.message}`, body);
    }
    tally.maxMs = Math.max(tally.maxMs, performance.now() - start);
  }
  if (tally.maxMs > HANG_MS) record(tally, 'post-handler', `an input took ${tally.maxMs} ms`, '');
  return tally;
}

export interface ArtifactSeeds {
  /** Valid artifacts of every kind, DER and PEM, plus key material (must classify as such). */
  files: Uint8Array[];
  /** A PDF to pair with fuzzed detached signatures. */
  pdf: Uint8Array;
  /** A CRL served at the path, for the CRL-number comparison branch. */
  previousCrl: Uint8Array;
}

/** Bytes through the classifier, and whatever classifies as an artifact through its validator. */
export async function fuzzArtifacts(options: {
  seeds: ArtifactSeeds;
  trust: TrustStore;
  now: Date;
  random: () => number;
  count: number;
}): Promise<FuzzTally> {
  const tally = newTally();
  const { seeds, trust, now } = options;
  for (let i = 0; i < options.count; i++) {
    const bytes = nextInput(options.random, seeds.files, 600);
    tally.inputs++;
    const start = performance.now();
    let classified: ContentClass;
    try {
      classified = classifyContent(bytes);
    } catch (error) {
      record(tally, 'classifier', `threw ${(error as Error)?.message}`, bytes);
      continue;
    }
    count(tally, `class ${classified.type}`);
    const kind = validatorFor(classified);
    if (kind) {
      try {
        await validate(classified, bytes, { trust, now, seeds, random: options.random });
        count(tally, `${kind} accepted`);
      } catch (error) {
        if (error instanceof RejectedError) count(tally, `${kind} rejected`);
        else
          record(
            tally,
            `validator ${kind}`,
            `threw ${(error as Error)?.name}: ${(error as Error)?.message}`,
            bytes,
          );
      }
    }
    tally.maxMs = Math.max(tally.maxMs, performance.now() - start);
  }
  if (tally.maxMs > HANG_MS) record(tally, 'classifier/validators', `an input took ${tally.maxMs} ms`, '');
  return tally;
}

function validatorFor(c: ContentClass): ArtifactKind | undefined {
  switch (c.type) {
    case 'certificate':
      return 'ca-certificate';
    case 'crl':
      return 'crl';
    case 'ocsp-response':
      return 'ocsp-response';
    case 'cms-signature':
      return 'signature';
    case 'pdf':
      return 'document';
    default:
      return undefined;
  }
}

async function validate(
  c: ContentClass,
  bytes: Uint8Array,
  context: { trust: TrustStore; now: Date; seeds: ArtifactSeeds; random: () => number },
): Promise<void> {
  const { trust, now } = context;
  switch (c.type) {
    case 'certificate':
      validateCaCertificate(c.der, trust);
      return;
    case 'crl':
      await validateCrl({
        der: c.der,
        trust,
        now,
        policy: DEFAULT_POLICY,
        previousDer: context.random() < 0.5 ? context.seeds.previousCrl : undefined,
      });
      return;
    case 'ocsp-response':
      await validateOcspResponse({
        der: c.der,
        trust,
        now,
        policy: DEFAULT_POLICY,
        lookupPrevious: async () => (context.random() < 0.5 ? { thisUpdate: now } : undefined),
      });
      return;
    case 'cms-signature':
      await validateDocument({ pdf: context.seeds.pdf, detachedSignature: c.der, trust, now });
      return;
    case 'pdf':
      await validateDocument({ pdf: bytes, trust, now });
      return;
    default:
      return;
  }
}

export function mergeTallies(tallies: FuzzTally[]): FuzzTally {
  const merged = newTally();
  for (const t of tallies) {
    merged.inputs += t.inputs;
    merged.violationCount += t.violationCount;
    merged.violations.push(...t.violations);
    merged.maxMs = Math.max(merged.maxMs, t.maxMs);
    for (const [name, n] of Object.entries(t.counts)) merged.counts[name] = (merged.counts[name] ?? 0) + n;
  }
  return merged;
}

/** Valid seeds of every artifact kind the gate takes, made by the openssl CA of a test or bench. */
export async function buildArtifactSeeds(ca: OpensslCa): Promise<ArtifactSeeds> {
  const signer = await ca.issue({ commonName: 'fuzz document signer', profile: 'document-signing' });
  const leaf = await ca.issue({ commonName: 'fuzz.example', profile: 'tls-server' });
  const pdf = makePdf({ title: 'Fuzz CPS', lines: ['Certification Practice Statement'] });
  const previousCrl = await ca.generateCrl({ crlNumber: 5n });
  const crlPem = await ca.generateCrl({ form: 'PEM' });
  const keyDer = createPrivateKey(ca.cert.keyPem).export({ type: 'pkcs8', format: 'der' });
  const files = [
    ca.cert.certDer,
    new Uint8Array(Buffer.from(ca.cert.certPem)),
    previousCrl,
    crlPem,
    await ca.ocspResponse(leaf, { hash: 'sha1' }),
    await ca.ocspResponse(leaf, { hash: 'sha256' }),
    await ca.signDetached(pdf, signer),
    await ca.signDetached(pdf, signer, { form: 'PEM' }),
    pdf,
    await signPdfEmbedded(pdf, signer),
    new Uint8Array(Buffer.from(ca.cert.keyPem)),
    new Uint8Array(keyDer),
  ];
  return { files, pdf, previousCrl };
}

/**
 * How each public endpoint's answer is judged, exactly as a strict relying party would judge it,
 * with the publish gate's own rules (rules/validate-*.ts, cms.ts) so "published" and "healthy" can
 * never disagree about what a valid CRL, OCSP response or signed document is. Pure: the answer
 * and the probe's clock are passed in.
 */
import { bytesEqual, digest, toHex } from '../encoding/bytes.ts';
import { CONTENT_TYPES } from '../serving/cache-policy.ts';
import { classifyContent } from '../publish/classify-content.ts';
import { MALFORMED_REQUEST_DER, UNAUTHORIZED_DER } from '../ocsp/ocsp-request.ts';
import { TRY_LATER_DER } from '../serving/edge-response-policy.ts';
import type { HttpAnswer, Outcome, ProbeMeasures } from './health-record.ts';
import type { OcspProbeRequest } from './health-ocsp-request.ts';
import { ocspRefreshDeadline, type HealthThresholds } from './health-thresholds.ts';
import {
  CRL_URLS_FETCH_HOURS,
  crlReissueDeadline,
  deadlineCheck,
  DEADLINES,
  type DeadlineCheck,
} from './deadlines.ts';
import { policyOf as caPolicyOf, type CaPolicies } from '../publish/ca-policy.ts';
import { DEFAULT_POLICY, isoTime, type ValidationPolicy } from '../policy.ts';
import { RejectedError, requireThat } from '../rejection.ts';
import type {
  CaCertificateEntry,
  CrlEntry,
  DocumentEntry,
  RepositoryIndex,
} from '../publish/repository-index.ts';
import { formatFingerprint } from '../publish/repository-index.ts';
import { parseCrl, validateCrl } from '../crl/validate-crl.ts';
import { validateDocument } from '../documents/validate-document.ts';
import { validateOcspResponse } from '../ocsp/validate-ocsp-response.ts';
import type { CertStatus } from '../ocsp/cert-id.ts';
import { FINGERPRINT_HASHES, fingerprintsOf, type TrustStore } from '../pki/trust-store.ts';
import { WEBCRYPTO_HASH } from '../pki/hash-algorithms.ts';

const HOUR_MS = 3600_000;

export interface Judgement {
  outcome: Outcome;
  detail: string;
  measures?: ProbeMeasures;
  deadlines?: DeadlineCheck[];
}

/**
 * Runs a judgement: `requireThat` failures (RejectedError) become a failed outcome with their
 * reason; measures filled in before the failure are kept, so an expired CRL still charts its
 * negative margin. Anything else is a bug and propagates.
 */
async function judge(
  run: (measures: ProbeMeasures, deadlines: DeadlineCheck[]) => Promise<string>,
): Promise<Judgement> {
  const measures: ProbeMeasures = {};
  const deadlines: DeadlineCheck[] = [];
  try {
    const detail = await run(measures, deadlines);
    return withMeasures({ outcome: 'ok', detail }, measures, deadlines);
  } catch (error) {
    if (error instanceof RejectedError)
      return withMeasures({ outcome: 'fail', detail: error.message }, measures, deadlines);
    throw error;
  }
}

function withMeasures(judgement: Judgement, measures: ProbeMeasures, deadlines: DeadlineCheck[]): Judgement {
  return {
    ...judgement,
    ...(Object.keys(measures).length > 0 ? { measures } : {}),
    ...(deadlines.length > 0 ? { deadlines } : {}),
  };
}

/** Hours with two decimals, for measures (charts and metrics). */
function hours(ms: number): number {
  return Math.round((ms / HOUR_MS) * 100) / 100;
}

/** Hours with one decimal, for details people read. */
function showHours(ms: number): string {
  return (ms / HOUR_MS).toFixed(1);
}

function requireOk(answer: HttpAnswer): void {
  const location = answer.headers.location ? ` to ${answer.headers.location}` : '';
  requireThat(
    answer.status === 200,
    answer.status >= 300 && answer.status < 400
      ? `HTTP ${answer.status} (redirect${location}): CRL, CA certificate and OCSP URLs must answer over the plain http URL in the certificate, without redirects`
      : `HTTP ${answer.status}, expected 200`,
  );
}

/** The media type before any parameters, lowercased (RFC 9110 §8.3.1). */
function mediaType(answer: HttpAnswer): string {
  return (answer.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function requireContentType(answer: HttpAnswer, expected: string): void {
  const served = mediaType(answer);
  requireThat(
    served === expected,
    `Content-Type ${served ? `"${served}"` : 'missing'}, expected ${expected} (strict clients refuse anything else)`,
  );
}

function cacheDirectives(answer: HttpAnswer): Map<string, string | undefined> {
  const directives = new Map<string, string | undefined>();
  for (const part of (answer.headers['cache-control'] ?? '').split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name) directives.set(name.toLowerCase(), value?.replace(/"/g, ''));
  }
  return directives;
}

function parseHttpDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The caching headers of a CRL or OCSP response: no cache may keep it past nextUpdate (RFC 9919,
 * RFC 5019 §6.2: max-age never later than nextUpdate), the classic CDN failure with revocation data.
 * For OCSP, RFC 9919's full set: Last-Modified, ETag, Expires, Date and
 * `Cache-Control: max-age=N, public, no-transform, must-revalidate`.
 */
function requireBoundedCaching(answer: HttpAnswer, nextUpdate: Date, now: Date, ocsp: boolean): string {
  const directives = cacheDirectives(answer);
  const maxAgeText = directives.get('max-age');
  requireThat(maxAgeText !== undefined && /^\d+$/.test(maxAgeText), 'Cache-Control has no max-age');
  const maxAge = Number(maxAgeText);
  if (ocsp) {
    const missingHeaders = ['last-modified', 'etag', 'expires', 'date'].filter(
      (name) => !answer.headers[name],
    );
    requireThat(missingHeaders.length === 0, `RFC 9919 header(s) missing: ${missingHeaders.join(', ')}`);
    const missing = ['public', 'no-transform', 'must-revalidate'].filter((name) => !directives.has(name));
    requireThat(missing.length === 0, `Cache-Control lacks ${missing.join(', ')} (RFC 9919)`);
  }
  // Date is the edge's clock when it computed max-age, so the bound is exact even if ours drifts.
  const base = parseHttpDate(answer.headers.date) ?? now;
  const cachedUntil = new Date(base.getTime() + maxAge * 1000);
  requireThat(
    cachedUntil.getTime() <= nextUpdate.getTime() + 1000,
    `Cache-Control max-age=${maxAge} lets caches keep it until ${isoTime(cachedUntil)}, past nextUpdate ${isoTime(nextUpdate)}`,
  );
  const expires = parseHttpDate(answer.headers.expires);
  requireThat(
    !expires || expires.getTime() <= nextUpdate.getTime() + 1000,
    `Expires ${answer.headers.expires} is past nextUpdate ${isoTime(nextUpdate)}`,
  );
  return `max-age=${maxAge}`;
}

/** index.json: the list every other probe starts from. */
export async function judgeIndexAnswer(
  answer: HttpAnswer,
): Promise<{ judgement: Judgement; index?: RepositoryIndex }> {
  let index: RepositoryIndex | undefined;
  const judgement = await judge(async () => {
    requireOk(answer);
    requireContentType(answer, 'application/json');
    let parsed: Partial<RepositoryIndex>;
    try {
      parsed = JSON.parse(Buffer.from(answer.body).toString('utf8')) as Partial<RepositoryIndex>;
    } catch (error) {
      throw new RejectedError(`index.json is not JSON: ${(error as Error).message}`);
    }
    requireThat(parsed?.version === 1, `index.json version ${String(parsed?.version)}, expected 1`);
    requireThat(
      Array.isArray(parsed.caCertificates) && Array.isArray(parsed.crls) && Array.isArray(parsed.documents),
      'index.json lacks caCertificates, crls or documents',
    );
    index = parsed as RepositoryIndex;
    return `${index.caCertificates.length} CA certificate(s), ${index.crls.length} CRL(s), ${index.documents.length} document(s); updated ${index.updatedAt}`;
  });
  return { judgement, index };
}

/**
 * A CA certificate: the served bytes are byte for byte a pinned CA certificate, and their SHA-256,
 * SHA-384 and SHA-512 equal the fingerprints index.json publishes (Digital Agency survey item 3513).
 */
export async function judgeCaCertificateAnswer(input: {
  answer: HttpAnswer;
  /** The index entry; absent when index.json could not be read this run. */
  entry?: CaCertificateEntry;
  trust: TrustStore;
}): Promise<Judgement> {
  const { answer, entry, trust } = input;
  return judge(async () => {
    requireOk(answer);
    requireContentType(answer, CONTENT_TYPES['ca-certificate']);
    const served = await fingerprintsOf(answer.body);
    if (entry) {
      for (const algorithm of FINGERPRINT_HASHES) {
        requireThat(
          served[algorithm] === entry[algorithm].toLowerCase(),
          `fingerprint mismatch: ${WEBCRYPTO_HASH[algorithm]} of the served bytes is ${formatFingerprint(served[algorithm])}, index.json publishes ${formatFingerprint(entry[algorithm])}`,
        );
      }
    }
    const pinned = trust.findByDer(answer.body);
    requireThat(
      pinned,
      `the served certificate (SHA-256 ${formatFingerprint(served.sha256)}) is not one of the pinned CA certificates`,
    );
    return `${pinned.subject}; SHA-256 ${formatFingerprint(served.sha256)}${entry ? ' matches index.json' : ''}`;
  });
}

/**
 * A CRL: parses, its signature verifies with a pinned CA, thisUpdate not in the future, nextUpdate
 * present and far enough ahead, not older than the BR cadence, not older than what index.json
 * lists (a stale CDN copy), served as application/pkix-crl with caching bounded by nextUpdate.
 */
export async function judgeCrlAnswer(input: {
  answer: HttpAnswer;
  entry?: CrlEntry;
  trust: TrustStore;
  now: Date;
  thresholds: HealthThresholds;
  /** Each CA's CRL scope and OCSP coverage, which set its reissue deadline (BR §4.9.7). */
  caPolicies?: CaPolicies;
}): Promise<Judgement> {
  const { answer, entry, trust, now, thresholds } = input;
  return judge(async (measures, deadlines) => {
    requireOk(answer);
    requireContentType(answer, CONTENT_TYPES.crl);
    const crl = parseCrl(answer.body);
    const thisUpdate = crl.thisUpdate.value;
    measures.ageHours = hours(now.getTime() - thisUpdate.getTime());
    if (crl.nextUpdate) measures.hoursToNextUpdate = hours(crl.nextUpdate.value.getTime() - now.getTime());
    const facts = await validateCrl({ der: answer.body, trust, now, policy: policyOf(thresholds) });
    // Recorded before any refusal below, so a late CRL charts (and alarms on) its deadline too.
    const policy = caPolicyOf(input.caPolicies, facts.issuer.fingerprints.sha256);
    const reissue = crlReissueDeadline(facts.thisUpdate, policy, thresholds.crlMaxAgeHours);
    const check = deadlineCheck(reissue.deadline, reissue.due, now);
    deadlines.push(check);
    if (entry) {
      requireThat(
        facts.crlNumber >= BigInt(entry.crlNumber),
        `stale copy: serves CRL number ${facts.crlNumber} but index.json lists ${entry.crlNumber}`,
      );
    }
    const left = facts.nextUpdate.getTime() - now.getTime();
    requireThat(
      left >= thresholds.crlMinHoursToNextUpdate * HOUR_MS,
      `only ${showHours(left)} h left before nextUpdate ${isoTime(facts.nextUpdate)}, below the ${thresholds.crlMinHoursToNextUpdate} h margin: publish the next CRL now`,
    );
    const age = now.getTime() - facts.thisUpdate.getTime();
    requireThat(
      !check.missed,
      `not reissued in time: thisUpdate ${isoTime(facts.thisUpdate)} is ${showHours(age)} h old, past ${reissue.hours} h (${check.citation}: ${DEADLINES[reissue.deadline].rule})`,
    );
    const caching = requireBoundedCaching(answer, facts.nextUpdate, now, false);
    return `CRL number ${facts.crlNumber} of "${facts.issuer.subject}", ${facts.revokedCount} revoked; nextUpdate in ${showHours(left)} h; ${caching}`;
  });
}

/** The fixed unsuccessful bodies a pre-produced responder sends (RFC 6960 §4.2.1), by hex. */
const UNSUCCESSFUL_BODIES: Readonly<Record<string, string>> = {
  [toHex(new Uint8Array(UNAUTHORIZED_DER))]: 'unauthorized (6): no response is published for this CertID',
  [toHex(new Uint8Array(MALFORMED_REQUEST_DER))]:
    'malformedRequest (1): the responder could not parse the request',
  [toHex(new Uint8Array(TRY_LATER_DER))]: 'tryLater (3): the responder could not reach its store',
};

/**
 * An OCSP answer for a sentinel certificate: HTTP 200, application/ocsp-response, a successful
 * response signed by the pinned CA or its delegated responder (RFC 6960 §4.2.2.2), answering the
 * request's exact CertID with the expected status, not older than the BR §4.9.10 refresh deadline,
 * with RFC 9919 caching headers bounded by nextUpdate.
 */
export async function judgeOcspAnswer(input: {
  answer: HttpAnswer;
  request: OcspProbeRequest;
  /** The nonce extension's value the request carried (POST, as `openssl ocsp` sends by default). */
  sentNonce?: Uint8Array;
  expectedStatus: CertStatus;
  trust: TrustStore;
  now: Date;
  thresholds: HealthThresholds;
}): Promise<Judgement> {
  const { answer, request, sentNonce, expectedStatus, trust, now, thresholds } = input;
  return judge(async (measures, deadlines) => {
    requireOk(answer);
    requireContentType(answer, CONTENT_TYPES['ocsp-response']);
    const unsuccessful = UNSUCCESSFUL_BODIES[toHex(answer.body)];
    requireThat(!unsuccessful, `responder answered ${unsuccessful}`);
    const facts = await validateOcspResponse({ der: answer.body, trust, now, policy: policyOf(thresholds) });
    // As OpenSSL's OCSP_check_nonce: no nonce in the response passes ("WARNING: no nonce in
    // response"), another one fails ("Nonce Verify error"), and a request without one checks nothing.
    requireThat(
      !sentNonce || !facts.nonce || bytesEqual(facts.nonce, sentNonce),
      'the response carries a nonce other than the one sent (RFC 6960 §4.4.1): `openssl ocsp` clients, which send a nonce by default, refuse it with "Nonce Verify error"; publish responses made with `openssl ocsp ... -no_nonce`',
    );
    const wanted = request.certId;
    const single = facts.responses.find(
      (candidate) =>
        candidate.certId.hashAlgorithm === wanted.hashAlgorithm &&
        candidate.certId.issuerNameHashHex === wanted.issuerNameHashHex &&
        candidate.certId.issuerKeyHashHex === wanted.issuerKeyHashHex &&
        candidate.certId.serialHex === wanted.serialHex,
    );
    requireThat(
      single,
      `the response does not answer the requested CertID (${wanted.hashAlgorithm}, serial ${wanted.serialHex}); strict clients (OpenSSL, Java) refuse it`,
    );
    const age = now.getTime() - single.thisUpdate.getTime();
    measures.ageHours = hours(age);
    measures.hoursToNextUpdate = hours(single.nextUpdate.getTime() - now.getTime());
    requireThat(
      single.status === expectedStatus,
      `status ${single.status}, expected ${expectedStatus} for serial ${wanted.serialHex}`,
    );
    const deadline =
      thresholds.ocspMaxAgeHours !== undefined
        ? new Date(single.thisUpdate.getTime() + thresholds.ocspMaxAgeHours * HOUR_MS)
        : ocspRefreshDeadline(single.thisUpdate, single.nextUpdate);
    deadlines.push(deadlineCheck('ocsp-refresh', deadline, now));
    requireThat(
      now <= deadline,
      `stale: thisUpdate ${isoTime(single.thisUpdate)} is ${showHours(age)} h old, past the refresh deadline ${isoTime(deadline)} (${
        thresholds.ocspMaxAgeHours !== undefined
          ? `${thresholds.ocspMaxAgeHours} h`
          : 'BR §4.9.10: 8 h before nextUpdate, at most 4 days after thisUpdate'
      })`,
    );
    const caching = requireBoundedCaching(answer, single.nextUpdate, now, true);
    return `${single.status} (${wanted.hashAlgorithm}, serial ${wanted.serialHex}), ${showHours(age)} h old, nextUpdate in ${showHours(single.nextUpdate.getTime() - now.getTime())} h; ${caching}`;
  });
}

/**
 * A CP/CPS document: served as application/pdf with the SHA-256 index.json lists, and its detached
 * (`.p7s`, application/pkcs7-signature) or embedded signature verifies over the exact served bytes
 * with a signer chaining to a pinned CA (rules/validate-document.ts).
 */
export async function judgeDocumentAnswer(input: {
  pdf: HttpAnswer;
  /** The detached signature's answer; absent for an embedded (PAdES) signature. */
  signature?: HttpAnswer;
  entry?: DocumentEntry;
  trust: TrustStore;
  now: Date;
}): Promise<Judgement> {
  const { pdf, signature, entry, trust, now } = input;
  return judge(async () => {
    requireOk(pdf);
    requireContentType(pdf, CONTENT_TYPES.document);
    if (entry) {
      const sha256 = toHex(await digest('sha256', pdf.body));
      requireThat(
        sha256 === entry.sha256.toLowerCase(),
        `SHA-256 of the served document ${formatFingerprint(sha256)} differs from index.json's ${formatFingerprint(entry.sha256)}`,
      );
    }
    let detachedSignature: Uint8Array | undefined;
    if (signature) {
      requireOk(signature);
      requireContentType(signature, CONTENT_TYPES.signature);
      const content = classifyContent(signature.body);
      requireThat(content.type === 'cms-signature', 'the served signature is not a CMS signature');
      detachedSignature = content.der;
    }
    const facts = await validateDocument({ pdf: pdf.body, detachedSignature, trust, now });
    return `${facts.signature} signature by "${facts.signerSubject}" verifies`;
  });
}

function policyOf(thresholds: HealthThresholds): ValidationPolicy {
  return { ...DEFAULT_POLICY, clockSkewSeconds: thresholds.clockSkewSeconds };
}

/**
 * /crl-urls.json, what CCADB reads (core/publish/crl-disclosure.ts): HTTP 200, a JSON array of
 * absolute http URLs. Each URL is then fetched and judged as a CRL (`judgeCrlAnswer`).
 */
export async function judgeCrlUrlsAnswer(
  answer: HttpAnswer,
): Promise<{ judgement: Judgement; urls: string[] }> {
  let urls: string[] = [];
  const judgement = await judge(async () => {
    requireOk(answer);
    requireContentType(answer, 'application/json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(answer.body).toString('utf8'));
    } catch (error) {
      throw new RejectedError(`crl-urls.json is not JSON: ${(error as Error).message}`);
    }
    requireThat(
      Array.isArray(parsed) && parsed.every((url) => typeof url === 'string' && /^https?:\/\//.test(url)),
      'crl-urls.json is not a JSON array of absolute http(s) URLs (CCADB "JSON array of partitioned CRLs")',
    );
    urls = parsed as string[];
    return `${urls.length} CRL URL(s) disclosed`;
  });
  return { judgement, urls };
}

/**
 * The CCADB deadline of one disclosed CRL URL: verified at least every 4 hours. `lastVerified` is
 * when it last passed (this probe when it passed now); never verified: due now.
 */
export function crlUrlFetchDeadline(lastVerified: Date | undefined, now: Date): DeadlineCheck {
  if (!lastVerified) return { ...deadlineCheck('crl-urls-fetch', now, now), missed: true };
  return deadlineCheck(
    'crl-urls-fetch',
    new Date(lastVerified.getTime() + CRL_URLS_FETCH_HOURS * HOUR_MS),
    now,
  );
}

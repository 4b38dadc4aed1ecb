/**
 * The health probe: fetches the repository's public endpoints exactly as a relying party does
 * (plain HTTP, and HTTPS when configured) and judges each answer with the publish gate's own rules
 * (core/health-judgements.ts). Shared by the scheduled Lambda, `ca-repo health` and the local
 * repository's interval checker.
 *
 * One run: index.json, then every CA certificate, CRL and document it lists, OCSP by GET and by
 * POST for each configured sentinel certificate, and /crl-urls.json with every URL it discloses
 * (CCADB: each verified at least every 4 hours). Each result names the deadlines it judged
 * (core/health/deadlines.ts), an answer over the time limit among them (BR §4.10.2). Every probe has its own timeout and yields one
 * result (time, check, target, outcome, latency, detail); a probe never throws. When index.json
 * cannot be read, the endpoints it listed last time are probed anyway: relying parties fetch CRLs
 * and certificates by the URLs in their certificates, not through the index, and an outage must
 * count against each endpoint's availability.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  CHECK_NAMES,
  type CheckName,
  type HttpAnswer,
  type ProbeResult,
  type ProbeRun,
} from '../../core/health/health-record.ts';
import {
  crlUrlFetchDeadline,
  judgeCaCertificateAnswer,
  judgeCrlAnswer,
  judgeCrlUrlsAnswer,
  judgeDocumentAnswer,
  judgeIndexAnswer,
  judgeOcspAnswer,
  type Judgement,
} from '../../core/health/health-judgements.ts';
import {
  buildOcspRequest,
  ocspGetUrl,
  type OcspProbeRequest,
} from '../../core/health/health-ocsp-request.ts';
import { resolveThresholds, type HealthThresholds } from '../../core/health/health-thresholds.ts';
import { CRL_URLS_FETCH_HOURS, deadlineCheck } from '../../core/health/deadlines.ts';
import type { CaPolicies } from '../../core/publish/ca-policy.ts';
import { DEFAULT_OCSP_PATH_PREFIX } from '../../core/ocsp/ocsp-path.ts';
import type { Sentinel } from '../../core/health/sentinel.ts';
import type { RepositoryIndex } from '../../core/publish/repository-index.ts';
import type { TrustStore } from '../../core/pki/trust-store.ts';
import { forEachWithConcurrency } from '../concurrency.ts';
import { judgeReplicaCopy } from '../../core/health/replica-judgement.ts';
import type { HttpClient, HttpRequestSpec } from './health-http.ts';
import type { Clock, ObjectStore } from '../ports.ts';

export interface HealthProbeOptions {
  http: HttpClient;
  clock: Clock;
  /** The pinned CA certificates: the only trust anchors. */
  trust: TrustStore;
  /** Base URLs of the repository, e.g. `http://repo.example.jp` and `https://repo.example.jp`. */
  repositoryUrls: readonly string[];
  /** Absolute OCSP responder URL; default index.json's `ocsp.url` resolved against each base URL. */
  ocspUrl?: string;
  sentinels?: readonly Sentinel[];
  thresholds?: Partial<HealthThresholds>;
  /** Probes in flight at once per run. */
  concurrency?: number;
  /** Compare the replica bucket's copy of every CRL with the primary bucket's (AWS only). */
  replica?: ReplicaComparison;
  /** A fresh nonce for each POST probe; default 16 random bytes, as `openssl ocsp` sends. */
  nonce?: () => Uint8Array;
  /** Each CA's CRL scope and OCSP coverage, which set its CRL reissue deadline (BR §4.9.7). */
  caPolicies?: CaPolicies;
  /** The AWS Region the probes run from, recorded in each run (ProbeRun.region). */
  region?: string;
}

/** The two buckets behind the origin group, read directly (HEAD), and the replication window. */
export interface ReplicaComparison {
  primary: ObjectStore;
  replica: ObjectStore;
  /** How long a new CRL may be missing or different in the replica. Default 900 (S3 RTC). */
  replicationWindowSeconds?: number;
}

export class HealthConfigError extends Error {
  override name = 'HealthConfigError';
}

interface PreparedSentinel {
  sentinel: Sentinel;
  request: OcspProbeRequest;
}

interface PlannedProbe {
  check: CheckName;
  target: string;
  exchange: (signal: AbortSignal, now: Date) => Promise<Judgement>;
}

const CHECK_ORDER = new Map<CheckName, number>(CHECK_NAMES.map((name, index) => [name, index]));

export class HealthProbe {
  readonly thresholds: HealthThresholds;
  private readonly repositoryUrls: string[];
  /** The last index.json read per base URL: what to probe when it is unavailable. */
  private readonly lastIndex = new Map<string, RepositoryIndex>();
  /** When each disclosed CRL URL last passed (CCADB: every 4 hours), seeded from the previous run. */
  private readonly crlUrlVerified = new Map<string, Date>();

  private constructor(
    private readonly options: HealthProbeOptions,
    private readonly sentinels: PreparedSentinel[],
  ) {
    this.thresholds = resolveThresholds(options.thresholds);
    this.repositoryUrls = options.repositoryUrls.map((url) => url.replace(/\/+$/, ''));
  }

  /** Checks the configuration (URLs, thresholds, that each sentinel is issued by its issuer). */
  static async create(options: HealthProbeOptions): Promise<HealthProbe> {
    if (options.repositoryUrls.length === 0)
      throw new HealthConfigError('at least one repository URL is needed');
    for (const url of [...options.repositoryUrls, ...(options.ocspUrl ? [options.ocspUrl] : [])]) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new HealthConfigError(`${url} is not a URL`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new HealthConfigError(`${url}: only http and https are probed`);
      }
    }
    const sentinels: PreparedSentinel[] = [];
    for (const sentinel of options.sentinels ?? []) {
      try {
        sentinels.push({
          sentinel,
          request: await buildOcspRequest(sentinel.certificate, sentinel.issuer, sentinel.hashAlgorithm),
        });
      } catch (error) {
        throw new HealthConfigError(`sentinel: ${(error as Error).message}`);
      }
    }
    try {
      return new HealthProbe(options, sentinels);
    } catch (error) {
      throw new HealthConfigError((error as Error).message);
    }
  }

  /**
   * Probes every endpoint once. `previous` is the last recorded run: its targets stand in for
   * index.json when that cannot be read and nothing was read earlier in this process.
   */
  async run(previous?: ProbeRun): Promise<ProbeRun> {
    const startedAt = this.options.clock.now();
    const results: ProbeResult[] = [];
    await Promise.all(
      this.repositoryUrls.map(async (base) => {
        let index: RepositoryIndex | undefined;
        results.push(
          await this.probe({
            check: 'index',
            target: `${base}/index.json`,
            exchange: async (signal) => {
              const answer = await this.get(`${base}/index.json`, signal);
              const judged = await judgeIndexAnswer(answer);
              index = judged.index;
              return judged.judgement;
            },
          }),
        );
        if (index) this.lastIndex.set(base, index);
        const planned = this.planProbes(base, index ?? this.lastIndex.get(base), previous);
        await forEachWithConcurrency(planned, this.options.concurrency ?? 8, async (probe) => {
          results.push(await this.probe(probe));
        });
        // Once per run (the first base URL): the disclosed URLs are absolute, the same from any base.
        // Only a repository whose index links its disclosure (or did, or whose URLs were probed) has one.
        const disclosure = (index ?? this.lastIndex.get(base))?.crlUrls?.all;
        if (base === this.repositoryUrls[0] && (disclosure || this.knowsDisclosure(previous))) {
          results.push(...(await this.probeDisclosedCrls(base, disclosure ?? '/crl-urls.json', previous)));
        }
      }),
    );
    const baseOrder = (target: string) => this.repositoryUrls.findIndex((base) => target.startsWith(base));
    results.sort(
      (a, b) =>
        baseOrder(a.target) - baseOrder(b.target) ||
        (CHECK_ORDER.get(a.check) ?? 0) - (CHECK_ORDER.get(b.check) ?? 0) ||
        (a.target < b.target ? -1 : a.target > b.target ? 1 : 0),
    );
    return {
      startedAt: startedAt.toISOString(),
      finishedAt: this.options.clock.now().toISOString(),
      repositories: [...this.repositoryUrls],
      ...(this.options.region ? { region: this.options.region } : {}),
      results,
    };
  }

  private planProbes(base: string, index: RepositoryIndex | undefined, previous?: ProbeRun): PlannedProbe[] {
    const { trust } = this.options;
    const thresholds = this.thresholds;
    const resolve = (url: string) => new URL(url, `${base}/`).toString();
    const planned: PlannedProbe[] = [];
    const addCa = (url: string, entry?: RepositoryIndex['caCertificates'][number]) =>
      planned.push({
        check: 'ca-certificate',
        target: url,
        exchange: async (signal) =>
          judgeCaCertificateAnswer({ answer: await this.get(url, signal), entry, trust }),
      });
    const addCrl = (url: string, entry?: RepositoryIndex['crls'][number]) =>
      planned.push({
        check: 'crl',
        target: url,
        exchange: async (signal, now) =>
          judgeCrlAnswer({
            answer: await this.get(url, signal),
            entry,
            trust,
            now,
            thresholds,
            caPolicies: this.options.caPolicies,
          }),
      });
    const addDocument = (url: string, entry?: RepositoryIndex['documents'][number]) =>
      planned.push({
        check: 'document',
        target: url,
        exchange: async (signal, now) => {
          const pdf = await this.get(url, signal);
          let signature: HttpAnswer | undefined;
          if (entry) {
            if (entry.signature !== 'embedded') signature = await this.get(resolve(entry.signature), signal);
          } else {
            // Without the index, look for the detached signature the publish gate stores beside it.
            const candidate = await this.get(`${url}.p7s`, signal);
            if (candidate.status !== 404) signature = candidate;
          }
          return judgeDocumentAnswer({ pdf, signature, entry, trust, now });
        },
      });

    const replica = this.options.replica;
    // Once per run (the first base URL): the buckets are the same whichever URL listed the CRL.
    const compareReplica = replica && base === this.repositoryUrls[0];
    const addReplicaCopy = (url: string) => {
      if (!compareReplica) return;
      const key = decodeURIComponent(new URL(url).pathname).replace(/^\/+/, '');
      planned.push({
        check: 'crl-replica',
        target: `replica ${key}`,
        exchange: async (_signal, now) => {
          const [primary, copy] = await Promise.all([replica.primary.head(key), replica.replica.head(key)]);
          return judgeReplicaCopy({
            key,
            primary,
            replica: copy,
            now,
            replicationWindowSeconds: replica.replicationWindowSeconds ?? 900,
          });
        },
      });
    };

    if (index) {
      for (const entry of index.caCertificates) addCa(resolve(entry.url), entry);
      for (const entry of index.crls) {
        addCrl(resolve(entry.url), entry);
        addReplicaCopy(resolve(entry.url));
      }
      for (const entry of index.documents) addDocument(resolve(entry.url), entry);
    } else {
      const known = new Set<string>();
      for (const result of previous?.results ?? []) {
        if (!result.target.startsWith(`${base}/`) || known.has(`${result.check} ${result.target}`)) continue;
        known.add(`${result.check} ${result.target}`);
        if (result.check === 'ca-certificate') addCa(result.target);
        else if (result.check === 'crl') {
          addCrl(result.target);
          addReplicaCopy(result.target);
        } else if (result.check === 'document') addDocument(result.target);
      }
    }

    const responder = this.options.ocspUrl ?? resolve(index?.ocsp?.url ?? DEFAULT_OCSP_PATH_PREFIX);
    for (const { sentinel, request } of this.sentinels) {
      const target = `${responder} serial ${request.certId.serialHex} ${request.certId.hashAlgorithm}`;
      const judgeAnswer = (answer: HttpAnswer, now: Date, sentNonce?: Uint8Array) =>
        judgeOcspAnswer({
          answer,
          request,
          sentNonce,
          expectedStatus: sentinel.expectedStatus,
          trust,
          now,
          thresholds,
        });
      planned.push({
        check: 'ocsp-get',
        target,
        exchange: async (signal, now) =>
          judgeAnswer(await this.get(ocspGetUrl(responder, request.der), signal), now),
      });
      planned.push({
        check: 'ocsp-post',
        target,
        // With a nonce, as `openssl ocsp -url` sends by default (GET, as Java sends it, has none).
        exchange: async (signal, now) => {
          const { der, extnValue } = request.withNonce(this.options.nonce?.() ?? randomBytes(16));
          const answer = await this.send({
            method: 'POST',
            url: responder,
            headers: { 'content-type': 'application/ocsp-request' },
            body: der,
            signal,
          });
          return judgeAnswer(answer, now, extnValue);
        },
      });
    }
    return planned;
  }

  /**
   * /crl-urls.json and each CRL URL it discloses, fetched as CCADB fetches them (the absolute URL
   * itself) and judged as a CRL, each with its CCADB deadline: verified at least every 4 hours.
   */
  private knowsDisclosure(previous?: ProbeRun): boolean {
    return this.crlUrlVerified.size > 0 || Boolean(previous?.results.some((r) => r.check === 'crl-urls'));
  }

  private async probeDisclosedCrls(base: string, path: string, previous?: ProbeRun): Promise<ProbeResult[]> {
    if (this.crlUrlVerified.size === 0) {
      for (const result of previous?.results ?? []) {
        const fetched = result.deadlines?.find((d) => d.deadline === 'crl-urls-fetch');
        if (!fetched) continue;
        // Passed then; or failed within its window, which ran from the last pass.
        if (result.outcome === 'ok') this.crlUrlVerified.set(result.target, new Date(result.time));
        else if (!fetched.missed)
          this.crlUrlVerified.set(result.target, new Date(Date.parse(fetched.due) - CRL_URLS_FETCH_MS));
      }
    }
    let urls: string[] = [];
    const listUrl = new URL(path, `${base}/`).toString();
    const listing = await this.probe({
      check: 'crl-urls',
      target: listUrl,
      exchange: async (signal) => {
        const judged = await judgeCrlUrlsAnswer(await this.get(listUrl, signal));
        urls = judged.urls;
        return judged.judgement;
      },
    });
    // Without the list, the URLs known from earlier runs keep their deadlines (and miss them).
    if (listing.outcome !== 'ok') urls = [...this.crlUrlVerified.keys()];
    const { trust } = this.options;
    const results: ProbeResult[] = [listing];
    await forEachWithConcurrency(urls, this.options.concurrency ?? 8, async (url) => {
      const result = await this.probe({
        check: 'crl-urls',
        target: url,
        exchange: async (signal, now) => {
          const judgement =
            listing.outcome === 'ok'
              ? await judgeCrlAnswer({
                  answer: await this.get(url, signal),
                  trust,
                  now,
                  thresholds: this.thresholds,
                  caPolicies: this.options.caPolicies,
                })
              : { outcome: 'fail' as const, detail: `crl-urls.json could not be read: ${listing.detail}` };
          if (judgement.outcome === 'ok') this.crlUrlVerified.set(url, now);
          const fetched = crlUrlFetchDeadline(this.crlUrlVerified.get(url), now);
          return { ...judgement, deadlines: [...(judgement.deadlines ?? []), fetched] };
        },
      });
      results.push(result);
    });
    return results;
  }

  private get(url: string, signal: AbortSignal): Promise<HttpAnswer> {
    return this.send({ method: 'GET', url, signal });
  }

  private send(request: HttpRequestSpec): Promise<HttpAnswer> {
    return this.options.http.send(request);
  }

  /** Runs one probe under its timeout; every failure, network or judgement, becomes a result. */
  private async probe(planned: PlannedProbe): Promise<ProbeResult> {
    const { timeoutMs } = this.thresholds;
    const now = this.options.clock.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = performance.now();
    let judgement: Judgement;
    try {
      judgement = await planned.exchange(controller.signal, now);
    } catch (error) {
      judgement = {
        outcome: 'fail',
        detail: controller.signal.aborted
          ? `no complete answer within ${timeoutMs} ms (BR §4.10.2: the repository answers within 10 s)`
          : describeError(error),
      };
    } finally {
      clearTimeout(timer);
    }
    const latencyMs = Math.round(performance.now() - started);
    if (judgement.outcome === 'ok' && latencyMs > timeoutMs) {
      judgement = {
        ...judgement,
        outcome: 'fail',
        detail: `answered in ${latencyMs} ms, over the ${timeoutMs} ms limit (BR §4.10.2: the repository answers within 10 s)`,
      };
    }
    if (controller.signal.aborted || latencyMs > timeoutMs) {
      // Recorded only when missed: every probe has this deadline, the ledger need not repeat it.
      const answerTime = {
        ...deadlineCheck('answer-time', shiftMs(now, timeoutMs), shiftMs(now, latencyMs)),
        missed: true,
      };
      judgement = { ...judgement, deadlines: [...(judgement.deadlines ?? []), answerTime] };
    }
    return {
      time: now.toISOString(),
      check: planned.check,
      target: planned.target,
      outcome: judgement.outcome,
      latencyMs,
      detail: judgement.detail,
      ...(judgement.measures ? { measures: judgement.measures } : {}),
      ...(judgement.deadlines ? { deadlines: judgement.deadlines } : {}),
    };
  }
}

const CRL_URLS_FETCH_MS = CRL_URLS_FETCH_HOURS * 3600_000;

function shiftMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

/** A network failure in the operator's words: the socket error's code (ECONNREFUSED, ENOTFOUND,
 *  ECONNRESET, CERT_HAS_EXPIRED ...) leads, since that is what an operator searches for. */
function describeError(error: unknown): string {
  const failure = error as {
    code?: string;
    message?: string;
    name?: string;
    cause?: { code?: string; message?: string };
  };
  const network = failure?.code ? failure : failure?.cause;
  if (network?.code) return `connection failed: ${network.code} ${network.message ?? ''}`.trim();
  return `${failure?.name ?? 'Error'}: ${failure?.message ?? String(error)}`;
}

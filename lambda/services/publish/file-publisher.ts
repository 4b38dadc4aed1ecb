/**
 * One file of a part: judged by its kind (core/publish/kinds), its objects written to the
 * repository store, judged again when a conditional write loses a race. OCSP files are judged
 * against their shard's state (ocsp-state-book.ts) or as new (create-first.ts) before any HEAD.
 */
import type {
  AssessContext,
  CandidateFile,
  PublishSettings,
} from '../../core/publish/kinds/artifact-kind-module.ts';
import { companionsOf, judge } from '../../core/publish/kinds/registry.ts';
import { isSettledBy, pendingInvalidation } from '../../core/publish/left-invalidation.ts';
import { withChanges } from '../../core/publish/receipt.ts';
import { readServedMetadata, type ServedHead } from '../../core/publish/served-object.ts';
import type { ObjectWrite } from '../../core/publish/write-plan.ts';
import { PreconditionFailedError, type Clock, type ObjectStore } from '../ports.ts';
import { CreateFirstPolicy } from './create-first.ts';
import type { OcspStateBook } from './ocsp-state-book.ts';
import type { PublishRun } from './publish-run.ts';

/** What judging and writing files needs: the two stores, the clock and the gate's settings. */
export interface PublishGate {
  ingest: ObjectStore;
  repository: ObjectStore;
  clock: Clock;
  settings: PublishSettings;
}

/** How often one file is re-judged after losing a conditional-write race. */
const MAX_WRITE_ATTEMPTS = 3;

/**
 * Judges one file and writes what it brings; a lost conditional-write race judges it again.
 * An OCSP file is judged first (attempt 0) without a HEAD: against what its shard's state
 * records (ocsp-state-book.ts), or as new (create-first.ts) where the state records nothing. The
 * write is conditional on that (If-Match on the recorded ETag, If-None-Match: *), so a wrong
 * answer costs a 412 and a judgement against HEADs (attempts 1 to MAX_WRITE_ATTEMPTS), never a
 * wrong verdict.
 */
export async function publishFile(
  gate: PublishGate,
  file: CandidateFile,
  part: ReadonlyMap<string, CandidateFile>,
  bundleId: string,
  run: PublishRun,
  book: OcspStateBook,
): Promise<void> {
  const { repository } = gate;
  for (let attempt = file.content.type === 'ocsp-response' ? 0 : 1; ; attempt++) {
    const cheap = attempt === 0;
    const guessed = new Set<string>();
    const recorded = new Set<string>();
    // Each key is answered once per judgement, so every rule sees the same served object.
    const answers = new Map<string, Promise<ServedHead | undefined>>();
    const cheapHead = async (key: string) => {
      const served = await book.recorded(key);
      if (served) {
        recorded.add(key);
        return served;
      }
      if (!run.createFirst.shouldGuess()) return run.headOnce(key, repository);
      guessed.add(key);
      return undefined;
    };
    const head = (key: string) => {
      if (!cheap || !CreateFirstPolicy.covers(key)) return run.headOnce(key, repository);
      let answer = answers.get(key);
      if (!answer) {
        answer = cheapHead(key);
        answers.set(key, answer);
      }
      return answer;
    };
    const context: AssessContext = {
      ...gate.settings,
      now: gate.clock.now(),
      bundleId,
      runId: run.runId,
      part,
      served: {
        head,
        get: (key) => repository.get(key),
        revocations: (ca) => run.historyOnce(ca, repository),
      },
      claim: (key, owner) => run.claim(key, owner),
    };
    const verdict = await judge(file, context);
    if ('rejected' in verdict) return rejectWithCompanions(file, verdict.rejected, part, run);
    // The same bytes served: whether their invalidation is still owed needs the object's own
    // metadata (left-invalidation.ts), which a state does not hold.
    const sameAsRecorded = verdict.unchanged.filter(({ key }) => recorded.has(key));
    if (sameAsRecorded.length > 0) {
      for (const { key } of sameAsRecorded) book.distrust(key);
      continue;
    }
    for (const { key, served } of verdict.unchanged) {
      book.observed(key, served);
      await settleLeftInvalidation(gate, key, served, run);
    }
    try {
      // Objects are written before anything (index, receipt) names them.
      for (const write of verdict.writes) await writeObject(repository, write, run, book);
      if (guessed.size > 0) run.createFirst.record(false);
      run.accept({ ...verdict, accepted: withChanges(verdict.accepted, verdict.writes) });
      return;
    } catch (error) {
      // Another publish changed a key after this file was judged: judge it again against
      // what is served now (two CRLs racing on one path: the higher number wins).
      if (!(error instanceof PreconditionFailedError)) throw error;
      for (const write of verdict.writes) {
        run.forgetHead(write.key);
        book.distrust(write.key);
      }
      if (cheap) {
        if (guessed.size > 0) run.createFirst.record(true);
        continue;
      }
      if (attempt === MAX_WRITE_ATTEMPTS) {
        const reason = 'changed concurrently by another publish; send it again';
        return rejectWithCompanions(file, reason, part, run);
      }
    }
  }
}

function rejectWithCompanions(
  file: CandidateFile,
  reason: string,
  part: ReadonlyMap<string, CandidateFile>,
  run: PublishRun,
): void {
  run.reject(file.path, reason);
  for (const companion of companionsOf(file, part)) {
    run.reject(companion.path, `detached signature of ${file.path}, which was refused`);
  }
}

/** The served bytes are the ones this bundle brings; the run that wrote them may still owe their invalidation. */
async function settleLeftInvalidation(
  gate: PublishGate,
  key: string,
  served: ServedHead,
  run: PublishRun,
): Promise<void> {
  const pending = pendingInvalidation(served, gate.clock.now(), gate.settings.caps);
  if (!pending) return;
  const receipt = pending.writer ? await run.receiptOnce(pending.writer, gate.ingest) : undefined;
  if (isSettledBy(receipt, served)) return;
  run.changedPaths(`/${key}`);
  // An earlier run of this very bundle wrote it (a retry): this run's invalidation settles that one's write.
  const writtenBy = readServedMetadata(served.metadata).run;
  if (pending.writer === run.bundleId && writtenBy) run.settlesRun(writtenBy);
}

async function writeObject(
  repository: ObjectStore,
  write: ObjectWrite,
  run: PublishRun,
  book: OcspStateBook,
): Promise<void> {
  const written = await repository.put(write.key, write.body, write.options);
  book.wrote(write.key, written?.etag, write.options.metadata);
  if (write.replaces) run.replaced(write.key);
  if (write.invalidatePath) run.changedPaths(write.invalidatePath);
}

/**
 * A rule's refusal. The message is the reason the operator reads in the receipt and in
 * `ca-repo publish` output, so it says what is wrong in the operator's words, not a stack trace.
 */
export class RejectedError extends Error {
  override name = 'RejectedError';
}

/** Throws a RejectedError unless the condition holds. */
export function requireThat(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new RejectedError(reason);
}

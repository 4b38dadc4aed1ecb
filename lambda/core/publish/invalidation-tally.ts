/**
 * planInvalidation (invalidation.ts) for paths that arrive part by part, in memory bounded by the
 * path limit rather than by the bundle: a refresh changing 2,000,000 OCSP statuses ends as one
 * wildcard whichever way it is counted, so past the limit only the common prefix is kept.
 */
import { DEFAULT_MAX_INVALIDATION_PATHS } from './invalidation.ts';

export class InvalidationTally {
  private readonly paths = new Set<string>();
  /** Set once the distinct paths exceed the limit: their longest common prefix. */
  private prefix: string | undefined;

  constructor(private readonly maxPaths = DEFAULT_MAX_INVALIDATION_PATHS) {}

  add(path: string): void {
    if (this.prefix === undefined) {
      this.paths.add(path);
      if (this.paths.size <= this.maxPaths) return;
      this.prefix = [...this.paths][0]!;
      for (const known of this.paths) this.shrinkTo(known);
      this.paths.clear();
      return;
    }
    this.shrinkTo(path);
  }

  /** The same answer as planInvalidation over every path added. */
  plan(): string[] {
    if (this.prefix !== undefined) return [`${this.prefix || '/'}*`];
    return [...this.paths].sort();
  }

  private shrinkTo(path: string): void {
    while (!path.startsWith(this.prefix!)) this.prefix = this.prefix!.slice(0, -1);
  }
}

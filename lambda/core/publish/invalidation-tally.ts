/**
 * planInvalidation (invalidation.ts) for paths that arrive part by part, in memory bounded by the
 * path limit rather than by the bundle: a refresh changing 2,000,000 OCSP statuses ends as one
 * wildcard per folder whichever way it is counted, so past the limit each folder keeps only the
 * common prefix of its paths (and how many distinct paths it saw, up to two), and past the limit
 * in folders only the common prefix of everything.
 */
import { DEFAULT_MAX_INVALIDATION_PATHS } from './invalidation.ts';

interface FolderGroup {
  prefix: string;
  /** Distinct paths seen, counted up to 2: one path stays exact, more become a wildcard. */
  count: 1 | 2;
}

export class InvalidationTally {
  private readonly paths = new Set<string>();
  /** Set once the distinct paths exceed the limit. */
  private groups: Map<string, FolderGroup> | undefined;
  /** Set once the folders too exceed the limit: the common prefix of every path. */
  private overall: string | undefined;

  constructor(private readonly maxPaths = DEFAULT_MAX_INVALIDATION_PATHS) {}

  add(path: string): void {
    if (this.overall !== undefined) {
      this.overall = commonPrefix(this.overall, path);
      return;
    }
    if (!this.groups) {
      this.paths.add(path);
      if (this.paths.size <= this.maxPaths) return;
      this.groups = new Map();
      for (const known of this.paths) this.addToGroup(known);
      this.paths.clear();
    } else {
      this.addToGroup(path);
    }
    if (this.groups.size > this.maxPaths) {
      const prefixes = [...this.groups.values()].map((g) => g.prefix);
      this.overall = prefixes.reduce(commonPrefix);
      this.groups = new Map();
    }
  }

  /** The same answer as planInvalidation over every path added. */
  plan(): string[] {
    if (this.overall !== undefined) return [`${this.overall || '/'}*`];
    if (!this.groups) return [...this.paths].sort();
    return [...this.groups.values()].map((g) => (g.count === 1 ? g.prefix : `${g.prefix}*`)).sort();
  }

  private addToGroup(path: string): void {
    const folder = /^\/[^/]+\//.exec(path)?.[0] ?? path;
    const group = this.groups!.get(folder);
    if (!group) this.groups!.set(folder, { prefix: path, count: 1 });
    else if (group.prefix !== path || group.count === 2) {
      group.prefix = commonPrefix(group.prefix, path);
      group.count = 2;
    }
  }
}

function commonPrefix(a: string, b: string): string {
  let prefix = a;
  while (!b.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/**
 * Which CDN paths to invalidate after a publish. Exactly the changed URLs, while they are few;
 * past the limit one wildcard per top-level folder over the longest common prefix of its paths
 * (files at the root, such as the index, stay exact), and past the limit again one wildcard over
 * them all, because CloudFront charges per path beyond 1,000 a month and a wildcard counts as one
 * (REFERENCE: `*` only at the end). Grouping by folder keeps a publish of many new OCSP responses
 * and a new index from flushing the CRLs and certificates cached under other folders.
 */
export const DEFAULT_MAX_INVALIDATION_PATHS = 30;

export function planInvalidation(
  paths: readonly string[],
  maxPaths = DEFAULT_MAX_INVALIDATION_PATHS,
): string[] {
  const unique = [...new Set(paths)].sort();
  if (unique.length <= maxPaths) return unique;
  const groups = new Map<string, string[]>();
  for (const path of unique) {
    const folder = /^\/[^/]+\//.exec(path)?.[0] ?? path;
    groups.set(folder, [...(groups.get(folder) ?? []), path]);
  }
  const grouped = [...groups.values()].map((group) =>
    group.length === 1 ? group[0]! : `${commonPrefix(group)}*`,
  );
  if (grouped.length <= maxPaths) return grouped.sort();
  return [`${commonPrefix(unique) || '/'}*`];
}

function commonPrefix(paths: readonly string[]): string {
  let prefix = paths[0] ?? '/';
  for (const path of paths) {
    while (!path.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/**
 * Which CDN paths to invalidate after a publish. Exactly the changed URLs, while they are few;
 * past the limit one wildcard over their longest common prefix, because CloudFront charges per
 * path beyond 1,000 a month and a wildcard counts as one (REFERENCE: `*` only at the end).
 */
export const DEFAULT_MAX_INVALIDATION_PATHS = 30;

export function planInvalidation(
  paths: readonly string[],
  maxPaths = DEFAULT_MAX_INVALIDATION_PATHS,
): string[] {
  const unique = [...new Set(paths)].sort();
  if (unique.length <= maxPaths) return unique;
  let prefix = unique[0] ?? '/';
  for (const path of unique) {
    while (!path.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return [`${prefix || '/'}*`];
}

/**
 * The last step of `npm run evidence`: replaces the tracked pack (docs/evidence) with a freshly
 * generated one only when something other than its generation date changed, so that re-running
 * the script on an unchanged app leaves the working tree clean.
 *
 *     tsx cli/update-evidence-docs.ts DRAFT_DIR TARGET_DIR
 *
 * Each draft file is formatted with the project's prettier settings as if it sat at its target
 * path (the tracked copy is formatted too), then compared with the tracked copy with every
 * "Generated <timestamp>" masked.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as prettier from 'prettier';

/** The generation stamp the pack renderers write ("Generated 2026-11-23T19:15:18Z by ..."). */
const GENERATED_AT = /(Generated )\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

export function withoutGenerationDate(text: string): string {
  return text.replace(GENERATED_AT, '$1<date>');
}

/** The text as the tracked file would hold it: prettier-formatted unless prettier ignores that path. */
async function formattedAs(targetPath: string, text: string): Promise<string> {
  const info = await prettier.getFileInfo(targetPath, { ignorePath: resolve('.prettierignore') });
  if (info.ignored || info.inferredParser === null) return text;
  const config = (await prettier.resolveConfig(targetPath)) ?? {};
  return prettier.format(text, { ...config, filepath: targetPath });
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface EvidenceDocsUpdate {
  /** Files whose content differs beyond the date (or that are new); all were written. */
  changed: string[];
  /** True when every file was written (something changed), false when the target was left as is. */
  written: boolean;
}

/** Writes every draft file to `targetDir` if any differs beyond its generation date; else nothing. */
export async function updateEvidenceDocs(draftDir: string, targetDir: string): Promise<EvidenceDocsUpdate> {
  const names = (await readdir(draftDir, { withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
  const drafts = new Map<string, string>();
  const changed: string[] = [];
  for (const name of names) {
    const targetPath = resolve(targetDir, name);
    const draft = await formattedAs(targetPath, await readFile(join(draftDir, name), 'utf8'));
    drafts.set(name, draft);
    const tracked = await readIfPresent(targetPath);
    if (tracked === undefined || withoutGenerationDate(tracked) !== withoutGenerationDate(draft))
      changed.push(name);
  }
  // All or nothing: a pack whose files carry different dates would contradict itself.
  if (changed.length === 0) return { changed, written: false };
  await mkdir(targetDir, { recursive: true });
  for (const [name, text] of drafts) await writeFile(join(targetDir, name), text);
  return { changed, written: true };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [draftDir, targetDir] = process.argv.slice(2);
  if (!draftDir || !targetDir) {
    console.error('usage: tsx cli/update-evidence-docs.ts DRAFT_DIR TARGET_DIR');
    process.exit(2);
  }
  const { changed, written } = await updateEvidenceDocs(draftDir, targetDir);
  console.log(
    written
      ? `${targetDir}: updated (${changed.join(', ')} changed beyond the generation date)`
      : `${targetDir}: unchanged but for the generation date; left as it is`,
  );
}

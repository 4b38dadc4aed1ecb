/**
 * `npm run evidence` leaves the tracked pack alone when only its generation date changed, and
 * replaces all of it when anything else did.
 */
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { updateEvidenceDocs, withoutGenerationDate } from '../../cli/update-evidence-docs.ts';

let work: string;
let draft: string;
let target: string;

/** What the renderers write: HTML on one line (prettier reflows it), Markdown and DOT as they are. */
function pack(date: string, rows: string[]): Record<string, string> {
  return {
    'evidence.html': `<html><body><p>Generated ${date} by <code>ca-repo evidence</code>.</p><ul>${rows.map((r) => `<li>${r}</li>`).join('')}</ul></body></html>\n`,
    'evidence.md': `# Evidence\n\nGenerated ${date} by \`ca-repo evidence\`.\n\n${rows.map((r) => `- ${r}`).join('\n')}\n`,
    'architecture.dot': `digraph { label="${rows.length} rows" }\n`,
  };
}

async function writePack(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'ca-repo-evidence-docs-'));
  draft = join(work, 'draft');
  target = join(work, 'docs', 'evidence');
  await writePack(draft, pack('2026-11-23T19:15:18Z', ['TLS only', 'no public bucket']));
  expect(await updateEvidenceDocs(draft, target)).toEqual({
    changed: ['architecture.dot', 'evidence.html', 'evidence.md'],
    written: true,
  });
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('update-evidence-docs', () => {
  it('masks only the generation stamp', () => {
    expect(withoutGenerationDate('Generated 2026-11-23T19:15:18Z by x; Valid 2026-11-22T07:46:54.000Z')).toBe(
      'Generated <date> by x; Valid 2026-11-22T07:46:54.000Z',
    );
  });

  it('writes the pack formatted as the tracked files are', async () => {
    const html = await readFile(join(target, 'evidence.html'), 'utf8');
    expect(html.split('\n').length).toBeGreaterThan(3); // reflowed by prettier
    expect(html).toContain('Generated 2026-11-23T19:15:18Z');
    expect(await readFile(join(target, 'architecture.dot'), 'utf8')).toBe('digraph { label="2 rows" }\n');
  });

  it('leaves the tracked pack untouched when only the date changed', async () => {
    const before = await stat(join(target, 'evidence.html'));
    await writePack(draft, pack('2026-12-04T20:00:00Z', ['TLS only', 'no public bucket']));
    expect(await updateEvidenceDocs(draft, target)).toEqual({ changed: [], written: false });
    expect(await readFile(join(target, 'evidence.md'), 'utf8')).toContain('Generated 2026-11-23T19:15:18Z');
    expect((await stat(join(target, 'evidence.html'))).mtimeMs).toBe(before.mtimeMs);
  });

  it('replaces every file, new date included, when anything else changed', async () => {
    await writePack(draft, pack('2026-12-04T20:00:00Z', ['TLS only', 'no public bucket', 'WAF']));
    expect(await updateEvidenceDocs(draft, target)).toEqual({
      changed: ['architecture.dot', 'evidence.html', 'evidence.md'],
      written: true,
    });
    expect(await readFile(join(target, 'evidence.md'), 'utf8')).toContain('Generated 2026-12-04T20:00:00Z');
    expect(await readFile(join(target, 'evidence.html'), 'utf8')).toContain('WAF');
  });
});

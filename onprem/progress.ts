/**
 * A progress bar on stderr for large bundles: redrawn in place on a terminal, one line per step
 * otherwise (CI logs), silent for small bundles.
 */
const LARGE_BUNDLE_FILES = 200;

export interface Progress {
  advance(files: number, label: string): void;
  finish(label: string): void;
}

export function createProgress(stream: NodeJS.WriteStream | undefined, total: number): Progress {
  if (!stream || total < LARGE_BUNDLE_FILES) return { advance: () => undefined, finish: () => undefined };
  let done = 0;
  const render = (label: string) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} files  ${label}`;
    if (stream.isTTY) stream.write(`\r${bar}\x1b[K`);
    else stream.write(`${bar}\n`);
  };
  return {
    advance(files, label) {
      done += files;
      render(label);
    },
    finish(label) {
      render(label);
      if (stream.isTTY) stream.write('\n');
    },
  };
}

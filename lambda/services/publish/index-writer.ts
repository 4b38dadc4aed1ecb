/**
 * The index a publish leaves behind: index.json merged with this publish's entries, index.html
 * rendered from it, and the CCADB CRL disclosure files derived from it (crl-disclosure-writer.ts).
 * Written after the artifacts they name and before the receipt (publish-service.ts).
 */
import type { PublishSettings } from '../../core/publish/kinds/artifact-kind-module.ts';
import { crlDisclosureLinks } from '../../core/publish/crl-disclosure.ts';
import {
  DEFAULT_INDEX_TITLE,
  mergeIndex,
  parseIndex,
  renderIndexHtml,
  serialiseIndex,
  type IndexChanges,
  type RepositoryIndex,
} from '../../core/publish/repository-index.ts';
import { CONTENT_TYPES, cacheControlFor } from '../../core/serving/cache-policy.ts';
import type { ObjectStore } from '../ports.ts';
import { updateConditionally } from './conditional-update.ts';
import { writeCrlDisclosure } from './crl-disclosure-writer.ts';

/** The paths the index is served at (`/`: the distribution's default root object, index.html). */
export const INDEX_PATHS = ['/', '/index.html', '/index.json'] as const;

/**
 * Merges this publish's entries into index.json with a conditional write, read again and
 * merged again when another publish wrote it in between: two bundles at once lose no entry.
 */
export async function updateIndex(
  repository: ObjectStore,
  changes: IndexChanges,
  options: { now: Date; settings: PublishSettings; title: string | undefined },
): Promise<void> {
  const { now, settings } = options;
  const cacheControl = cacheControlFor({ kind: undefined, now, caps: settings.caps });
  let index: RepositoryIndex | undefined;
  await updateConditionally(repository, 'index.json', (current) => {
    index = mergeIndex(
      parseIndex(current ? Buffer.from(current.body).toString('utf8') : undefined, settings.ocspUrl, now),
      changes,
      now,
    );
    index.crlUrls = crlDisclosureLinks(index, pinnedCas(settings));
    return {
      body: Buffer.from(serialiseIndex(index)),
      options: { contentType: CONTENT_TYPES['index-json'], cacheControl },
    };
  });
  const html = renderIndexHtml(index!, options.title ?? DEFAULT_INDEX_TITLE);
  await repository.put('index.html', Buffer.from(html), {
    contentType: CONTENT_TYPES['index-html'],
    cacheControl,
  });
  await writeCrlDisclosure(repository, index!, {
    pinnedCas: pinnedCas(settings),
    publicBaseUrls: settings.publicBaseUrls ?? [],
    cacheControl,
  });
}

function pinnedCas(settings: PublishSettings): string[] {
  return settings.trust.cas.map((ca) => ca.fingerprints.sha256);
}

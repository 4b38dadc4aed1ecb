/**
 * Writes the CCADB CRL disclosure files (core/publish/crl-disclosure.ts) after index.json: they
 * are derived from the index just written, so any change of the index (a publish, a withdrawal)
 * that calls this keeps them in step. A file already holding the same bytes is not written again.
 */
import { crlDisclosureFiles, serialiseDisclosure } from '../../core/publish/crl-disclosure.ts';
import type { RepositoryIndex } from '../../core/publish/repository-index.ts';
import { CONTENT_TYPES } from '../../core/serving/cache-policy.ts';
import { bytesEqual } from '../../core/encoding/bytes.ts';
import type { ObjectStore } from '../ports.ts';

export async function writeCrlDisclosure(
  repository: ObjectStore,
  index: RepositoryIndex,
  options: { pinnedCas: readonly string[]; publicBaseUrls: readonly string[]; cacheControl: string },
): Promise<void> {
  for (const file of crlDisclosureFiles(index, options.pinnedCas, options.publicBaseUrls)) {
    const body = Buffer.from(serialiseDisclosure(file.urls));
    const current = await repository.get(file.key);
    if (current && bytesEqual(new Uint8Array(current.body), body)) continue;
    await repository.put(file.key, body, {
      contentType: CONTENT_TYPES['index-json'],
      cacheControl: options.cacheControl,
    });
  }
}

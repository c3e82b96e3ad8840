/**
 * The source links of a run's operations, as the host's engine and the engine worker both make them: the spans'
 * `code.*` attributes first, then their code.function (the function's declaration), then the best match in the
 * workspace folders' source indexes (src/sources/source-resolver.ts, which the CLI and the LLM layer use too).
 * No `vscode` import.
 */
import type { SpanTable } from '../core/model/span-table';
import type { SourceLink } from '../core/rca/diagnosis';
import type { SourceIndex } from '../core/source/resolve';
import { sourceResolver } from '../sources/source-resolver';
import { folderSearch } from './paths-model';

export function linkResolver(models: readonly SpanTable[], indexes: readonly { folder: string; index: SourceIndex | undefined }[]): (service: string, name: string) => SourceLink | undefined {
  // several folders: each link named by its folder (folderSearch); the best match of all wins
  const search = folderSearch(indexes);
  return sourceResolver(models, search.map((s, k) => ({ ...s, roots: [indexes[k]!.folder] })));
}

/**
 * The source links of a run's operations, as the host's engine and the engine worker both make them: the spans'
 * `code.*` attributes first, then the best match in the workspace folders' source indexes. Pure: no `vscode` import.
 */
import type { SpanTable } from '../core/model/span-table';
import type { SourceLink } from '../core/rca/diagnosis';
import { codeAttrsByOperation, opKey } from '../core/source/code-attrs';
import { bestAcross, combineLinks } from '../core/source/link';
import type { SourceIndex } from '../core/source/resolve';
import { folderSearch } from './paths-model';

export function linkResolver(models: readonly SpanTable[], indexes: readonly { folder: string; index: SourceIndex | undefined }[]): (service: string, name: string) => SourceLink | undefined {
  const attrs = new Map<string, SourceLink>();
  for (const m of models) for (const [k, v] of codeAttrsByOperation(m)) if (!attrs.has(k)) attrs.set(k, v);
  // several folders: each link named by its folder (folderSearch); the best match of all wins
  const search = folderSearch(indexes);
  return (service, name) => combineLinks(attrs.get(opKey(service, name)), bestAcross(search, service, name));
}

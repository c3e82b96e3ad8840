/**
 * The source link of an operation, as the CLI, the extension (host and engine worker) and the LLM layer resolve it:
 * its spans' code.* attributes (file and line, checked against the workspace search), else their code.function
 * (the function's declaration, core/source/function-link.ts), else the workspace search for the span's name.
 * The function search reads a few files of the workspace (the core reads none): here, from disk, at most 2 MiB each,
 * once per file.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { SpanTable } from '../core/model/span-table';
import type { SourceLink } from '../core/rca/diagnosis';
import { codeAttrsByOperation, codeFunctionsByOperation, opKey } from '../core/source/code-attrs';
import { functionLink, type CodeFunction, type ReadSource } from '../core/source/function-link';
import { bestAcross, combineLinks } from '../core/source/link';
import type { SourceIndex } from '../core/source/resolve';

const MAX_BYTES = 2 * 1024 * 1024;

/** Reads workspace files relative to the first of `roots` that has them (absolute paths as they are); cached. */
export function workspaceReader(roots: readonly string[]): ReadSource {
  const cache = new Map<string, string | undefined>();
  const one = (p: string): string | undefined => {
    try {
      const st = statSync(p);
      if (!st.isFile() || st.size > MAX_BYTES) return undefined;
      const buf = readFileSync(p);
      return buf.subarray(0, 8192).includes(0) ? undefined : buf.toString('utf8');
    } catch {
      return undefined;
    }
  };
  return (file) => {
    if (cache.has(file)) return cache.get(file);
    let text: string | undefined;
    if (isAbsolute(file)) text = one(file);
    else for (const r of roots) if ((text = one(join(r, file))) !== undefined) break;
    cache.set(file, text);
    return text;
  };
}

export interface SearchFolder {
  index: SourceIndex | undefined;
  /** where the index's paths are relative to (several: tried in order) */
  roots: readonly string[];
  /** the path to report for an index's file (a multi-root workspace: absolute), and the folder's name for scoring */
  rename?: (file: string) => string;
  label?: string;
}

/** One resolver for the operations of these runs (memoised per operation). */
export function sourceResolver(models: readonly SpanTable[], folders: readonly SearchFolder[]): (service: string, name: string) => SourceLink | undefined {
  const attrs = new Map<string, SourceLink>();
  const fns = new Map<string, CodeFunction>();
  for (const m of models) {
    for (const [k, v] of codeAttrsByOperation(m)) if (!attrs.has(k)) attrs.set(k, v);
    for (const [k, v] of codeFunctionsByOperation(m)) if (!fns.has(k)) fns.set(k, v);
  }
  const search = folders.map(({ index, rename, label }) => ({ index, ...(rename ? { rename } : {}), ...(label !== undefined ? { label } : {}) }));
  const readers = folders.map(({ index, roots, rename }) => ({ index, read: workspaceReader(roots), ...(rename ? { rename } : {}) }));
  const memo = new Map<string, SourceLink | undefined>();
  return (service, name) => {
    const k = opKey(service, name);
    if (memo.has(k)) return memo.get(k);
    const found = bestAcross(search, service, name);
    const attr = attrs.get(k);
    const fn = attr ? undefined : fns.get(k);
    const link = attr ? combineLinks(attr, found) : fn ? functionLink(fn, found, readers, service) : found;
    memo.set(k, link);
    return link;
  };
}
